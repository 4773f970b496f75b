import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SftpClient from 'ssh2-sftp-client';
import {
  FileFetchedRegistry,
  MemoryFetchedRegistry,
  SftpTransport,
  TransportError,
  pullNew,
  type SftpTransportOptions,
} from '../../../src/exchange/transports';
import {
  decodeCsv,
  DNIPRO_LIFE_SAMPLES_DIR,
  startDniproLifeSandbox,
  type DniproLifeSandbox,
  generateEd25519KeyPair,
} from '../../sandbox';

const clientKey = generateEd25519KeyPair();
const sample = (name: string) => fs.readFileSync(path.join(DNIPRO_LIFE_SAMPLES_DIR, name));

let rootDir: string;
let dataDir: string;
let sandbox: DniproLifeSandbox;
let opened: string[];
const open: SftpTransport[] = [];

function transport(overrides: Partial<SftpTransportOptions> = {}): SftpTransport {
  const t = new SftpTransport({
    host: sandbox.host,
    port: sandbox.port,
    username: sandbox.username,
    privateKey: clientKey.private,
    hostKeySha256: sandbox.hostKeySha256,
    registry: new MemoryFetchedRegistry(),
    connectTimeoutMs: 5000,
    operationTimeoutMs: 5000,
    ...overrides,
  });
  open.push(t);
  return t;
}

async function expectTransportError(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TransportError);
  return error as TransportError;
}

