/** What the API suites share: a logger whose lines the test can read, ports, and the Redis check. */
import net from 'node:net';
import { sql } from 'kysely';
import pino, { type Logger } from 'pino';
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
