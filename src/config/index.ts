/**
 * Configuration from the environment. Every setting is read and checked here, once, so that a bad
 * value stops the program with one line naming the setting instead of a stack trace later.
 */
import net from 'node:net';
import path from 'node:path';

export class ConfigError extends Error {
  constructor(
    /** The environment variable at fault, e.g. `DATABASE_URL`. */
    readonly setting: string,
    message: string,
  ) {
    super(`${setting}: ${message}`);
    this.name = 'ConfigError';
  }
}

export type DatabaseTarget =
  | { engine: 'pglite'; dataDir: string | null /* null: in memory */ }
  | { engine: 'postgres'; url: string }
  | { engine: 'oracle'; url: string; user: string; password: string; connectString: string };

export interface AppConfig {
  /** Where the database lives; from `DATABASE_URL`, embedded PGlite when unset. */
  database: DatabaseTarget;
  /** `REDIS_URL`, e.g. `redis://127.0.0.1:6379`; unset means jobs run in-process. */
  redisUrl: string | null;
  /** `ORACLE_URL`, e.g. `oracle://hub:secret@db.example:1521/FREEPDB1`; only the Oracle live suite reads it. */
  oracleUrl: string | null;
  /** `HOST`, default `127.0.0.1`. */
  host: string;
  /** `PORT`, default `3000`. */
  port: number;
  /**
   * `ECSPERT_TRUST_PROXY`: which reverse proxies' `X-Forwarded-For` / `X-Forwarded-Proto` the API
   * believes, as fastify's `trustProxy` takes it. Unset: none (the client is the socket's peer);
   * addresses or CIDR ranges (or `loopback`, `linklocal`, `uniquelocal`), comma-separated; a number
   * of hops; or `true` for any (only when nothing but the proxy can reach the port).
   */
  trustProxy: boolean | number | string[];
  /** `ECSPERT_DATA_DIR`, default `./data`: the embedded database, the message store's spool, outputs. */
  dataDir: string;
  /** `ECSPERT_SECRETS_DIR`, default `<data>/secrets`: keys and credentials referred to by adapters. */
  secretsDir: string;
  /** `LOG_LEVEL`: fatal, error, warn, info, debug, trace or silent; default `info`. */
  logLevel: string;
  /** The sweep that finds lost work again from the database (src/jobs/recovery.ts). */
  recovery: {
    /** `ECSPERT_SWEEP_SECONDS`, default 60: how often it looks. */
    intervalMs: number;
    /**
     * `ECSPERT_SWEEP_GRACE_SECONDS`, default 300: how long a received message or a due schedule is
     * left to its own job before the sweep queues it again.
     */
    graceMs: number;
  };
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parsePort(setting: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new ConfigError(setting, `'${raw}' is not a port number (1-65535)`);
  }
  return Number(raw);
}

function parseSeconds(setting: string, raw: string | undefined, fallback: number, minimum: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < minimum) {
    throw new ConfigError(setting, `'${raw}' is not a whole number of seconds (${minimum} or more)`);
  }
  return Number(raw);
}

/** Query parameters whose values are secrets, e.g. `?password=…` (ioredis and libpq read these). */
const SECRET_PARAMETER = /([?&;][^=&;#\s]*(?:pass|pwd|secret|token|auth|key)[^=&;#\s]*=)[^&;#\s]*/gi;

/**
 * The user part of a URL as it may be shown: `user:***` when there is a password (also with an empty
 * user name, `redis://:secret@host`), and `***` for a Redis URL with no colon, where the one word is
 * the password (`redis://secret@host`, as older Redis clients wrote it).
 */
function maskUserInfo(scheme: string, userInfo: string): string {
  const colon = userInfo.indexOf(':');
  if (colon >= 0) return `${userInfo.slice(0, colon)}:***`;
  return /^rediss?:\/\/$/i.test(scheme) ? '***' : userInfo;
}

/**
 * Masks every password a connection URL can carry, for messages, logs and /health: in the user part
 * (`user:pass@`, `:pass@`, Redis's `pass@`) and in the query string (`?password=`).
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (!scheme) return redactSecrets(url);
  // The authority ends at the first '/', '?' or '#'; its user part at the last '@' before that, so a
  // password holding an unencoded '@' is still masked whole.
  const rest = url.slice(scheme.length);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  const masked = at < 0 ? authority : `${maskUserInfo(scheme, authority.slice(0, at))}${authority.slice(at)}`;
  return `${scheme}${masked}${(end < 0 ? '' : rest.slice(end)).replace(SECRET_PARAMETER, '$1***')}`;
}

/** Masks the passwords of every URL inside a free text, such as an error message. */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#]*)@/gi, (_all, scheme: string, userInfo: string) => {
      return `${scheme}${maskUserInfo(scheme, userInfo)}@`;
    })
    .replace(SECRET_PARAMETER, '$1***');
}

