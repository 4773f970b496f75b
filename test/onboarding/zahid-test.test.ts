/**
 * Issue 11 "done when": a fourth insurer unlike the three we have — SFTP with rename completion, a
 * REST API with an API key and cursor paging, UTF-8 files with a BOM, timestamps with a zone, an
 * endorsement on the row after its policy, a payment reversed by reference — is onboarded by files
 * alone (adapters/zahid-test/ and mappings/zahid-test/, shipped as the engineers' example) and
 * exchanged with through the generic sandbox, with the real command line (`npx ecspert …`) as the
 * README's onboarding section walks through it. What arrived is checked with the CLI, the
 * reversal's link to the payment it reverses included (`policy payments`, `policy calendar --json`).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateEd25519KeyPair } from '../../src/exchange/sandbox';

const root = path.resolve(__dirname, '../..');
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function git(...args: string[]): string {
  const result = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

describe('a fourth insurer onboarded by configuration alone, through the generic sandbox', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-zahid-'));
  const statusBefore = git('status', '--porcelain', '--', 'adapters', 'mappings');
  const npx = (...args: string[]) => {
    const result = spawnSync('npx', ['--no-install', 'ecspert', ...args], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        npm_config_update_notifier: 'false',
      },
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
  };
  const json = <T>(...args: string[]): T => {
    const run = npx(...args, '--json');
    expect(run).toMatchObject({ status: 0 });
    return JSON.parse(run.stdout) as T;
  };

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('is files under adapters/zahid-test/ and mappings/zahid-test/ only: nothing in src/ knows it', () => {
    const files = git('ls-files', '--', 'adapters/zahid-test', 'mappings/zahid-test').trim().split('\n');
    expect(files.sort()).toEqual([
      'adapters/zahid-test/__fixtures__/POLICIES_20261121.csv',
      'adapters/zahid-test/__fixtures__/payments.json',
      'adapters/zahid-test/__fixtures__/sandbox.yaml',
      'adapters/zahid-test/adapter.yaml',
      'adapters/zahid-test/catalogue.yaml',
      'mappings/zahid-test/contracts.yaml',
      'mappings/zahid-test/payments.yaml',
    ]);
    // No code: no hook of its own, and src/ does not name it.
    expect(fs.existsSync(path.join(root, 'adapters/zahid-test/exchange.ts'))).toBe(false);
    expect(fs.existsSync(path.join(root, 'adapters/zahid-test/sandbox'))).toBe(false);
    expect(
      spawnSync('git', ['grep', '-il', 'zahid', '--', 'src'], { cwd: root, encoding: 'utf8' }).stdout,
    ).toBe('');
  });

  it('has fixtures in UTF-8 with a BOM and Ukrainian text, as the insurer sends them', () => {
    for (const name of ['POLICIES_20261121.csv', 'payments.json']) {
      const bytes = fs.readFileSync(path.join(root, 'adapters/zahid-test/__fixtures__', name));
      expect(bytes.subarray(0, 3)).toEqual(BOM);
      expect(bytes.toString('utf8')).toMatch(/[А-ЯІЇЄҐа-яіїєґ]{4,}/);
    }
  });

  it('is checked, synced and exchanged with by the command line, and its records arrive', async () => {
    expect(npx('db', 'migrate')).toMatchObject({ status: 0 });

    // The credentials adapter.yaml refers to go into the secrets folder, never the repository.
    const secretsDir = path.join(dataDir, 'secrets');
    fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(secretsDir, 'zahid-test-sftp.key'), generateEd25519KeyPair().private, {
      mode: 0o600,
    });
    fs.writeFileSync(path.join(secretsDir, 'zahid-test-api-key'), 'key-from-the-insurer\n', { mode: 0o600 });

    const check = npx('adapter', 'check', 'zahid-test');
    expect(check).toMatchObject({ status: 0 });
    expect(check.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        'contracts (received): ready',
        'payments (received): ready',
        'zahid-test: ready (0 warning(s))',
      ]),
    );

    const sync = npx('insurer', 'sync', 'zahid-test', '--by', 'olena');
    expect(sync).toMatchObject({ status: 0 });
    expect(sync.stdout).toContain('added: ZT-HOME, ZT-AUTO');

    const run = npx('exchange', 'run', 'zahid-test', '--sandbox');
    expect(run).toMatchObject({ status: 0 });
    expect(run.stdout).toMatch(
      /^sandbox ZAHID_TEST at sftp:\/\/zt-agency@127\.0\.0\.1:\d+ http:\/\/127\.0\.0\.1:\d+\/v1$/m,
    );
    expect(run.stdout).toContain('took in 1 file(s)');
    expect(run.stdout).toContain('payments: took in 2 page(s) over REST');
    expect(run.stdout).toMatch(
      /^POLICIES_20261121\.csv: applied — 2 row\(s\), 2 applied, .* 0 row issue\(s\)/m,
    );
    expect(
      run.stdout.match(/^payments-.*\.json: applied — 2 row\(s\), 2 applied, .* 0 row issue\(s\)/gm),
    ).toHaveLength(2);

    type PolicyRow = { id: number; number: string; product: string; issuedOn: string; sumInsuredKop: number };
    const policies = json<{ items: PolicyRow[]; total: number }>(
      'policy',
      'list',
      '--insurer',
      'ZAHID_TEST',
      '--as-of',
      '2026-11-30',
    );
    expect(policies.total).toBe(2);
    const [home, auto] = policies.items;
    expect(home).toMatchObject({ number: 'ZT-2026-000101', product: 'ZT-HOME', issuedOn: '2026-11-02' });
    // Written 2026-11-01T23:30:00Z: 2 November in Kyiv, the zone the mapping names.
    expect(auto).toMatchObject({ number: 'ZT-2026-000102', product: 'ZT-AUTO', issuedOn: '2026-11-02' });
    // The endorsement on the row after its policy raised the sum insured from 21 November.
    expect(home.sumInsuredKop).toBe(95_000_000);
    const card = json<{
      amendments: { amendmentNo: string; changeKind: string; effectiveOn: string }[];
      versions: { validFrom: string; sumInsuredKop: number }[];
    }>('policy', 'show', String(home.id), '--as-of', '2026-11-30');
    expect(card.amendments).toEqual([
      expect.objectContaining({ amendmentNo: '1', changeKind: 'sum_change', effectiveOn: '2026-11-21' }),
    ]);
    expect(card.versions.map((v) => [v.validFrom, v.sumInsuredKop])).toEqual([
      ['2026-11-02', 80_000_000],
      ['2026-11-21', 95_000_000],
    ]);

    type Linked = {
      id: number;
      insurerPaymentId: string | null;
      reversesPaymentId: number | null;
      reversedBy: number | null;
    };
    const calendar = json<{
      payments: (Linked & { paidOn: string; amountKop: number; correction: boolean; externalKey: string })[];
      totals: { receivedKop: number };
    }>('policy', 'calendar', String(home.id), '--as-of', '2026-11-30');
    expect(calendar.payments.map((p) => [p.externalKey, p.paidOn, p.amountKop, p.correction])).toEqual([
      ['ZAHID_TEST:payid:ПЛ-1001', '2026-11-03', 60_000, false],
      ['ZAHID_TEST:payid:ПЛ-1003', '2026-11-24', 600_000, false],
      ['ZAHID_TEST:payid:СТ-1003', '2026-11-24', -600_000, true],
    ]);
    // The mistyped 6 000.00 and its reversal net to zero: only the first instalment is received.
    expect(calendar.totals.receivedKop).toBe(60_000);

    // The next run asks only for what changed since this one, and the folder's file is taken once.
    const again = npx('exchange', 'run', 'zahid-test', '--sandbox');
    expect(again.stdout).toContain('took in 0 file(s)');
    expect(again.stdout).toContain('payments: took in 0 page(s) over REST');

    // Which payment a reversal reverses, as `policy payments` shows it (and the calendar, both ways).
    const linksOf = (payments: Linked[]) => {
      const byId = new Map(payments.map((p) => [p.id, p]));
      return payments
        .filter((p) => p.reversesPaymentId !== null)
        .map((p) => ({
          reversal: p.insurerPaymentId,
          reverses: byId.get(p.reversesPaymentId!)?.insurerPaymentId,
          reversedBy: byId.get(p.reversesPaymentId!)?.reversedBy === p.id,
        }));
    };
    const payments = json<{ items: Linked[] }>('policy', 'payments', String(home.id));
    expect(linksOf(payments.items)).toEqual([{ reversal: 'СТ-1003', reverses: 'ПЛ-1003', reversedBy: true }]);
    expect(linksOf(calendar.payments)).toEqual([
      { reversal: 'СТ-1003', reverses: 'ПЛ-1003', reversedBy: true },
    ]);
  }, 600_000);

  it('leaves the repository as it was: everything it made is in the data folder', () => {
    expect(git('status', '--porcelain', '--', 'adapters', 'mappings')).toBe(statusBefore);
    expect(fs.existsSync(path.join(dataDir, 'sandbox', 'zahid-test', 'sftp-root', 'download'))).toBe(true);
  });
});
