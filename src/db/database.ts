/**
 * Opens the one database behind the product: embedded PGlite, PostgreSQL or Oracle, chosen by
 * `DATABASE_URL`. Callers get a typed Kysely instance and the dialect helpers, nothing engine-specific.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { enableCopyFromStdin } from './copy-from-stdin';
import pg from 'pg';
import { ConfigError, type DatabaseTarget, redactUrl } from '../config';
import { AvailabilityMonitor, type DatabaseAvailability } from './availability';
import { MonitoredDialect } from './dialects/monitored-dialect';
import { OracleArrayDmlDialect } from './dialects/oracle-array-dml';
import { PgliteDialect } from './dialects/pglite-dialect';
import { type HeldLock, lockEmbeddedDatabase } from './dialects/pglite-lock';
import type { DB } from './schema';
import { SqlDialect } from './sql-dialect';
import { reusePlansForReads } from './reused-plans';

export interface Database {
  db: Kysely<DB>;
  dialect: SqlDialect;
  /** A short description for logs and /health, without secrets. */
  describe: string;
  /** Answers quickly whether the database responds. */
  ping(): Promise<boolean>;
  /**
   * Whether the database answers as this process last saw it: down from the first lost connection
   * until it answers again (probed every second meanwhile). A statement that meets a lost
   * connection fails with DatabaseUnavailableError. Optional only so that stand-ins in tests
   * need not carry it; openDatabase always gives it.
   */
  availability?: DatabaseAvailability;
  /**
   * Tells other processes what this one offers, e.g. the API it serves, for their refusal message
   * when they try to open the same embedded database. Does nothing on a server database.
   */
  announce?(details: { api?: string }): void;
  close(): Promise<void>;
}

/** Runs work in the caller's transaction, or in a new one. */
export function inTransaction<T>(database: Database, work: (tx: Database) => Promise<T>): Promise<T> {
  if (database.db.isTransaction) return work(database);
  return database.db.transaction().execute((trx) => work({ ...database, db: trx }));
}

export interface OpenOptions {
  /** The environment variable the target came from, named in errors. */
  setting?: string;
  /** PostgreSQL only: the schema to work in (tests use one schema each). */
  searchPath?: string;
  /** PostgreSQL only: pool size. */
  poolSize?: number;
  /**
   * PostgreSQL only: how long a statement waits for a connection while every one of the pool is
   * busy (ms, default 5000: work that waits on another's lock, such as two acts issued at once, holds its connection meanwhile), and how many may wait at once (default 50 per connection of the pool).
   * Past either the statement fails at once with DatabaseBusyError (HTTP 503, Retry-After): an
   * overloaded server answers quickly instead of queueing without end, and the database is not
   * taken for down.
   */
  poolQueueWaitMs?: number;
  poolQueueLimit?: number;
}

/** Every connection of the pool is busy and too many wait already, or waited too long. Nothing ran. */
export class DatabaseBusyError extends Error {
  /** For HTTP: 503 Service Unavailable (with Retry-After). */
  readonly statusCode = 503;
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

/**
 * The pool as Kysely sees it, with a bounded queue: while the pool can still open a connection, a
 * checkout is the pool's own (a server that does not answer times out as an outage after
 * connectionTimeoutMillis); once all are open and busy, at most `limit` wait, each at most `waitMs`.
 */
function boundedPool(pool: pg.Pool, max: number, waitMs: number, limit: number) {
  return {
    connect: async (): Promise<pg.PoolClient> => {
      const queued = pool.totalCount >= max && pool.idleCount === 0;
      if (!queued) return pool.connect();
      if (pool.waitingCount >= limit)
        throw new DatabaseBusyError(
          `the database is busy: all ${max} connections are in use and ${pool.waitingCount} statements wait; try again shortly`,
        );
      const checkout = pool.connect();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The pool hands the connection over later: give it straight back.
          checkout.then((client) => client.release()).catch(() => undefined);
          reject(
            new DatabaseBusyError(
              `the database is busy: no connection of ${max} became free within ${waitMs} ms; try again shortly`,
            ),
          );
        }, waitMs);
      });
      try {
        return await Promise.race([checkout, late]);
      } finally {
        clearTimeout(timer);
      }
    },
    end: () => pool.end(),
  };
}

/** int8 as a JS number, NUMERIC as its exact decimal text, DATE as yyyy-mm-dd text. */
const pgTypes = {
  getTypeParser(oid: number, format?: any) {
    if (oid === 20) return (v: string) => Number(v);
    if (oid === 1700 || oid === 1082) return (v: string) => v;
    return pg.types.getTypeParser(oid, format);
  },
};

function describeError(error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] };
  if (e?.errors?.length) return e.errors.map((x) => x.code).join(', ');
  return e?.code ? `${e.code}${e.message ? ` ${e.message}` : ''}` : String(e?.message ?? error);
}

