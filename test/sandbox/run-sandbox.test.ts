import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryFetchedRegistry, RestTransport, SftpTransport } from '../../src/exchange/transports';
import { KARPATY_SPEC_CERTIFICATE, runSandbox, signatureProblem } from '.';

let workDir: string;
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-run-'));
});
afterEach(() => fs.rmSync(workDir, { recursive: true, force: true }));

describe('runSandbox (ecspert sandbox <insurer>)', () => {
  it('starts Dnipro Life with its samples, prints how to reach it, and keeps its host key across restarts', async () => {
    const lines: string[] = [];
    const first = await runSandbox('dnipro-life', { dataDir: workDir, print: (l) => lines.push(l) });
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0])?.[1]);
    const fingerprint = /SHA256:\S+/.exec(lines.join('\n'))![0];
    const keyFile = /client private key for the adapter: (.+)$/m.exec(lines.join('\n'))![1];
    expect(lines[0]).toBe(`Dnipro Life sandbox (DNIPRO_LIFE) listening on sftp://agency@127.0.0.1:${port}`);

    const t = new SftpTransport({
      host: '127.0.0.1',
      port,
      username: 'agency',
      privateKey: fs.readFileSync(keyFile),
      hostKeySha256: fingerprint,
      registry: new MemoryFetchedRegistry(),
    });
    expect((await t.listNew()).map((i) => i.name).sort()).toEqual([
      'ACK_REG_AG0042_20261005_001.csv',
      'ADDAGR_20261115.csv',
      'COMMISSION_202610.csv',
      'CONTRACTS_20261002.csv',
      'PAYMENTS_202610.csv',
    ]);
    await t.close();
    await first.close();
    await first.closed;

    const again: string[] = [];
    const second = await runSandbox('DNIPRO_LIFE', { dataDir: workDir, print: (l) => again.push(l) });
    expect(again.join('\n')).toContain(fingerprint);
    await second.close();
  });

  it('starts Karpaty with default sandbox credentials', async () => {
    const lines: string[] = [];
    const sandbox = await runSandbox('KARPATY', { dataDir: workDir, print: (l) => lines.push(l) });
    expect(lines[0]).toBe(`Karpaty sandbox (KARPATY) listening on ${sandbox.url}`);
    const t = new RestTransport({
      baseUrl: sandbox.url,
      clientId: 'sandbox-partner',
      clientSecret: 'sandbox-secret',
    });
    try {
      const payments = (
        await t.request({ method: 'GET', path: '/payments', query: { from: '2026-10-01', to: '2026-10-31' } })
      ).bytes.toString();
      expect(payments).toContain('KR-KS-26-004412');
      // Signed with a key made here at run time, whose certificate it prints; not the spec's.
      const certificate =
        /insurer certificate to register \(sandbox only, made on this machine\): (.+)$/m.exec(
          lines.join('\n'),
        )![1];
      expect(certificate.startsWith(path.join(workDir, 'sandbox', 'karpaty'))).toBe(true);
      expect(signatureProblem(payments, fs.readFileSync(certificate))).toBeNull();
      expect(signatureProblem(payments, fs.readFileSync(KARPATY_SPEC_CERTIFICATE))).not.toBeNull();
    } finally {
      await t.close();
      await sandbox.close();
    }
  });

  it('names the insurers it knows when asked for another', async () => {
    // Polissia has one now (by e-mail: test/exchange/sandbox/polissia-sandbox.test.ts); no adapter, no sandbox.
    await expect(runSandbox('NOWHERE', { dataDir: workDir })).rejects.toThrow(
      "no sandbox for insurer 'NOWHERE'",
    );
  });
});
