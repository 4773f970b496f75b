/**
 * Opening an adapter's channels from its configuration: credentials resolved from the secrets
 * folder or the environment, never from the repository. Overrides point a channel elsewhere (the
 * sandbox insurer) without touching the adapter.
 */
import type { Database } from '../../db';
import { type LoadedAdapter, resolveSecret } from '../adapter-config';
import type { SftpChannel } from '../adapter-config';
import { type RestAuth, RestTransport, type SftpCompletion, SftpTransport } from '../transports';
import type { ExchangeDeps } from '../pipeline';
import { DatabaseFetchedRegistry } from './state';
import type { EmailOverrides } from './email-channel';

export interface ChannelOverrides {
  sftp?: { host?: string; port?: number; privateKey?: string; hostKeySha256?: string; username?: string };
  rest?: { baseUrl?: string; clientId?: string; clientSecret?: string; apiKey?: string };
  /** The e-mail channel's servers and logins (the sandbox insurer's). */
  email?: EmailOverrides;
}

export function openSftp(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  insurerId: number,
  overrides: ChannelOverrides = {},
): SftpTransport | null {
  const config = adapter.channels.sftp;
  if (!config) return null;
  const secrets = { secretsDir: deps.secretsDir, env: deps.env };
  const o = overrides.sftp ?? {};
  return new SftpTransport({
    host: o.host ?? config.host,
    port: o.port ?? config.port ?? 22,
    username: o.username ?? config.username,
    privateKey: o.privateKey ?? resolveSecret(config.privateKey, secrets),
    passphrase: config.passphrase ? resolveSecret(config.passphrase, secrets).trim() : undefined,
    hostKeySha256: o.hostKeySha256 ?? config.hostKeySha256,
    pickupDir: config.paths.out,
    dropDir: config.paths.in,
    completion: sftpCompletion(config),
    maxBytes: Math.max(...Object.values(adapter.messages).map((m) => m.maxSizeBytes ?? 50 * 1024 * 1024)),
    registry: new DatabaseFetchedRegistry(deps.database as Database, insurerId, 'sftp'),
    logger: deps.logger,
  });
}

/** The adapter's completion convention as the transport takes it; a `.done` marker by default. */
export function sftpCompletion(config: SftpChannel): SftpCompletion {
  const c = config.completion;
  if (c && 'rename' in c) return { kind: 'rename', ...c.rename };
  if (c && 'stable' in c) return { kind: 'stable', intervalMs: Math.round(c.stable.seconds * 1000) };
  return { kind: 'marker', suffix: c?.marker.suffix ?? config.doneMarkerSuffix ?? '.done' };
}

export function openRest(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  overrides: ChannelOverrides = {},
): RestTransport | null {
  const config = adapter.channels.rest;
  if (!config) return null;
  const secrets = { secretsDir: deps.secretsDir, env: deps.env };
  const o = overrides.rest ?? {};
  const baseUrl = (o.baseUrl ?? config.baseUrl).replace(/\/+$/, '');
  const clientId = o.clientId ?? (config.clientId ? resolveSecret(config.clientId, secrets).trim() : '');
  const clientSecret =
    o.clientSecret ?? (config.clientSecret ? resolveSecret(config.clientSecret, secrets).trim() : '');
  const apiKey = config.auth?.apiKey;
  const auth: RestAuth = apiKey
    ? {
        kind: 'api-key',
        in: apiKey.in,
        name: apiKey.name,
        key: o.apiKey ?? resolveSecret(apiKey.key, secrets).trim(),
      }
    : clientId
      ? {
          kind: 'oauth-client-credentials',
          tokenUrl: `${baseUrl}${config.tokenPath ?? '/oauth/token'}`,
          clientId,
          clientSecret,
        }
      : { kind: 'none' };
  return new RestTransport({
    baseUrl,
    auth,
    requestTimeoutMs: config.timeoutMs,
    retry: config.retries
      ? {
          attempts: config.retries.max ?? 4,
          baseDelayMs: config.retries.backoffMs ?? 250,
          maxDelayMs: 30_000,
        }
      : undefined,
    logger: deps.logger,
  });
}
