/**
 * `ecspert mapping try` as an onboarding engineer runs it on the shipped Karpaty samples: the spec
 * ships payments-2026-10.xml unsigned (a received one is quarantined, as the pipeline does) and
 * application-batch.xml unsigned because the hub signs it when it sends it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';

const root = path.resolve(__dirname, '../../..');
const bin = path.join(root, 'bin/ecspert.js');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mapping-try-'));
const secretsDir = path.join(dataDir, 'secrets');
fs.mkdirSync(secretsDir);
// The spec's sandbox certificate, registered as Karpaty's for this test only.
fs.copyFileSync(KARPATY_SPEC_CERTIFICATE, path.join(secretsDir, 'karpaty-insurer.crt'));

function mappingTry(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, 'mapping', 'try', ...args], {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.tmpdir(),
      ECSPERT_DATA_DIR: dataDir,
      ECSPERT_SECRETS_DIR: secretsDir,
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const sample = (name: string) => path.join(root, 'adapters/karpaty/__fixtures__', name);

describe('ecspert mapping try on the Karpaty samples', () => {
  it('shows the two payments of the unsigned payments sample and says it would be quarantined for that', () => {
    const run = mappingTry('KARPATY', 'payments', sample('payments-2026-10.xml'));
    expect(run.stdout).toMatch(/^signature: the document is not signed$/m);
    expect(run.stdout).toMatch(/"policyNumber":"KR-KS-26-004411".*"amountKop":1820000/);
    expect(run.stdout).toMatch(/"policyNumber":"KR-KS-26-004412"/);
    expect(run.stdout).toMatch(
      /2 row\(s\): 2 valid, 0 error\(s\), 0 finding\(s\); would be quarantined \(signature,/,
    );
    expect(run.status).toBe(1);
  }, 150_000);

  it('maps the outgoing application batch without asking for a signature the hub adds when sending', () => {
    const run = mappingTry('KARPATY', 'register', sample('application-batch.xml'));
    expect(run.stdout).toMatch(
      /^signature: not checked: the hub signs outgoing documents when it sends them$/m,
    );
    expect(run.stdout).toMatch(/2 row\(s\): 2 valid, 0 error\(s\)/);
    expect(run.stdout).not.toMatch(/not signed/);
    expect(run.status).toBe(0);
  }, 150_000);

  it('says a policies page is not a payments document, after its signature holds', () => {
    const run = mappingTry('KARPATY', 'payments', sample('policies-page-1.xml'));
    expect(run.stdout).toMatch(/^signature: valid \(secret:karpaty-insurer\.crt\)$/m);
    expect(run.stdout).toMatch(
      /error: policies-page-1\.xml: the file does not look like a 'payments' document: its document element is <PolicyPage>/,
    );
    expect(run.status).toBe(1);
  }, 150_000);
});
