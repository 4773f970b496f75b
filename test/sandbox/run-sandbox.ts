/**
 * `ecspert sandbox <insurer>`: starts one sandbox insurer on loopback, prints what to put in the
 * adapter to talk to it, and stays up until closed. Keys and files live in `workDir`, so a restart
 * keeps the same SFTP host key, client key and files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureSandboxSigningKey } from '../../src/exchange/signature';
import { generateEd25519KeyPair } from './sftp-server';
import { startDniproLifeSandbox } from './dnipro-life';
import { startKarpatySandbox } from './karpaty';

export interface RunSandboxOptions {
  /** Where the sandbox keeps keys and files, e.g. `<dataDir>/sandbox`. */
  workDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** DNIPRO_LIFE: the intermediary's public key (OpenSSH); unset makes a key pair in workDir. */
  clientPublicKey?: string;
  /** DNIPRO_LIFE: put the spec's sample files into /out at start; default true. */
  publishSamples?: boolean;
  /** KARPATY: OAuth2 client credentials the sandbox accepts; default `sandbox-partner` / `sandbox-secret`. */
  clientId?: string;
  clientSecret?: string;
  /** KARPATY: the partner's certificate or public key (PEM); unset accepts unsigned batches. */
  partnerPublicKeyPem?: string;
  /** Where the "where it listens" lines go; default console.log. */
  print?: (line: string) => void;
}

export interface RunningSandbox {
  insurerCode: 'DNIPRO_LIFE' | 'KARPATY';
  /** `sftp://…` or `http://…/api/v2` */
  url: string;
  close(): Promise<void>;
  /** Resolves once `close()` has finished: the CLI awaits it. */
  closed: Promise<void>;
}

export const SANDBOX_INSURERS = ['DNIPRO_LIFE', 'KARPATY'] as const;

/**
 * The Karpaty sandbox's signing key, made on first use in `<workDir>/karpaty` (never in the
 * repository): `insurer-signing.key`, `.pub.pem` and, with openssl installed, a self-signed `.crt`.
 * An intermediary registers the certificate (or the public key) to try its adapter against it.
 */
export function ensureKarpatySandboxKey(workDir: string): {
  privateKeyPem: string;
  /** The certificate when openssl could make one, else the public key file. */
  certificatePath: string;
  certificatePem: string;
} {
  const keys = ensureSandboxSigningKey(
    path.join(workDir, 'karpaty'),
    'insurer-signing',
    '/C=UA/O=Karpaty sandbox insurer (not for production)/CN=karpaty-sandbox',
  );
  const certificatePath = keys.certificatePath ?? keys.publicKeyPath;
  return {
    privateKeyPem: fs.readFileSync(keys.privateKeyPath, 'utf8'),
    certificatePath,
    certificatePem: fs.readFileSync(certificatePath, 'utf8'),
  };
}

/** An ed25519 key pair kept in `file` and `file.pub`, made on first use so fingerprints stay stable. */
export function ensureKeyPair(file: string): { privateKey: string; publicKey: string } {
  if (!fs.existsSync(file)) {
    const pair = generateEd25519KeyPair();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, pair.private, { mode: 0o600 });
    fs.writeFileSync(`${file}.pub`, pair.public + '\n');
  }
  return {
    privateKey: fs.readFileSync(file, 'utf8'),
    publicKey: fs.readFileSync(`${file}.pub`, 'utf8').trim(),
  };
}

export async function runSandbox(insurerCode: string, options: RunSandboxOptions): Promise<RunningSandbox> {
  const code = insurerCode.toUpperCase().replace(/-/g, '_');
  const print = options.print ?? ((line: string) => console.log(line));
  let close: () => Promise<void>;
  let url: string;
  if (code === 'DNIPRO_LIFE') {
    const dir = path.join(options.workDir, 'dnipro-life');
    const rootDir = path.join(dir, 'sftp-root');
    fs.mkdirSync(rootDir, { recursive: true });
    const hostKey = ensureKeyPair(path.join(dir, 'host_ed25519')).privateKey;
    const clientKeyFile = path.join(dir, 'client_ed25519');
    const clientPublicKey = options.clientPublicKey ?? ensureKeyPair(clientKeyFile).publicKey;
    const sandbox = await startDniproLifeSandbox({ rootDir, clientPublicKey, hostKey, port: options.port });
    url = `sftp://${sandbox.username}@${sandbox.host}:${sandbox.port}`;
    print(`Dnipro Life sandbox (DNIPRO_LIFE) listening on ${url}`);
    print(`  host key fingerprint: ${sandbox.hostKeySha256}`);
    print(`  account root: ${rootDir} (in/ for registers, out/ for the insurer's files)`);
    if (!options.clientPublicKey) print(`  client private key for the adapter: ${clientKeyFile}`);
    if (options.publishSamples ?? true)
      print(`  samples in /out: ${(await sandbox.publishSamples()).join(', ')}`);
    close = sandbox.close;
  } else if (code === 'KARPATY') {
    const clientId = options.clientId ?? 'sandbox-partner';
    const clientSecret = options.clientSecret ?? 'sandbox-secret';
    const insurerKey = ensureKarpatySandboxKey(options.workDir);
    const sandbox = await startKarpatySandbox({
      clientId,
      clientSecret,
      partnerPublicKeyPem: options.partnerPublicKeyPem,
      insurerPrivateKeyPem: insurerKey.privateKeyPem,
      port: options.port,
    });
    url = sandbox.url;
    print(`Karpaty sandbox (KARPATY) listening on ${url}`);
    print(`  OAuth2 token: POST ${url}/oauth/token with client_id=${clientId} client_secret=${clientSecret}`);
    print(
      `  insurer certificate to register (sandbox only, made on this machine): ${insurerKey.certificatePath}`,
    );
    print(
      options.partnerPublicKeyPem
        ? '  application batches must be signed with the partner key given'
        : '  no partner key registered: application batches are accepted unsigned',
    );
    close = sandbox.close;
  } else {
    throw new Error(`no sandbox for insurer '${insurerCode}'; known: ${SANDBOX_INSURERS.join(', ')}`);
  }
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | null = null;
  return {
    insurerCode: code,
    url,
    closed,
    close: () => (closing ??= close().then(resolveClosed)),
  };
}
