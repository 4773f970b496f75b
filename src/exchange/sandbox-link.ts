/**
 * Running an exchange against the sandbox insurer (test/sandbox) instead of the real one: the
 * sandbox starts in-process with its keys in `<dataDir>/sandbox`, and the adapter's channels are
 * pointed at it. `ecspert exchange run --sandbox` and the demo (`npm start`) use it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureKeyPair, startDniproLifeSandbox, startKarpatySandbox } from '../../test/sandbox';
import type { ChannelOverrides } from './runs';
import { ensureSandboxSigningKey } from './signature';

export interface LinkedSandbox {
  insurerCode: string;
  url: string;
  overrides: ChannelOverrides;
  close(): Promise<void>;
}

export const SANDBOXED_INSURERS = ['DNIPRO_LIFE', 'KARPATY'];

export async function startLinkedSandbox(
  insurerCode: string,
  dataDir: string,
  secretsDir: string,
): Promise<LinkedSandbox> {
  const workDir = path.join(dataDir, 'sandbox');
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
      close: () => sandbox.close(),
    };
  }
  if (insurerCode === 'KARPATY') {
    const keys = ensureSandboxSigningKey(secretsDir);
    const sandbox = await startKarpatySandbox({
      clientId: 'sandbox-partner',
      clientSecret: 'sandbox-secret',
      partnerPublicKeyPem: fs.readFileSync(keys.publicKeyPath),
    });
    return {
      insurerCode,
      url: sandbox.url,
      overrides: {
        rest: { baseUrl: sandbox.url, clientId: 'sandbox-partner', clientSecret: 'sandbox-secret' },
      },
      close: () => sandbox.close(),
    };
  }
  throw new RangeError(`no sandbox for insurer ${insurerCode}; there are: ${SANDBOXED_INSURERS.join(', ')}`);
}
