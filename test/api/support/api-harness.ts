/** What the API suites share: a logger whose lines the test can read, ports, and the Redis check. */
import { spawnSync } from 'node:child_process';
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

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * Whether Redis answers PING, checked synchronously (in a child node) so suites can decide at
 * collection time whether to run or skip.
 */
export function redisAnswers(url: string): boolean {
  const { hostname, port } = new URL(url);
  const script = `
    const s = require('node:net').connect(${Number(port || 6379)}, ${JSON.stringify(hostname)});
    s.setTimeout(1500, () => process.exit(1));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(/PONG|NOAUTH/.test(String(d)) ? 0 : 1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000, env: {} }).status === 0;
}

let redisSkipNoted = false;
/** Runs the Redis suites when Redis answers; under CI=true a missing Redis fails instead of skipping. */
export function redisAvailable(): boolean {
  if (redisAnswers(REDIS_URL)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true but Redis at ${REDIS_URL} does not answer: the Redis suites cannot be skipped in CI`,
    );
  }
  if (!redisSkipNoted) {
    redisSkipNoted = true;
    console.log(`Redis suites skipped: nothing answers at ${REDIS_URL} (set REDIS_URL)`);
  }
  return false;
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
