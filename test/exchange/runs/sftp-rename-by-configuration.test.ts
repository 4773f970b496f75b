/**
 * Issue 11 item 2, end to end: an insurer that renames `name.part` to `name` when a file is complete
 * (no marker) is exchanged with by adapter.yaml alone, over the real SFTP server of the sandbox.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { runExchange } from '../../../src/exchange/runs';
import {
  DNIPRO_LIFE_SAMPLES_DIR,
  generateEd25519KeyPair,
  startSandboxSftpServer,
  type SandboxSftpServer,
} from '../../sandbox';
import { describeEachEngine } from '../../support/engines';

describeEachEngine('SFTP completion by rename, configured in adapter.yaml', (ctx) => {
  let server: SandboxSftpServer;
  let deps: ExchangeDeps;
  let tmp: string;
  let out: string;
  const opened: string[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rename-co-'));
    const root = path.join(tmp, 'sftp');
    out = path.join(root, 'out');
    fs.mkdirSync(path.join(root, 'in'), { recursive: true });
    fs.mkdirSync(out);
    const key = generateEd25519KeyPair();
    server = await startSandboxSftpServer({ rootDir: root, clientPublicKey: key.public });
    server.events.on('file-opened', (p: string) => opened.push(p));
    const secretsDir = path.join(tmp, 'secrets');
    fs.mkdirSync(secretsDir);
    fs.writeFileSync(path.join(secretsDir, 'renameco-sftp.key'), key.private, { mode: 0o600 });
    const adaptersDir = path.join(tmp, 'adapters');
    fs.mkdirSync(path.join(adaptersDir, 'renameco'), { recursive: true });
    fs.writeFileSync(
      path.join(adaptersDir, 'renameco/adapter.yaml'),
      `insurer: { code: RENAMECO, name: ПрАТ «Перейменування», companyCode: '87654321' }
owner: integration team
specVersion: '1'
channels:
  sftp:
    host: ${server.host}
    port: ${server.port}
    username: ${server.username}
    privateKey: secret:renameco-sftp.key
    hostKeySha256: ${server.hostKeySha256}
    paths: { in: /in, out: /out }
    completion: { rename: { suffix: .part } }
messages:
  contracts:
    direction: in
    fileNamePattern: '^CONTRACTS_(\\d{8})\\.csv$'
    format: csv
    formatOptions: { encoding: windows-1251, delimiter: ';', header: true }
    mapping: mappings/dnipro-life/contracts.yaml
`,
    );
    await ctx.database.db
      .insertInto('insurer')
      .values({
        code: 'RENAMECO',
        name: 'ПрАТ «Перейменування»',
        company_code: '87654321',
        created_at: new Date(),
      })
      .execute();
    deps = { database: ctx.database, secretsDir, adaptersDir };
  });

  afterAll(async () => {
    await server?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('leaves a half-written .part file alone, and takes the file once it is renamed into place', async () => {
    const sample = fs.readFileSync(path.join(DNIPRO_LIFE_SAMPLES_DIR, 'CONTRACTS_20261002.csv'));
    fs.writeFileSync(path.join(out, 'CONTRACTS_20261002.csv.part'), sample.subarray(0, 100));

    const first = await runExchange(deps, 'RENAMECO', { today: '2026-10-05' });
    expect(first.receiveFailures).toEqual([]);
    expect(first.received).toEqual([]);
    expect(opened).toEqual([]);

    fs.appendFileSync(path.join(out, 'CONTRACTS_20261002.csv.part'), sample.subarray(100));
    fs.renameSync(path.join(out, 'CONTRACTS_20261002.csv.part'), path.join(out, 'CONTRACTS_20261002.csv'));
    const second = await runExchange(deps, 'RENAMECO', { today: '2026-10-05' });
    expect(second.received).toEqual([
      expect.objectContaining({ name: 'CONTRACTS_20261002.csv', duplicate: false }),
    ]);
    const [stored] = await ctx.database.db
      .selectFrom('exchange_message')
      .select(['external_name', 'channel', 'message_type', 'size_bytes'])
      .where('external_name', '=', 'CONTRACTS_20261002.csv')
      .execute();
    expect(stored).toMatchObject({ channel: 'sftp', message_type: 'contracts' });
    expect(Number(stored.size_bytes)).toBe(sample.length);
  });
});
