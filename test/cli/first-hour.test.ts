/**
 * The first hour with the command line, as a newcomer meets it (`node bin/ecspert.js …` in child
 * processes): a command on a database nobody migrated, bad arguments, a refused change, the ledger
 * with its plan versions and the causes of its corrections, the run's fingerprint, `--json`, a list
 * that says when it stops short, and a bad HOST or PORT told before any migration.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin/ecspert.js');
const plan = path.join(root, 'back-office/plans/default.plan.yaml');
const postgresUrl = process.env.DATABASE_URL;

function ecspert(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ECSPERT_FROM: 'sources',
      HOME: os.tmpdir(),
      LOG_LEVEL: 'warn',
      ...env,
    },
    encoding: 'utf8',
    timeout: 180_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

describe('a database nobody has migrated', () => {
  it('the embedded one is migrated first, saying so in one line', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-unmigrated-'));
    try {
      const run = ecspert(['plan', 'check', plan], { ECSPERT_DATA_DIR: dataDir });
      expect(run.stderr).toMatch(/^ecspert: pglite:.* was not migrated: \d+ migration\(s\) applied first$/);
      expect(run.stderr).not.toMatch(/relation/);
      expect(run.status).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);

  const describePg = postgresUrl ? it : it.skip;
  if (!postgresUrl)
    console.warn('DATABASE_URL unset: the PostgreSQL case of an unmigrated database is skipped');
  describePg(
    'a server database is refused in one line naming `ecspert db migrate`, and left alone',
    async () => {
      const name = `cli_unmigrated_${process.pid}`;
      const admin = new Client({ connectionString: postgresUrl });
      await admin.connect();
      try {
        await admin.query(`drop database if exists ${name}`);
        await admin.query(`create database ${name}`);
        const url = new URL(postgresUrl!);
        url.pathname = `/${name}`;
        const run = ecspert(['plan', 'check', plan], { DATABASE_URL: url.toString() });
        expect(run.status).toBe(2);
        expect(run.stderr.split('\n')).toEqual([
          expect.stringMatching(
            /^ecspert: postgres:.* is not migrated \(0 migration\(s\) applied, \d+ not yet, from 0001_core\): run `ecspert db migrate` first$/,
          ),
        ]);
        const status = ecspert(['db', 'status', '--json'], { DATABASE_URL: url.toString() });
        expect(JSON.parse(status.stdout)).toMatchObject({
          applied: [],
          pending: expect.arrayContaining(['0001_core']),
        });
      } finally {
        await admin.query(`drop database if exists ${name}`).catch(() => undefined);
        await admin.end();
      }
    },
    120_000,
  );
});

describe('arguments checked before anything is opened', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-arguments-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [['message', 'show', 'abc'], /argument 'id'.*'abc' is not a whole number/],
    [['message', 'replay', '-1'], /unknown option '-1'|'-1' is not a whole number/],
    [['accruals', '2026-05', '--limit', 'abc'], /option '--limit <n>'.*'abc' is not a whole number/],
    [['accruals', '2026-05', '--offset', '1.5'], /option '--offset <n>'.*'1.5' is not a whole number/],
    [['consultant', 'list', '--page', '0'], /option '--page <n>'.*0 is less than 1/],
    [['contest', 'list', '--running', 'May'], /option '--running <period>'.*'May' is not a period yyyy-mm/],
  ])('%j', (args, message) => {
    const run = ecspert(args, { ECSPERT_DATA_DIR: dataDir });
    expect(run.status).toBe(1);
    expect(run.stderr.split('\n')[0]).toMatch(message);
    expect(run.stderr).not.toMatch(/relation|syntax|invalid input|LOG_LEVEL/);
    // Nothing was opened: the embedded database was not even created.
    expect(fs.existsSync(path.join(dataDir, 'db'))).toBe(false);
  });
});

describe('serve and start with a bad HOST or PORT', () => {
  it('a port in use is told at once, naming PORT, before migrating or seeding', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as net.AddressInfo).port;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-port-'));
    try {
      const run = ecspert(['start'], { ECSPERT_DATA_DIR: dataDir, PORT: String(port) });
      expect({ status: run.status, stderr: run.stderr }).toEqual({
        status: 2,
        stderr: `ecspert: configuration error: PORT: 127.0.0.1:${port} is in use by another program (another ecspert?): stop it or set PORT to a free port`,
      });
      expect(run.stdout).toBe('');
      expect(fs.existsSync(path.join(dataDir, 'db'))).toBe(false);
    } finally {
      busy.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a HOST that is not this machine is told at once, naming HOST', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-host-'));
    try {
      const run = ecspert(['serve'], { ECSPERT_DATA_DIR: dataDir, HOST: '192.0.2.1', PORT: '39999' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(
        /^ecspert: configuration error: HOST: '192\.0\.2\.1' is not an address of this machine to listen on \(EADDRNOTAVAIL\): set HOST/,
      );
      expect(fs.existsSync(path.join(dataDir, 'db'))).toBe(false);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the ledger from the command line, on the demo', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-ledger-'));
  const cli = (...args: string[]) => ecspert(args, { ECSPERT_DATA_DIR: dataDir });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('calculate shows the fingerprint; accruals the plan version, the cause of a correction, and where it stopped', () => {
    expect(cli('demo', 'seed').status).toBe(0);
    const calculated = cli('period', 'calculate', '2026-05');
    expect(calculated.status).toBe(0);
    const fingerprint = /^ {2}input fingerprint ([0-9a-f]{64})$/m.exec(calculated.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    expect(cli('period', 'calculate', '2026-05', '--preview').stdout).toMatch(
      /^ {2}input fingerprint [0-9a-f]{64}$/m,
    );

    const first = cli('accruals', '2026-05', '--limit', '2');
    const lines = first.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\d+ K-\d{5} \w+ \S+ -?[\d ]+,\d\d plan 2026\.1: /);
    const total = Number(
      /^showing 1–2 of (\d+); --offset 2 for more \(or a larger --limit\)$/.exec(lines[2])?.[1],
    );
    expect(total).toBeGreaterThan(200);
    // The default stops at 200 and says so.
    expect(cli('accruals', '2026-05').stdout.trim().split('\n').at(-1)).toBe(
      `showing 1–200 of ${total}; --offset 200 for more (or a larger --limit)`,
    );
    const json = JSON.parse(cli('accruals', '2026-05', '--offset', String(total - 1), '--json').stdout);
    expect(json).toMatchObject({ total, offset: total - 1, limit: 200 });
    expect(json.items).toHaveLength(1);
    expect(json.items[0]).toMatchObject({ planVersion: '2026.1', cause: null });

    expect(cli('period', 'close', '2026-05', '--by', 'olena').status).toBe(0);
    const seller = json.items[0].consultantCode as string;

    // A change inside the closed period waits for a second person; its author signs in to propose it.
    const promote = [
      'career-change',
      seller,
      'DIRECTOR',
      '--from',
      '2026-05-01',
      '--reason',
      'promoted late',
    ];
    const refused = cli(...promote, '--by', 'olena');
    expect({ status: refused.status, stderr: refused.stderr }).toEqual({
      status: 1,
      stderr:
        'ecspert: a change inside a closed period needs olena signed in: run it on a terminal to be asked for the password, or set ECSPERT_PASSWORD',
    });
    const unknown = cli(
      'career-change',
      seller,
      'L3',
      '--from',
      '2026-06-01',
      '--reason',
      'x',
      '--by',
      'olena',
    );
    expect(unknown.stderr).toBe("ecspert: career level 'L3' is not known");

    const passwordOf = (login: string) =>
      /^password: (\S+)$/m.exec(cli('user', 'add', login, '--role', 'back_office').stdout)?.[1] ?? '';
    const olena = passwordOf('olena');
    const taras = passwordOf('taras');
    const as = (password: string, ...args: string[]) =>
      ecspert(args, { ECSPERT_DATA_DIR: dataDir, ECSPERT_PASSWORD: password });
    const proposed = as(olena, ...promote, '--by', 'olena');
    expect(proposed.stdout).toMatch(
      /^change request #1: career_change of K-\d{5} from 2026-05-01 reaches into closed period 2026-05; kept for approval, nothing applied/,
    );
    expect(JSON.parse(cli('corrections', 'pending', '--json').stdout)).toEqual([]);
    expect(as(taras, 'approval', 'approve', '1', '--by', 'taras').status).toBe(0);
    expect(JSON.parse(cli('corrections', 'pending', '--json').stdout)).toEqual([
      expect.objectContaining({ periodCode: '2026-05' }),
    ]);
    const posted = cli('corrections', 'post', '--by', 'olena');
    expect(posted.status).toBe(0);
    const corrections = JSON.parse(
      cli('accruals', '2026-06', '--consultant', seller, '--json', '--limit', '10000').stdout,
    ).items.filter((l: { correctsPeriod: string | null }) => l.correctsPeriod === '2026-05');
    expect(corrections.length).toBeGreaterThan(0);
    for (const l of corrections) expect(l.cause).toMatch(/DIRECTOR з 2026-05-01 \(promoted late/);
    const printed = cli('accruals', '2026-06', '--consultant', seller).stdout;
    expect(printed).toMatch(/ plan 2026\.1 corrects 2026-05 (storno of \d+ )?\(cause: .*promoted late.*\): /);

    expect(JSON.parse(cli('period', 'list', '--json').stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: '2026-05', status: 'closed' })]),
    );
  }, 600_000);
});

describe('the message list', () => {
  it('takes --json and checked paging like every list, and says how many it shows', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-messages-'));
    try {
      const env = { ECSPERT_DATA_DIR: dataDir };
      const json = ecspert(['message', 'list', '--json'], env);
      expect(json.status).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual({ items: [], total: 0, totalCapped: false });
      const text = ecspert(['message', 'list', '--insurer', 'KARPATY'], env);
      expect(text).toMatchObject({ status: 0, stdout: 'page 1: 0 of 0\n' });
      const bad = ecspert(['message', 'list', '--page', 'abc'], env);
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/--page/);
      expect(bad.stderr).not.toMatch(/relation|syntax|at .*\.ts/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
