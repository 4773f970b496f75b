/** What a sandbox insurer is started with and what it gives back, for the generic one and for hooks. */
import type { LoadedAdapter } from '../adapter-config';
import type { ChannelOverrides } from '../runs';

export interface SandboxStartOptions {
  adapter: LoadedAdapter;
  /** Where this insurer's sandbox keeps its keys and files, e.g. `<dataDir>/sandbox/<adapter folder>`. */
  workDir: string;
  /** The secrets folder of sandbox runs (`<dataDir>/sandbox/secrets`), apart from the real one. */
  secretsDir: string;
  /** 0 or unset picks a free port. With SFTP and REST both, SFTP listens on `port` and REST on `port + 1`. */
  port?: number;
  /**
   * Put the adapter's fixtures where the insurer would (SFTP: its folder; REST: they are always served).
   * The generic sandbox does so unless this is false; a hook decides for itself.
   */
  publishFixtures?: boolean;
}

export interface StartedSandbox {
  /** `sftp://user@host:port`, `http://host:port/base`, `smtp://host:port imap://host:port`, joined by a space. */
  url: string;
  /** What the exchange uses instead of the adapter's channel settings to talk to it. */
  overrides: ChannelOverrides;
  /** How a person reaches it: address, key fingerprints, folders, credentials. */
  lines: string[];
  /**
   * Resolves once everything the sandbox received so far has been answered (an e-mail insurer answers
   * after it accepted the mail); sandboxes that answer at once may leave it out.
   */
  idle?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * An insurer's own sandbox, for behaviour configuration cannot say (signing, underwriting answers):
 * `adapters/<insurer>/sandbox/index.ts` (or `sandbox.ts`) exporting `sandbox: SandboxHook`.
 */
export interface SandboxHook {
  start(options: SandboxStartOptions): Promise<StartedSandbox>;
}