beforeEach(async () => {
  rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnipro-sftp-'));
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hub-data-'));
  sandbox = await startDniproLifeSandbox({
    rootDir,
    clientPublicKey: clientKey.public,
    today: () => '2026-10-05',
  });
  opened = [];
  sandbox.sftp.events.on('file-opened', (p: string) => opened.push(p));
});

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  await sandbox.close();
  fs.rmSync(rootDir, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('SFTP transport against the sandbox Dnipro Life', () => {
  it('lists and reads only files whose .done marker exists, byte for byte', async () => {
    await sandbox.publishFile('CONTRACTS_20261002.csv', sample('CONTRACTS_20261002.csv'));
    await sandbox.publishFile('PAYMENTS_202610.csv', sample('PAYMENTS_202610.csv'), { withMarker: false });
    const t = transport();

    const { stored, failed } = await pullNew(t, async () => undefined);

    expect(failed).toEqual([]);
    expect(stored.map((i) => i.externalId)).toEqual(['/out/CONTRACTS_20261002.csv']);
    expect(stored[0].bytes.equals(sample('CONTRACTS_20261002.csv'))).toBe(true);
    expect(opened).not.toContain('/out/PAYMENTS_202610.csv');

    // Once the insurer writes the marker, the file is taken in on the next run.
    fs.writeFileSync(path.join(rootDir, 'out', 'PAYMENTS_202610.csv.done'), '');
    expect((await t.listNew()).map((i) => i.name)).toEqual(['PAYMENTS_202610.csv']);
  });

  it('fetches each file once across a restart and never deletes the insurer files', async () => {
    const published = await sandbox.publishSamples();
    const registryFile = path.join(dataDir, 'exchange', 'DNIPRO_LIFE', 'sftp-fetched.jsonl');
    const before = fs.readdirSync(path.join(rootDir, 'out')).sort();

    const first = transport({ registry: new FileFetchedRegistry(registryFile) });
    const firstRun = await pullNew(first, async () => undefined);
    expect(firstRun.stored.map((i) => i.name).sort()).toEqual([...published].sort());
    await first.close();

    // A new process: new transport, same registry file.
    const second = transport({ registry: new FileFetchedRegistry(registryFile) });
    expect(await second.listNew()).toEqual([]);
    await sandbox.publishPayments('2026-11', [
      {
        policyNumber: 'DL-2026-000101',
        paidOn: '2026-11-02',
        amountKopiyky: 120000,
        coverFrom: '2026-11-02',
        coverTo: '2026-12-01',
        policyYear: 1,
      },
    ]);
    const secondRun = await pullNew(second, async () => undefined);
    expect(secondRun.stored.map((i) => i.name)).toEqual(['PAYMENTS_202611.csv']);
    expect(decodeCsv(secondRun.stored[0].bytes)[1]).toEqual([
      'DL-2026-000101',
      '02.11.2026',
      '1 200,00',
      '02.11.2026',
      '01.12.2026',
      '1',
    ]);

    expect(fs.readdirSync(path.join(rootDir, 'out')).sort()).toEqual(
      [...before, 'PAYMENTS_202611.csv', 'PAYMENTS_202611.csv.done'].sort(),
    );
    expect(sandbox.sftp.removeAttempts).toEqual([]);
  });

  it('leaves an item unacknowledged when storing it fails, and takes it in on the next run', async () => {
    await sandbox.publishFile('COMMISSION_202610.csv', sample('COMMISSION_202610.csv'));
    const registry = new FileFetchedRegistry(path.join(dataDir, 'fetched.jsonl'));
    const t = transport({ registry });
    const failedRun = await pullNew(t, async () => {
      throw new Error('database down');
    });
    expect(failedRun.failed.map((f) => f.item.name)).toEqual(['COMMISSION_202610.csv']);
    const retryRun = await pullNew(
      transport({ registry: new FileFetchedRegistry(registry.filePath) }),
      async () => undefined,
    );
    expect(retryRun.stored.map((i) => i.name)).toEqual(['COMMISSION_202610.csv']);
  });

  it('uploads a register as .part, renames it, writes the marker, and fetches the ACK and contracts', async () => {
    const t = transport();
    const name = 'REG_AG0042_20261005_001.csv';
    const written: string[] = [];
    sandbox.sftp.events.on('file-written', (p: string) => written.push(p));
    const receipt = await t.put({ name, bytes: sample(name) });
    expect(receipt.externalId).toBe(`/in/${name}`);
    expect(written).toEqual([`/in/${name}.part`, `/in/${name}`, `/in/${name}.done`]);
    expect(fs.readdirSync(path.join(rootDir, 'in')).sort()).toEqual([name, `${name}.done`]);
    expect(fs.readFileSync(path.join(rootDir, 'in', name)).equals(sample(name))).toBe(true);

    await sandbox.whenAnswered(name);
    const fetched = (await pullNew(t, async () => undefined)).stored;
    expect(fetched.map((i) => i.name).sort()).toEqual([`ACK_${name}`, 'CONTRACTS_20261005.csv']);

    const ack = decodeCsv(fetched.find((i) => i.name.startsWith('ACK_'))!.bytes);
    expect(ack).toEqual([
      ['Номер заяви', 'Статус', 'Причина', 'Номер договору'],
      ['Z-2026-00301', 'ПРИЙНЯТО', '', 'DL-2026-001001'],
      ['Z-2026-00302', 'ПРИЙНЯТО', '', 'DL-2026-001002'],
      ['Z-2026-00303', 'ПРИЙНЯТО', '', 'DL-2026-001003'],
      [
        'Z-2026-00304',
        'ВІДХИЛЕНО',
        'Страхова сума перевищує ліміт без медичного обстеження "Надійне майбутнє"',
        '',
      ],
      ['Z-2026-00305', 'ПРИЙНЯТО', '', 'DL-2026-001004'],
    ]);
    const contractsBytes = fetched.find((i) => i.name.startsWith('CONTRACTS_'))!.bytes;
    expect(contractsBytes.includes(Buffer.from('\r\n'))).toBe(true);
    const contracts = decodeCsv(contractsBytes);
    expect(contracts).toHaveLength(5);
    expect(contracts[1]).toEqual([
      'DL-2026-001001',
      'Z-2026-00301',
      '05.10.2026',
      '06.10.2026',
      '05.10.2036',
      'DL-SAV10',
      'Шевченко Тарас Григорович',
      '2845102317',
      '200 000,00',
      '14 400,00',
      '12',
      'K-00012',
      'ДІЄ',
      '06.10.2026',
    ]);

    const again = await expectTransportError(t.put({ name, bytes: sample(name) }));
    expect(again.reason).toBe('conflict');
    expect(again.message).toContain(`/in/${name}`);
  });

  it('rejects a whole register whose trailer does not match', async () => {
    const t = transport();
    const name = 'REG_AG0042_20261005_002.csv';
    const broken = Buffer.from(
      sample('REG_AG0042_20261005_001.csv')
        .toString('latin1')
        .replace(/;20 230,50/, ';20 230,51'),
      'latin1',
    );
    await t.put({ name, bytes: broken });
    await sandbox.whenAnswered(name);
    const items = await t.listNew();
    expect(items.map((i) => i.name)).toEqual([`ACK_${name}`]);
    const ack = decodeCsv((await t.fetch(items[0])).bytes).slice(1);
    expect(ack.map((r) => r[1])).toEqual(Array(5).fill('ВІДХИЛЕНО'));
    expect(ack[0][2]).toContain('Підсумковий рядок не збігається');
  });

  it('refuses remote names that could leave the folder or hide control characters', async () => {
    const t = transport();
    for (const name of ['../out/CONTRACTS_20261002.csv', 'sub/REG.csv', 'REG\u0000.csv', 'REG\n.csv', '..']) {
      const error = await expectTransportError(t.put({ name, bytes: Buffer.from('x') }));
      expect(error.reason).toBe('unsafe-name');
      expect(error.retryable).toBe(false);
    }
    const fetchError = await expectTransportError(
      t.fetch({ externalId: '/out/../in/x', name: '../in/x', versionKey: 'x' }),
    );
    expect(fetchError.reason).toBe('unsafe-name');
    expect(fs.readdirSync(path.join(rootDir, 'in'))).toEqual([]);
  });

  it('the sandbox server refuses paths that escape the account root', async () => {
    const client = new SftpClient();
    await client.connect({
      host: sandbox.host,
      port: sandbox.port,
      username: 'agency',
      privateKey: clientKey.private,
    });
    try {
      await expect(client.get('/../../etc/passwd')).rejects.toThrow(/leaves the account root/);
      await expect(client.list('/out/../../')).rejects.toThrow(/leaves the account root/);
      await expect(client.delete('/out/CONTRACTS_20261002.csv')).rejects.toThrow();
    } finally {
      await client.end();
    }
  });

  it('refuses an oversized file before downloading it, naming the file and the limit', async () => {
    await sandbox.publishFile('CONTRACTS_20261002.csv', sample('CONTRACTS_20261002.csv'));
    const t = transport({ maxBytes: 1000 });
    const { stored, failed } = await pullNew(t, async () => undefined);
    expect(stored).toEqual([]);
    const error = failed[0].error as TransportError;
    expect(error).toBeInstanceOf(TransportError);
    expect(error.reason).toBe('too-large');
    expect(error.message).toContain('/out/CONTRACTS_20261002.csv');
    expect(error.message).toContain('1965 bytes');
    expect(error.message).toContain('1000-byte limit');
    expect(opened).toEqual([]);
    // Still listed: a person can raise the limit and take it in.
    expect((await t.listNew()).map((i) => i.name)).toEqual(['CONTRACTS_20261002.csv']);
  });

  it('stops a file bigger than listed at the limit while it streams in, whatever the listing said', async () => {
    // 8 MiB on disk; the server lists and stats it as 1 200 bytes (a lying server, or a file still growing).
    const big = Buffer.alloc(8 * 1024 * 1024, 0x41);
    await sandbox.publishFile('CONTRACTS_20261002.csv', big);
    sandbox.sftp.reportSize('/out/CONTRACTS_20261002.csv', 1200);
    const limit = 256 * 1024;
    const t = transport({ maxBytes: limit });
    const [item] = await t.listNew();
    expect(item.size).toBe(1200);
    const heapBefore = process.memoryUsage().heapUsed;
    const error = await expectTransportError(t.fetch(item));
    expect(error.reason).toBe('too-large');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('/out/CONTRACTS_20261002.csv');
    expect(error.message).toContain(`${limit}-byte limit`);
    // Stopped at the limit: what the server sent is the limit plus what was already in flight.
    const served = sandbox.sftp.bytesServed.get('/out/CONTRACTS_20261002.csv') ?? 0;
    expect(served).toBeGreaterThan(limit);
    expect(served).toBeLessThan(limit + 1024 * 1024);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(4 * 1024 * 1024);
    // The connection is still good for the next file.
    await sandbox.publishFile('PAYMENTS_202610.csv', sample('PAYMENTS_202610.csv'));
    const next = (await t.listNew()).find((i) => i.name === 'PAYMENTS_202610.csv')!;
    expect((await t.fetch(next)).bytes.equals(sample('PAYMENTS_202610.csv'))).toBe(true);
  });

  it('takes in a 0-byte file once, as 0 bytes, instead of failing on every run', async () => {
    await sandbox.publishFile('PAYMENTS_202611.csv', Buffer.alloc(0));
    const t = transport();
    const first = await pullNew(t, async () => undefined);
    expect(first.failed.map((f) => String(f.error))).toEqual([]);
    expect(first.stored.map((i) => [i.name, i.size, Buffer.isBuffer(i.bytes), i.bytes.length])).toEqual([
      ['PAYMENTS_202611.csv', 0, true, 0],
    ]);
    // Acknowledged: the next run does not meet it again.
    expect(await pullNew(t, async () => undefined)).toEqual({ stored: [], failed: [] });
  });

  it('gives up on a hung download after the operation timeout and reconnects for the next call', async () => {
    await sandbox.publishFile('CONTRACTS_20261002.csv', sample('CONTRACTS_20261002.csv'));
    await sandbox.publishFile('PAYMENTS_202610.csv', sample('PAYMENTS_202610.csv'));
    sandbox.sftp.stallOpen('/out/CONTRACTS_20261002.csv');
    // Long enough for a list on a loaded machine (300 ms was not, once), short beside the stall.
    const t = transport({ operationTimeoutMs: 1500 });
    const started = Date.now();
    const { stored, failed } = await pullNew(t, async () => undefined);
    expect(Date.now() - started).toBeLessThan(8000);
    const error = failed[0].error as TransportError;
    expect(error.reason).toBe('timeout');
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `download /out/CONTRACTS_20261002.csv on sftp://agency@127.0.0.1:${sandbox.port}: no answer in 1500 ms`,
    );
    expect(stored.map((i) => i.name)).toEqual(['PAYMENTS_202610.csv']);

    sandbox.sftp.stallOpen(null);
    expect((await pullNew(t, async () => undefined)).stored.map((i) => i.name)).toEqual([
      'CONTRACTS_20261002.csv',
    ]);
  });

  it('is refused by the server with a key other than the registered one', async () => {
    const stranger = generateEd25519KeyPair();
    const error = await expectTransportError(transport({ privateKey: stranger.private }).listNew());
    expect(error.reason).toBe('connect');
    expect(error.message).toContain(`sftp://agency@127.0.0.1:${sandbox.port}`);
    expect(error.message).toMatch(/authentication/i);
  });

  it('refuses a server whose host key is not the pinned one', async () => {
    const error = await expectTransportError(transport({ hostKeySha256: 'SHA256:AAAA' }).listNew());
    expect(error.reason).toBe('connect');
  });
});
