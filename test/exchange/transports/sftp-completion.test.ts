/**
 * Issue 11 item 2: the SFTP completion conventions insurers use, against the real SFTP server of
 * the sandbox: a marker file, a rename from a temporary name (`name.part` → `name`), and a size
 * and time that stay the same over two listings.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  MemoryFetchedRegistry,
  pullNew,
  SftpTransport,
  TransportError,
  type SftpCompletion,
} from '../../../src/exchange/transports';
import { generateEd25519KeyPair, startSandboxSftpServer, type SandboxSftpServer } from '../../sandbox';

const clientKey = generateEd25519KeyPair();
let rootDir: string;
let server: SandboxSftpServer;
let opened: string[];
const open: SftpTransport[] = [];

function transport(completion: SftpCompletion): SftpTransport {
  const t = new SftpTransport({
    host: server.host,
    port: server.port,
    username: server.username,
    privateKey: clientKey.private,
    hostKeySha256: server.hostKeySha256,
    registry: new MemoryFetchedRegistry(),
    connectTimeoutMs: 5000,
    operationTimeoutMs: 5000,
    completion,
  });
  open.push(t);
  return t;
}

const out = (name: string) => path.join(rootDir, 'out', name);
const names = async (t: SftpTransport) => (await t.listNew()).map((i) => i.name);

beforeEach(async () => {
  rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sftp-completion-'));
  fs.mkdirSync(path.join(rootDir, 'in'));
  fs.mkdirSync(path.join(rootDir, 'out'));
  server = await startSandboxSftpServer({ rootDir, clientPublicKey: clientKey.public });
  opened = [];
  server.events.on('file-opened', (p: string) => opened.push(p));
});

afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
  await server.close();
  fs.rmSync(rootDir, { recursive: true, force: true });
});

describe('SFTP completion by rename from a temporary name', () => {
  it('never takes a half-written .part file, and takes it byte for byte once renamed', async () => {
    const t = transport({ kind: 'rename', suffix: '.part' });
    const full = Buffer.from('policy;premium\nKR-1;100,00\nKR-2;200,00\n');
    fs.writeFileSync(out('POLICIES_20261005.csv.part'), full.subarray(0, 20));

    const first = await pullNew(t, async () => undefined);
    expect(first.stored).toEqual([]);
    expect(opened).toEqual([]);

    fs.appendFileSync(out('POLICIES_20261005.csv.part'), full.subarray(20));
    fs.renameSync(out('POLICIES_20261005.csv.part'), out('POLICIES_20261005.csv'));
    const second = await pullNew(t, async () => undefined);
    expect(second.stored.map((i) => i.name)).toEqual(['POLICIES_20261005.csv']);
    expect(second.stored[0].bytes.equals(full)).toBe(true);
    expect(opened).toEqual(['/out/POLICIES_20261005.csv']);
    // No marker is needed, and none is taken for a file.
    expect(await names(t)).toEqual([]);
  });

  it('knows a temporary prefix as well (tmp_name → name)', async () => {
    const t = transport({ kind: 'rename', prefix: 'tmp_' });
    fs.writeFileSync(out('tmp_PAYMENTS_202610.csv'), 'half');
    fs.writeFileSync(out('COMMISSION_202610.csv'), 'whole');
    expect(await names(t)).toEqual(['COMMISSION_202610.csv']);
  });

  it('uploads as name.part and renames it into place, without a marker; a second delivery is refused', async () => {
    const t = transport({ kind: 'rename', suffix: '.part' });
    const written: string[] = [];
    server.events.on('file-written', (p: string) => written.push(p));
    const receipt = await t.put({ name: 'REG_AG0042_20261005_001.csv', bytes: Buffer.from('register') });
    expect(receipt.externalId).toBe('/in/REG_AG0042_20261005_001.csv');
    expect(written).toEqual(['/in/REG_AG0042_20261005_001.csv.part', '/in/REG_AG0042_20261005_001.csv']);
    expect(fs.readdirSync(path.join(rootDir, 'in'))).toEqual(['REG_AG0042_20261005_001.csv']);

    const again = await t
      .put({ name: 'REG_AG0042_20261005_001.csv', bytes: Buffer.from('x') })
      .catch((e) => e);
    expect(again).toBeInstanceOf(TransportError);
    expect((again as TransportError).reason).toBe('conflict');
    expect(fs.readFileSync(path.join(rootDir, 'in', 'REG_AG0042_20261005_001.csv'), 'utf8')).toBe('register');
  });
});

describe('SFTP completion by a stable size over two listings', () => {
  it('does not take a growing file until its size stays the same between two listings', async () => {
    const t = transport({ kind: 'stable', intervalMs: 1000 });
    fs.writeFileSync(out('CONTRACTS_20261005.csv'), 'first half;');
    // The insurer is still writing: the file grows every 200 ms for as long as the first pull lasts,
    // so it is longer at the second listing than at the first however slow the machine is.
    const grow = setInterval(() => fs.appendFileSync(out('CONTRACTS_20261005.csv'), 'more rows;'), 200);
    const whileGrowing = await pullNew(t, async () => undefined).finally(() => clearInterval(grow));
    expect(whileGrowing.stored).toEqual([]);
    expect(opened).toEqual([]);

    const written = fs.readFileSync(out('CONTRACTS_20261005.csv'), 'utf8');
    expect(written).toMatch(/^first half;(more rows;)+$/);
    const settled = await pullNew(t, async () => undefined);
    expect(settled.stored.map((i) => i.name)).toEqual(['CONTRACTS_20261005.csv']);
    expect(settled.stored[0].bytes.toString()).toBe(written);
  });

  it('lists nothing and does not wait when there is nothing new', async () => {
    const t = transport({ kind: 'stable', intervalMs: 5000 });
    const started = Date.now();
    expect(await names(t)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('SFTP completion by marker', () => {
  it('takes a file only once its marker exists, by the configured suffix', async () => {
    const t = transport({ kind: 'marker', suffix: '.ok' });
    fs.writeFileSync(out('PAYMENTS_202610.csv'), 'rows');
    fs.writeFileSync(out('PAYMENTS_202610.csv.done'), '');
    expect(await names(t)).toEqual([]);
    fs.writeFileSync(out('PAYMENTS_202610.csv.ok'), '');
    expect(await names(t)).toEqual(['PAYMENTS_202610.csv']);
  });
});
