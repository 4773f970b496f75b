/**
 * Running an exchange against a sandbox insurer (src/exchange/sandbox) instead of the real one: the
 * sandbox starts in-process with its keys in `<dataDir>/sandbox`, and the adapter's channels are
 * pointed at it. `ecspert exchange run --sandbox` and the demo (`npm start`) use it; any insurer with
 * an adapter has one (from its configuration and fixtures, or its adapter folder's sandbox hook).
 *
 * Trust stays apart: a sandbox run takes its keys and certificates from its own secrets folder
 * (`sandboxSecretsDir`), where a sandbox insurer's run-time certificate is registered under the
 * name the adapter refers to. The real secrets folder never holds a sandbox certificate, so the
 * production adapter never trusts what a sandbox signs.
 */
import type { ChannelOverrides } from './runs';
import { sandboxSecretsDir, startInsurerSandbox } from './sandbox';

export { sandboxSecretsDir } from './sandbox';

export interface LinkedSandbox {
  insurerCode: string;
  url: string;
  overrides: ChannelOverrides;
  /** The secrets folder an exchange with this sandbox runs with (`sandboxSecretsDir`). */
  secretsDir: string;
  /** Resolves once the sandbox has answered everything it received (e-mail answers come after). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The insurers the demo (`npm start`) exchanges with through their sandboxes: over SFTP, REST, and
 * e-mail (Polissia's needs Dovecot; without it that one sandbox does not start, and says why).
 */
export const SANDBOXED_INSURERS = ['DNIPRO_LIFE', 'KARPATY', 'POLISSIA'];

/**
 * Starts the sandbox of an insurer for an exchange run. `_secretsDir` (the real secrets folder) is
 * not used: sandbox keys live in `sandboxSecretsDir(dataDir)`. `port` 0 or unset picks a free one.
 */
export async function startLinkedSandbox(
  insurerCode: string,
  dataDir: string,
  _secretsDir?: string,
  options: { port?: number } = {},
): Promise<LinkedSandbox> {
  const sandbox = await startInsurerSandbox(insurerCode, { dataDir, port: options.port });
  return {
    insurerCode: sandbox.insurerCode,
    url: sandbox.url,
    overrides: sandbox.overrides,
    secretsDir: sandboxSecretsDir(dataDir),
    idle: async () => {
      await sandbox.idle?.();
    },
    close: () => sandbox.close(),
  };
}
