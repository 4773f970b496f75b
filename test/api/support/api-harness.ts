/**
 * What the API suites share: a logger whose lines the test can read, ports, the Redis check, and a
 * signed-in user of a role to send requests as.
 */
import net from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
import type { Authenticator } from '../../../src/api/plugins/auth';
import { createApiToken, createUser, type Role } from '../../../src/auth';
import { type AppConfig, loadConfig } from '../../../src/config';
import { type Database, openDatabase } from '../../../src/db';
import { postgresUrl } from '../../support/engines';

export interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  [key: string]: unknown;
}

/** A real pino logger writing into an array, so a test can check what an operator would read. */
export function memoryLogger(level = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level, base: { app: 'ecspert' } },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  return { logger, lines };
}

/** Settings as the server would load them from an empty environment, with the given overrides. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...loadConfig({}), ...overrides };
}

/** A loopback port nothing listens on (taken from the OS, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A database for suites that need one to exist but read no tables (server start and stop): a
 * PostgreSQL pool when DATABASE_URL points at one (opens in milliseconds, touches no schema),
 * else an in-memory PGlite.
 */
export async function openBareDatabase(): Promise<Database> {
  const url = postgresUrl();
  if (url) return openDatabase({ engine: 'postgres', url }, { poolSize: 2 });
  const database = await openDatabase({ engine: 'pglite', dataDir: null });
  // Kysely starts its driver on the first query, and only a started driver closes PGlite on close();
  // a real server has run its migrations by now.
  await sql`select 1`.execute(database.db);
  return database;
}

/** The DATABASE_URL a server process of a test should use: the test PostgreSQL, else memory. */
export function bareDatabaseUrl(): string {
  return postgresUrl() ?? 'pglite:memory';
}

/**
 * Nobody is trusted by default: a suite signs in as a user of a role, created through the users
 * module, and sends that user's API token with every request.
 *
 *     const admin = await signInAs(app, ctx.database, 'administrator');
 *     await admin.inject({ method: 'GET', url: '/api/periods' });
 */
export interface SignedIn {
  login: string;
  password: string;
  token: string;
  /** `authorization: Bearer …`, to add to a request of one's own (fetch, undici). */
  headers: { authorization: string };
  inject(options: InjectOptions | string): Promise<LightMyRequestResponse>;
}

let users = 0;

export async function signInAs(
  app: FastifyInstance,
  database: Database,
  role: Role,
  options: { consultantCode?: string; unitCode?: string; login?: string } = {},
): Promise<SignedIn> {
  const login = options.login ?? `${role.replace('_', '-')}-${process.pid}-${++users}`;
  const { password } = await createUser(
    database,
    { login, role, consultantCode: options.consultantCode, unitCode: options.unitCode },
    'test',
  );
  const { token } = await createApiToken(database, login, 'tests', 'test');
  return signedIn(app, login, password, token);
}

/** A signed-in view of a user whose token is known (e.g. made by the CLI). */
export function signedIn(app: FastifyInstance, login: string, password: string, token: string): SignedIn {
  const headers = { authorization: `Bearer ${token}` };
  return {
    login,
    password,
    token,
    headers,
    inject: (options) => {
      const request = typeof options === 'string' ? { url: options } : options;
      return app.inject({ ...request, headers: { ...headers, ...(request.headers ?? {}) } });
    },
  };
}

/**
 * For apps without a users table (a compile-only database): every request is taken as a user of
 * `role`, through buildApi's `authenticate` option.
 */
export function trustedAs(role: Role): Authenticator {
  return async () => ({
    userId: 0,
    login: `trusted-${role}`,
    displayName: `trusted ${role}`,
    role,
    consultantId: null,
    unitId: null,
    via: 'token',
    credentialId: 0,
  });
}
