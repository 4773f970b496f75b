/**
 * An overloaded server: every connection of the pool is busy. A statement waits a short, bounded
 * time for one and then fails at once with DatabaseBusyError (HTTP 503 with Retry-After), instead
 * of queueing for the driver's 5 s connect timeout and being taken for an outage; too many waiting
 * fail without waiting. The database stays marked up, and the pool works again once it is free.
 */
import { sql } from 'kysely';
import { type Database, DatabaseBusyError, openDatabase } from '../../src/db';
import { postgresUrl } from '../support/engines';

const url = postgresUrl();
const describeIf = url ? describe : describe.skip;

describeIf('a PostgreSQL pool whose connections are all busy', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase(
      { engine: 'postgres', url: url! },
      { poolSize: 2, poolQueueWaitMs: 300, poolQueueLimit: 2 },
    );
  });
  afterAll(async () => database?.close());

  it('answers DatabaseBusyError quickly, keeps the database up, and serves again when a connection is free', async () => {
    const sleeping = [1, 2].map(() => sql`select pg_sleep(1.5)`.execute(database.db));
    await new Promise((r) => setTimeout(r, 200));

    // Waits at most poolQueueWaitMs, then gives up.
    let started = Date.now();
    const waited = await sql`select 1 as one`.execute(database.db).catch((e: unknown) => e);
    const waitedMs = Date.now() - started;
    expect(waited).toBeInstanceOf(DatabaseBusyError);
    expect((waited as DatabaseBusyError).statusCode).toBe(503);
    expect(waitedMs).toBeGreaterThanOrEqual(250);
    expect(waitedMs).toBeLessThan(1200);

    // With the queue full (2 waiting), the next one is refused without waiting.
    const queued = [1, 2].map(() => sql`select 1 as one`.execute(database.db).catch((e: unknown) => e));
    started = Date.now();
    const refused = await sql`select 1 as one`.execute(database.db).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseBusyError);
    expect(String((refused as Error).message)).toMatch(/2 statements wait/);
    expect(Date.now() - started).toBeLessThan(100);

    expect(database.availability?.up).toBe(true);
    await Promise.all([...sleeping, ...queued]);
    const again = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(again.rows).toEqual([{ one: 1 }]);
    expect(database.availability?.up).toBe(true);
  });
});
