/**
 * The database goes away under the process (a private PostgreSQL stopped mid-test with
 * `pg_ctl -m immediate`, as a crash or a pulled cable looks to clients) and comes back. What runs
 * fails with one DatabaseUnavailableError instead of an unhandled 'error' event ending the process;
 * the database is marked down, probed, and marked up again by itself; nothing half-written stays.
 */
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/db';
import { DatabaseUnavailableError } from '../../src/db/availability';
import {
  type PrivatePostgres,
  privatePostgresAvailable,
  startPrivatePostgres,
} from '../support/private-postgres';

const describeIf = privatePostgresAvailable('database outage suite') ? describe : describe.skip;

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describeIf('a PostgreSQL outage under a running process', () => {
  let pg: PrivatePostgres;
  let database: Database;
  /** Errors that reached the process instead of the caller: each would have ended a real process. */
  const escaped: unknown[] = [];
  const onEscape = (error: unknown) => escaped.push(error);

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    database = await openDatabase({ engine: 'postgres', url: pg.url }, { poolSize: 4 });
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
  }, 60_000);

  afterAll(async () => {
    process.off('uncaughtException', onEscape);
    process.off('unhandledRejection', onEscape);
    await database?.close();
    await pg?.destroy();
  });

  beforeEach(async () => {
    escaped.length = 0;
    await pg.start();
    await until('the database is up', () => database.availability!.up);
  });

  afterEach(() => {
    expect(escaped).toEqual([]);
  });

  it('a statement in flight when the server stops fails with DatabaseUnavailableError, and works again once it is back', async () => {
    const inFlight = sql`select pg_sleep(30)`.execute(database.db);
    const outcome = inFlight.then(
      () => null,
      (error: unknown) => error,
    );
    await until(
      'the statement runs',
      async () =>
        (await pg.psql(`select count(*) from pg_stat_activity where query like 'select pg_sleep%'`)) === '1',
    );
    await pg.stop('immediate');
    const error = await outcome;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toMatch(/^the database is not answering \(.+\)$/);
    expect(database.availability!.up).toBe(false);

    // Meanwhile every statement fails the same way, at once.
    const started = Date.now();
    await expect(sql`select 1`.execute(database.db)).rejects.toBeInstanceOf(DatabaseUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);

    await pg.start();
    // Nobody asks: the monitor's probe finds it back.
    const upAfter = await until('marked up again', () => database.availability!.up, 5000);
    expect(upAfter).toBeLessThan(5000);
    expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
  }, 60_000);

  it('a transaction cut mid-way is rolled back by the server and reported as unavailable', async () => {
    await sql`create table if not exists outage_probe (id integer primary key)`.execute(database.db);
    await sql`truncate outage_probe`.execute(database.db);
    let inserted!: () => void;
    const insertedOne = new Promise<void>((resolve) => (inserted = resolve));
    const transaction = database.db
      .transaction()
      .execute(async (trx) => {
        await sql`insert into outage_probe values (1)`.execute(trx);
        inserted();
        await new Promise((r) => setTimeout(r, 1500));
        await sql`insert into outage_probe values (2)`.execute(trx);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    await insertedOne;
    await pg.stop('immediate');
    expect(await transaction).toBeInstanceOf(DatabaseUnavailableError);

    await pg.start();
    await until('marked up again', () => database.availability!.up);
    expect(Number(await pg.psql('select count(*) from outage_probe'))).toBe(0);
  }, 60_000);

  it('a COPY cut mid-stream fails cleanly, leaves no rows, and the next COPY works', async () => {
    await sql`create table if not exists copy_probe (id integer, label text)`.execute(database.db);
    await sql`truncate copy_probe`.execute(database.db);
    let stopping: Promise<void> | null = null;
    function* rows() {
      for (let id = 0; id < 20_000_000; id++) {
        // The server goes away while rows are still being sent.
        if (id === 100_000) stopping = pg.stop('immediate');
        yield { id, label: `ledger line ${id} with some words to make it longer` };
      }
    }
    const copy = database.dialect.bulkInsertEach(database.db, 'copy_probe', ['id', 'label'], rows());
    const error = await copy.then(
      () => null,
      (e: unknown) => e,
    );
    expect(stopping).not.toBeNull();
    await stopping;
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect(database.availability!.up).toBe(false);

    await pg.start();
    await until('marked up again', () => database.availability!.up);
    expect(Number(await pg.psql('select count(*) from copy_probe'))).toBe(0);
    await database.dialect.bulkInsertEach(
      database.db,
      'copy_probe',
      ['id', 'label'],
      [1, 2, 3].map((id) => ({ id, label: `again ${id}` })),
    );
    expect(Number(await pg.psql('select count(*) from copy_probe'))).toBe(3);
  }, 60_000);

  it('an outage with nothing running: the idle pool notices, and it is up again by itself', async () => {
    // Fill the pool with idle connections.
    await Promise.all([1, 2, 3].map(() => sql`select pg_sleep(0.05)`.execute(database.db)));
    const changes: boolean[] = [];
    const stop = database.availability!.onChange((change) => changes.push(change.up));
    try {
      await pg.stop('immediate');
      await until('marked down', () => !database.availability!.up, 5000);
      expect(database.availability!.problem).toEqual(expect.any(String));
      await pg.start();
      await until('marked up again', () => database.availability!.up, 5000);
      expect(changes).toEqual([false, true]);
      expect((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows).toEqual([{ one: 1 }]);
    } finally {
      stop();
    }
  }, 60_000);
});