async function openPglite(dataDir: string | null, setting: string): Promise<Database> {
  let lock: HeldLock | null = null;
  if (dataDir) {
    try {
      fs.mkdirSync(dataDir, { recursive: true });
      const probe = path.join(dataDir, `.write-probe-${process.pid}`);
      fs.writeFileSync(probe, '');
      fs.rmSync(probe);
    } catch (error) {
      throw new ConfigError(
        setting,
        `the database folder ${dataDir} is not writable (${describeError(error)})`,
      );
    }
    // One process owns the folder: a second one would work on a copy whose writes get lost.
    lock = lockEmbeddedDatabase(dataDir);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const identity = (v: string) => v;
  // bytea (oid 17) as hex by Node's own Buffer codec: PGlite's default maps every byte through a JS
  // array (about a second per megabyte, and RangeError: Invalid array length past ~100 MB).
  const byteaText = (v: Uint8Array) =>
    '\\x' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  const pglite = new PGlite({
    dataDir: dataDir ?? undefined,
    parsers: {
      20: (v: string) => Number(v),
      1700: identity,
      1082: identity,
      17: (v: string) => Buffer.from(v.slice(2), 'hex'),
    },
    serializers: { 17: byteaText as (v: any) => string },
  });
  try {
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw new ConfigError(
      setting,
      `the embedded database in ${dataDir ?? 'memory'} cannot start (${describeError(error)})`,
    );
  }
  // In-process: it cannot go away on its own, but the same interface as the servers.
  const availability = new AvailabilityMonitor({ probe: () => pglite.query('select 1') });
  const db = new Kysely<DB>({ dialect: new MonitoredDialect(new PgliteDialect(pglite), availability) });
  return {
    db,
    dialect: new SqlDialect('pglite'),
    describe: `pglite:${dataDir ?? 'memory'}`,
    // Through Kysely like every statement, so an answer also marks the database up.
    ping: async () => !pglite.closed && (await sql`select 1 as one`.execute(db)).rows.length === 1,
    availability,
    announce: (details) => lock?.note(details),
    // Kysely tears its driver down only once it has run a query; close PGlite whatever happened.
    close: async () => {
      availability.stop();
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string, setting: string, options: OpenOptions): Promise<Database> {
  const max = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5000,
    types: pgTypes,
    options: options.searchPath ? `-c search_path=${options.searchPath}` : undefined,
  });
  const availability = new AvailabilityMonitor({
    probe: async () => {
      const client = await pool.connect();
      try {
        await client.query('select 1');
      } finally {
        client.release();
      }
    },
  });
  // A lost connection is reported as an 'error' event by the client (idle in the pool, or checked
  // out and running a statement, a COPY included) besides failing what runs on it. Unheard, that
  // event ends the process; heard, it marks the database down, and the pool drops the client.
  const lost = (error: Error) => void availability.observe(error);
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', lost);
    enableCopyFromStdin(client); // bulk inserts upload by COPY on the statement's own client
    reusePlansForReads(client); // reads outside transactions are planned once per connection
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new ConfigError(setting, `cannot connect to ${redactUrl(url)} (${describeError(error)})`);
  }
  const bounded = boundedPool(pool, max, options.poolQueueWaitMs ?? 5000, options.poolQueueLimit ?? 50 * max);
  const db = new Kysely<DB>({
    dialect: new MonitoredDialect(new PostgresDialect({ pool: bounded }), availability),
  });
  return {
    db,
    dialect: new SqlDialect('postgres'),
    describe: redactUrl(url),
    ping: async () => (await sql`select 1 as one`.execute(db)).rows.length === 1,
    availability,
    announce: () => undefined,
    close: async () => {
      availability.stop();
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
}

async function openOracle(target: DatabaseTarget & { engine: 'oracle' }, setting: string): Promise<Database> {
  const oracledb = (await import('oracledb')).default;
  oracledb.fetchAsString = [oracledb.CLOB];
  oracledb.fetchAsBuffer = [oracledb.BLOB];
  // Same shapes as PostgreSQL: DATE as yyyy-mm-dd text, NUMBER with decimals as exact text.
  oracledb.fetchTypeHandler = ((meta: any) => {
    if (meta.dbType === oracledb.DB_TYPE_DATE) {
      return { converter: (d: Date | null) => (d ? d.toISOString().slice(0, 10) : d) };
    }
    if (meta.dbType === oracledb.DB_TYPE_NUMBER && (meta.scale ?? 0) > 0) return { type: oracledb.STRING };
    return undefined;
  }) as any;
  let pool;
  try {
    pool = await oracledb.createPool({
      user: target.user,
      password: target.password,
      connectString: target.connectString,
      poolMin: 0,
      poolMax: 10,
      sessionCallback: (connection: any, _tag: string, done: (e?: Error) => void) => {
        connection
          .execute(
            `alter session set nls_date_format = 'YYYY-MM-DD' nls_timestamp_tz_format = 'YYYY-MM-DD"T"HH24:MI:SS.FF3TZH:TZM' time_zone = 'UTC'`,
          )
          .then(() => done(), done);
      },
    });
    const connection = await pool.getConnection();
    await connection.close();
  } catch (error) {
    await pool?.close(0).catch(() => undefined);
    throw new ConfigError(setting, `cannot connect to ${redactUrl(target.url)} (${describeError(error)})`);
  }
  const oraclePool = pool;
  const availability = new AvailabilityMonitor({
    probe: async () => {
      const connection = await oraclePool.getConnection();
      try {
        await connection.execute('select 1 from dual');
      } finally {
        await connection.close().catch(() => undefined);
      }
    },
  });
  const db = new Kysely<DB>({
    dialect: new MonitoredDialect(new OracleArrayDmlDialect({ pool: pool as any }), availability),
  });
  return {
    db,
    dialect: new SqlDialect('oracle'),
    describe: redactUrl(target.url),
    ping: async () => (await sql`select 1 as "one" from dual`.execute(db)).rows.length === 1,
    availability,
    announce: () => undefined,
    close: async () => {
      availability.stop();
      await db.destroy();
      await pool.close(0).catch(() => undefined);
    },
  };
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<Database> {
  const setting = options.setting ?? (target.engine === 'pglite' ? 'ECSPERT_DATA_DIR' : 'DATABASE_URL');
  switch (target.engine) {
    case 'pglite':
      return openPglite(target.dataDir, setting);
    case 'postgres':
      return openPostgres(target.url, setting, options);
    case 'oracle':
      return openOracle(target, setting);
  }
}
