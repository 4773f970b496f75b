/**
 * `ecspert adapter check` as a user runs it (`node bin/ecspert.js …` in a child process): per
 * message type "ready" or why not, and "ready" overall only when nothing stands in the way.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureSandboxSigningKey } from '../../src/exchange/signature';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

describe('ecspert adapter check', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-adapter-check-'));
  const secretsDir = path.join(dataDir, 'secrets');
  const ecspert = (env: Record<string, string>, ...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: os.tmpdir(),
        ECSPERT_DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        ...env,
      },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, lines: result.stdout.trim().split('\n'), stderr: result.stderr.trim() };
  };

  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('names what each Karpaty message type lacks, then says ready once the keys are in place', () => {
    const missing = ecspert({}, 'adapter', 'check', 'karpaty');
    expect(missing.status).toBe(1);
    expect(missing.lines).toContain(
      'contracts (received): not ready — see /channels/rest/clientId; see /channels/rest/clientSecret; see /signature/verifyWith; see /signature/signWith; see /signature/signCertificate',
    );
    expect(missing.lines[missing.lines.length - 1]).toBe('karpaty: 5 error(s)');

    const keys = ensureSandboxSigningKey(secretsDir);
    const publicPem = fs.readFileSync(keys.publicKeyPath, 'utf8');
    if (!fs.existsSync(path.join(secretsDir, 'intermediary-signing.crt')))
      fs.writeFileSync(path.join(secretsDir, 'intermediary-signing.crt'), publicPem);
    fs.writeFileSync(path.join(secretsDir, 'karpaty-insurer.crt'), publicPem);
    fs.writeFileSync(path.join(secretsDir, 'karpaty-client-secret'), 's3cret\n', { mode: 0o600 });
    const ready = ecspert({ KARPATY_CLIENT_ID: 'ag-0042' }, 'adapter', 'check', 'karpaty');
    expect(ready).toMatchObject({ status: 0, stderr: '' });
    expect(ready.lines).toEqual([
      'register (sent): ready',
      'register-answer (received): ready',
      'contracts (received): ready',
      'payments (received): ready',
      'commission (received): ready',
      'karpaty: ready (0 warning(s))',
    ]);
  });
});
