/**
 * Running an exchange against the sandbox insurer (test/sandbox) instead of the real one: the
 * sandbox starts in-process with its keys in `<dataDir>/sandbox`, and the adapter's channels are
 * pointed at it. `ecspert exchange run --sandbox` and the demo (`npm start`) use it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { utils } from 'ssh2';
import { startDniproLifeSandbox, startKarpatySandbox } from '../../test/sandbox';
import type { ChannelOverrides } from './runs';
import { ensureSandboxSigningKey } from './signature';

export interface LinkedSandbox {
  insurerCode: string;
  url: string;
  overrides: ChannelOverrides;
  close(): Promise<void>;
}

function keyPair(file: string): { privateKey: string; publicKey: string } {
  if (!fs.existsSync(file)) {
    const pair = utils.generateKeyPairSync('ed25519');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, pair.private, { mode: 0o600 });
    fs.writeFileSync(`${file}.pub`, `${pair.public}\n`);
  }
  return {
    privateKey: fs.readFileSync(file, 'utf8'),
    publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
  };
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
    const client = keyPair(path.join(dir, 'client_ed25519'));
    const host = keyPair(path.join(dir, 'host_ed25519'));
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
