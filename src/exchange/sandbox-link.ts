/**
 * Running an exchange against the sandbox insurer (test/sandbox) instead of the real one: the
 * sandbox starts in-process with its keys in `<dataDir>/sandbox`, and the adapter's channels are
 * pointed at it. `ecspert exchange run --sandbox` and the demo (`npm start`) use it.
 *
 * Trust stays apart: a sandbox run takes its keys and certificates from its own secrets folder
 * (`sandboxSecretsDir`), where the sandbox insurer's run-time certificate is registered under the
 * name the adapter refers to. The real secrets folder never holds a sandbox certificate, so the
 * production adapter never trusts what a sandbox signs.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ensureKarpatySandboxKey,
  ensureKeyPair,
  startDniproLifeSandbox,
  startKarpatySandbox,
} from '../../test/sandbox';
import { loadAdapter } from './adapter-config';
import type { ChannelOverrides } from './runs';
import { ensureSandboxSigningKey } from './signature';

export interface LinkedSandbox {
  insurerCode: string;
  url: string;
  overrides: ChannelOverrides;
  /** The secrets folder an exchange with this sandbox runs with (`sandboxSecretsDir`). */
  secretsDir: string;
  close(): Promise<void>;
}

/** `<dataDir>/sandbox/secrets`: the keys and certificates of sandbox runs, apart from the real ones. */
export function sandboxSecretsDir(dataDir: string): string {
  return path.join(dataDir, 'sandbox', 'secrets');
}

export const SANDBOXED_INSURERS = ['DNIPRO_LIFE', 'KARPATY'];

/**
 * Starts the sandbox of an insurer. `_secretsDir` (the real secrets folder) is not used: sandbox
 * keys live in `sandboxSecretsDir(dataDir)`.
 */
export async function startLinkedSandbox(
  insurerCode: string,
  dataDir: string,
  _secretsDir?: string,
): Promise<LinkedSandbox> {
  const workDir = path.join(dataDir, 'sandbox');
  const secretsDir = sandboxSecretsDir(dataDir);
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  if (insurerCode === 'DNIPRO_LIFE') {
    const dir = path.join(workDir, 'dnipro-life');
    const rootDir = path.join(dir, 'sftp-root');
    fs.mkdirSync(rootDir, { recursive: true });
    const client = ensureKeyPair(path.join(dir, 'client_ed25519'));
    const host = ensureKeyPair(path.join(dir, 'host_ed25519'));
    const sandbox = await startDniproLifeSandbox({
      rootDir,
      clientPublicKey: client.publicKey,
      hostKey: host.privateKey,
    });
    return {
      insurerCode,
      url: `sftp://${sandbox.username}@${sandbox.host}:${sandbox.port}`,
      overrides: {
        sftp: {
          host: sandbox.host,
          port: sandbox.port,
          username: sandbox.username,
          privateKey: client.privateKey,
          hostKeySha256: sandbox.hostKeySha256,
        },
      },
      secretsDir,
      close: () => sandbox.close(),
    };
  }
  if (insurerCode === 'KARPATY') {
    const keys = ensureSandboxSigningKey(secretsDir);
    const insurerKey = ensureKarpatySandboxKey(workDir);
    registerSandboxCertificate(insurerCode, secretsDir, insurerKey.certificatePem);
    const sandbox = await startKarpatySandbox({
      clientId: 'sandbox-partner',
      clientSecret: 'sandbox-secret',
      partnerPublicKeyPem: fs.readFileSync(keys.publicKeyPath),
      insurerPrivateKeyPem: insurerKey.privateKeyPem,
    });
    return {
      insurerCode,
      url: sandbox.url,
      secretsDir,
      overrides: {
        rest: { baseUrl: sandbox.url, clientId: 'sandbox-partner', clientSecret: 'sandbox-secret' },
      },
      close: () => sandbox.close(),
    };
  }
  throw new RangeError(`no sandbox for insurer ${insurerCode}; there are: ${SANDBOXED_INSURERS.join(', ')}`);
}

/**
 * Puts the sandbox insurer's certificate into the sandbox secrets folder under the name the adapter's
 * `signature.verifyWith: secret:<name>` refers to, so a sandbox run verifies against it and only it.
 */
function registerSandboxCertificate(insurerCode: string, secretsDir: string, certificatePem: string): void {
  const ref = loadAdapter(insurerCode).signature?.verifyWith;
  if (!ref?.startsWith('secret:')) {
    throw new Error(
      `the ${insurerCode} adapter must refer to the insurer's certificate as secret:<name> for a sandbox run (signature.verifyWith is '${ref ?? ''}')`,
    );
  }
  fs.writeFileSync(path.join(secretsDir, path.basename(ref.slice('secret:'.length))), certificatePem);
}