const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** `ECSPERT_TRUST_PROXY`: unset/false, true, a number of hops, or addresses and CIDR ranges. */
export function parseTrustProxy(raw: string | undefined): boolean | number | string[] {
  const value = (raw ?? '').trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > 10)
      throw new ConfigError(
        'ECSPERT_TRUST_PROXY',
        `'${value}' hops: give 1 to 10 (or the proxies' addresses)`,
      );
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (PROXY_PRESETS.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const family = net.isIP(address);
    const maxBits = family === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !bitsOk || extra !== undefined)
      throw new ConfigError(
        'ECSPERT_TRUST_PROXY',
        `'${entry}' is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8, loopback); separate several with commas`,
      );
  }
  return entries;
}

export function parseDatabaseUrl(raw: string | undefined, dataDir: string): DatabaseTarget {
  if (raw === undefined || raw === '') return { engine: 'pglite', dataDir: path.join(dataDir, 'db') };
  if (raw === 'pglite:memory' || raw === 'memory://') return { engine: 'pglite', dataDir: null };
  if (raw.startsWith('pglite:')) {
    const dir = raw.slice('pglite:'.length).replace(/^\/\//, '');
    if (!dir)
      throw new ConfigError('DATABASE_URL', `'${raw}' names no folder: use pglite:<folder> or pglite:memory`);
    return { engine: 'pglite', dataDir: path.resolve(dir) };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('DATABASE_URL', `'${redactUrl(raw)}' is not a URL`);
  }
  if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') return { engine: 'postgres', url: raw };
  if (url.protocol === 'oracle:') return parseOracleUrl('DATABASE_URL', raw);
  throw new ConfigError(
    'DATABASE_URL',
    `unknown scheme '${url.protocol}' in '${redactUrl(raw)}': use postgres://…, oracle://…, pglite:<folder>, or leave it unset for the embedded database`,
  );
}

export function parseOracleUrl(setting: string, raw: string): DatabaseTarget & { engine: 'oracle' } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(setting, `'${redactUrl(raw)}' is not a URL`);
  }
  if (url.protocol !== 'oracle:')
    throw new ConfigError(setting, `expected oracle://user:password@host:port/service`);
  const service = url.pathname.replace(/^\//, '');
  if (!url.username || !url.hostname || !service) {
    throw new ConfigError(
      setting,
      `'${redactUrl(raw)}' must look like oracle://user:password@host:port/service`,
    );
  }
  return {
    engine: 'oracle',
    url: raw,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    connectString: `${url.hostname}:${url.port || '1521'}/${service}`,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const dataDir = path.resolve(env.ECSPERT_DATA_DIR || 'data');
  const redisUrl = env.REDIS_URL || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', `'${redactUrl(redisUrl)}' must start with redis:// or rediss://`);
  }
  const oracleUrl = env.ORACLE_URL || null;
  if (oracleUrl) parseOracleUrl('ORACLE_URL', oracleUrl);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `'${logLevel}' is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    database: parseDatabaseUrl(env.DATABASE_URL, dataDir),
    redisUrl,
    oracleUrl,
    host: env.HOST || '127.0.0.1',
    port: parsePort('PORT', env.PORT, 3000),
    trustProxy: parseTrustProxy(env.ECSPERT_TRUST_PROXY),
    dataDir,
    secretsDir: path.resolve(env.ECSPERT_SECRETS_DIR || path.join(dataDir, 'secrets')),
    logLevel,
    recovery: {
      intervalMs: parseSeconds('ECSPERT_SWEEP_SECONDS', env.ECSPERT_SWEEP_SECONDS, 60, 1) * 1000,
      graceMs: parseSeconds('ECSPERT_SWEEP_GRACE_SECONDS', env.ECSPERT_SWEEP_GRACE_SECONDS, 300, 0) * 1000,
    },
  };
}
