/**
 * Sandbox insurers: real servers on this machine that stand in for an insurer (SFTP, REST, or SMTP
 * with the intermediary's mailbox in a private Dovecot for an e-mail insurer), for rehearsing an
 * onboarding (`ecspert sandbox <insurer>`, `ecspert exchange run <insurer> --sandbox`), the demo and
 * tests. Any adapter gets one from its configuration and fixture files (./configured.ts); an insurer
 * whose sandbox needs behaviour configuration cannot say (signing, underwriting answers) has it in
 * its adapter folder (`adapters/<insurer>/sandbox/index.ts` exporting `sandbox: SandboxHook`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { type LoadedAdapter, loadAdapter } from '../adapter-config';
import { hookFiles } from '../runs/hooks';
import { startConfiguredSandbox } from './configured';
import type { SandboxHook, StartedSandbox } from './types';

export type { SandboxHook, SandboxStartOptions, StartedSandbox } from './types';
export {
  startConfiguredSandbox,
  readSandboxConfig,
  SANDBOX_API_KEY,
  SANDBOX_CLIENT,
  type SandboxFixtureConfig,
} from './configured';
export { ensureKeyPair } from './keys';
export {
  startMailSandbox,
  startSandboxMailServer,
  deliverFixturesOnce,
  defaultMailFixtures,
  freshenMail,
  freshMessageId,
  readDelivered,
  SANDBOX_MAIL_PASSWORD,
  type MailSandboxBehaviour,
  type SandboxMailServer,
  type SandboxMailServerOptions,
  type SandboxReceivedMail,
} from './mail';
export {
  startDovecot,
  dovecotInstalled,
  requireDovecot,
  DOVECOT_FIX,
  type MailUser,
  type PrivateDovecot,
} from './dovecot';
export { hookSourceFolder } from '../runs/hooks';
export {
  startSandboxSftpServer,
  confinedPath,
  generateEd25519KeyPair,
  type SandboxSftpServer,
  type SandboxSftpServerOptions,
} from './sftp-server';

/** `<dataDir>/sandbox/secrets`: the keys and certificates of sandbox runs, apart from the real ones. */
export function sandboxSecretsDir(dataDir: string): string {
  return path.join(dataDir, 'sandbox', 'secrets');
}

/**
 * The adapter folder's own sandbox (`sandbox/index.ts` or `sandbox.ts`), when it has one; found as
 * the exchange hooks are, so that a built install loads its compiled copy (hookFiles).
 */
export function loadSandboxHook(adapter: LoadedAdapter): SandboxHook | null {
  for (const full of hookFiles(adapter.folder, ['sandbox/index', 'sandbox'])) {
    if (fs.existsSync(full)) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(full) as { sandbox?: SandboxHook };
      if (!mod.sandbox?.start) throw new Error(`${full} exports no 'sandbox' with a start()`);
      return mod.sandbox;
    }
  }
  return null;
}

export interface InsurerSandboxOptions {
  /** `ECSPERT_DATA_DIR`: keys and files live in `<dataDir>/sandbox/<adapter folder>`. */
  dataDir: string;
  port?: number;
  publishFixtures?: boolean;
  /** Where adapters are; default the project's adapters/. */
  adaptersDir?: string;
}

export interface InsurerSandbox extends StartedSandbox {
  insurerCode: string;
  /** The secrets folder an exchange with this sandbox runs with (`sandboxSecretsDir`). */
  secretsDir: string;
}

/** Starts the sandbox of any insurer with an adapter: its hook's, or the one its configuration makes. */
export async function startInsurerSandbox(
  insurer: string,
  options: InsurerSandboxOptions,
): Promise<InsurerSandbox> {
  let adapter: LoadedAdapter;
  try {
    adapter = loadAdapter(insurer, { adaptersDir: options.adaptersDir });
  } catch (e) {
    throw new Error(`no sandbox for insurer '${insurer}': ${(e as Error).message}`);
  }
  const secretsDir = sandboxSecretsDir(options.dataDir);
  fs.mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
  const workDir = path.join(options.dataDir, 'sandbox', path.basename(adapter.folder));
  fs.mkdirSync(workDir, { recursive: true });
  const start = {
    adapter,
    workDir,
    secretsDir,
    port: options.port,
    publishFixtures: options.publishFixtures,
  };
  const hook = loadSandboxHook(adapter);
  const started = hook ? await hook.start(start) : await startConfiguredSandbox(start);
  return { ...started, insurerCode: adapter.insurer.code, secretsDir };
}

export interface RunningSandbox extends InsurerSandbox {
  /** Resolves once `close()` has finished: the CLI awaits it. */
  closed: Promise<void>;
}

/**
 * `ecspert sandbox <insurer> [--port N]`: starts one sandbox insurer on loopback with its fixtures
 * published, prints how to reach it, and stays up until closed. Keys and files live in
 * `<dataDir>/sandbox`, so a restart keeps the same host key, client key and files.
 */
export async function runSandbox(
  insurer: string,
  options: InsurerSandboxOptions & { print?: (line: string) => void },
): Promise<RunningSandbox> {
  const print = options.print ?? ((line: string) => console.log(line));
  const sandbox = await startInsurerSandbox(insurer, { publishFixtures: true, ...options });
  for (const line of sandbox.lines) print(line);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | null = null;
  return { ...sandbox, closed, close: () => (closing ??= sandbox.close().then(resolveClosed)) };
}
