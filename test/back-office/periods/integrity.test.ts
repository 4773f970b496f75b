/**
 * Money stays right under concurrency (issue 9, Money 1, 2 and 4): two calculations of one period
 * at once post one run; a close during a calculation or a recalculation stands; two acts runs of
 * one period issue each act once; the ledger refuses UPDATE and DELETE in the database itself.
 *
 * On PostgreSQL each operation runs on a connection pool of its own (same schema), truly at once; a
 * third session holds a table lock that the operations meet at a known point, so that they overlap
 * every time instead of by luck. PGlite is one session: the same operations run at once there too
 * and must keep the same invariants.
 */
import { sql } from 'kysely';
import {
  calculatePeriod,
  CalculationRefusedError,
  syncCareerLevels,
} from '../../../back-office/compensation';
import { checkActsAgainstLedger } from '../../../back-office/acts';
import { closePeriod, postCorrections, producePeriodActs } from '../../../back-office/periods';
import { type Database, openDatabase } from '../../../src/db';
import { describeEachEngine, postgresUrl, type TestDatabase } from '../../support/engines';
import { intermediary } from '../acts/fixtures';
import { seedNetwork, seedPayment, seedPolicy, seedSale, type Seeded } from '../compensation/db-support';

jest.setTimeout(120_000);

const KNOWN = new Date('2026-06-01T00:00:00Z');

/** Another connection to the suite's database: a pool of its own on PostgreSQL, the same PGlite. */
async function otherConnection(database: TestDatabase): Promise<Database> {
  if (database.engine === 'pglite') return database;
  return openDatabase(
    { engine: 'postgres', url: postgresUrl()! },
    { searchPath: database.schemaName!, poolSize: 2 },
  );
}

/**
 * PostgreSQL: a third session takes `lock` and keeps it until release() — what the operations under
 * test meet at a known point. PGlite: nothing to hold (one session).
 */
async function holdLock(database: TestDatabase, lock: string): Promise<{ release(): Promise<void> }> {
  if (database.engine === 'pglite') return { release: async () => undefined };
  const holder = await otherConnection(database);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = holder.db.transaction().execute(async (trx) => {
    await sql.raw(lock).execute(trx);
    locked();
    await released;
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await done;
      await holder.close();
    },
  };
}

/** PostgreSQL: waits until `n` sessions wait for a lock on the suite's `table`. */
async function waitersOn(database: TestDatabase, table: string, n: number): Promise<void> {
  if (database.engine === 'pglite') return;
  for (let i = 0; i < 200; i++) {
    const r = await sql<{ n: number }>`
      select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
      join pg_namespace s on s.oid = c.relnamespace
      where not l.granted and c.relname = ${table} and s.nspname = ${database.schemaName}`.execute(
      database.db,
    );
    if (Number(r.rows[0].n) >= n) return;
    await sleep(50);
  }
  throw new Error(`no ${n} session(s) came to wait on ${table}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function postedRuns(database: Database, period: string) {
  return (database.db as any)
    .selectFrom('calculation_run')
    .select(['id', 'status', 'total_amount'])
    .where('period_code', '=', period)
    .where('run_kind', '=', 'period')
    .where('status', '=', 'posted')
    .execute();
}

async function periodStatus(database: Database, period: string): Promise<string | undefined> {
  const row = await (database.db as any)
    .selectFrom('production_period')
    .select('status')
    .where('code', '=', period)
    .executeTakeFirst();
  return row?.status;
}

async function seedMarchApril(database: Database): Promise<Seeded> {
  const s = await seedNetwork(database, [
    ['D', null, 'DIRECTOR'],
    ['M', 'D', 'MANAGER'],
    ['S', 'M', 'CONSULTANT'],
  ]);
  await seedPayment(database, await seedPolicy(database, s, 'S'), '2026-03-10', '40000.00');
  await seedPayment(database, await seedPolicy(database, s, 'M'), '2026-03-12', '8000.00');
  await seedPayment(database, await seedPolicy(database, s, 'D'), '2026-03-15', '120000.00');
  await seedSale(database, s, 'S', '2026-04-02', '2026-04-05', '20000.00');
  await seedSale(database, s, 'D', '2026-04-02', '2026-04-06', '10000.00');
  return s;
}

describeEachEngine('two calculations of one period at once', (ctx) => {
  let other: Database;
  beforeAll(async () => {
    await seedMarchApril(ctx.database);
    other = await otherConnection(ctx.database);
  });
  afterAll(async () => {
    if (other !== ctx.database) await other?.close();
  });

  it('leave exactly one posted run and the ledger of one calculation', async () => {
    const single = await calculatePeriod(ctx.database, '2026-03', { preview: true, knownAt: KNOWN });
    for (let round = 0; round < 2; round++) {
      // Both calculations reach their posting, then meet the held lock on the metrics table.
      const hold = await holdLock(ctx.database, 'lock table consultant_period_metric in share mode');
      const waited: string[] = [];
      const onWait = (period: string) => waited.push(period);
      const both = Promise.allSettled([
        calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'first', onWait }),
        calculatePeriod(other, '2026-03', { knownAt: KNOWN, createdBy: 'second', onWait }),
      ]);
      await waitersOn(ctx.database, 'consultant_period_metric', 1);
      await sleep(500); // the second one reaches its posting too
      await hold.release();
      const outcomes = await both;
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
      // The second was told it waits for the first (PGlite runs one transaction at a time anyway).
      expect(waited).toEqual(ctx.database.engine === 'postgres' ? ['2026-03'] : []);
      const posted = await postedRuns(ctx.database, '2026-03');
      expect(posted).toHaveLength(1);
      const lines = await sql<{ n: number | string; total: string | null }>`
        select count(*) as n, sum(a.amount) as total from accrual a join calculation_run r on r.id = a.run_id
        where r.status = 'posted' and a.period_code = '2026-03'`.execute(ctx.database.db);
      expect(Number(lines.rows[0].n)).toBe(single.lineCount);
      expect(lines.rows[0].total).toBe('29400.00');
    }
  });
});

describeEachEngine('a close during a calculation', (ctx) => {
  let other: Database;
  beforeAll(async () => {
    await seedMarchApril(ctx.database);
    other = await otherConnection(ctx.database);
    await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'buh' });
  });
  afterAll(async () => {
    if (other !== ctx.database) await other?.close();
  });

  it('stands: the calculation that started before it is refused with a message that says why', async () => {
    // The calculation passes its first look at the period, then waits to read the payments while
    // the period is closed; it must not post into the closed period.
    const hold = await holdLock(ctx.database, 'lock table premium_payment in access exclusive mode');
    const calculating = calculatePeriod(other, '2026-03', { knownAt: KNOWN, createdBy: 'late' }).then(
      (r) => r,
      (e) => e,
    );
    await waitersOn(ctx.database, 'premium_payment', 1);
    const closed = await closePeriod(ctx.database, '2026-03', { closedBy: 'buh' });
    expect(closed.period).toBe('2026-03');
    const closedRun = (await postedRuns(ctx.database, '2026-03'))[0];
    await hold.release();
    const outcome = await calculating;
    expect(await periodStatus(ctx.database, '2026-03')).toBe('closed');
    expect((await postedRuns(ctx.database, '2026-03')).map((r: any) => Number(r.id))).toEqual([
      Number(closedRun.id),
    ]);
    // What a person sees (the CLI prints the message; the API answers 409 with it).
    expect(outcome).toBeInstanceOf(CalculationRefusedError);
    expect(outcome.statusCode).toBe(409);
    expect(outcome.message).toBe(
      'period 2026-03 is closed; a change to it is posted as a recalculation in the open period',
    );
  });
});

describeEachEngine('two acts runs of one closed period at once', (ctx) => {
  let other: Database;
  beforeAll(async () => {
    await seedMarchApril(ctx.database);
    other = await otherConnection(ctx.database);
    await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'buh' });
    await closePeriod(ctx.database, '2026-03', { closedBy: 'buh' });
  });
  afterAll(async () => {
    if (other !== ctx.database) await other?.close();
  });

  it('issue each act once, numbered without gaps, and the check balances', async () => {
    const [a, b] = await Promise.all([
      producePeriodActs(ctx.database, '2026-03', { intermediary, createdBy: 'first' }),
      producePeriodActs(other, '2026-03', { intermediary, createdBy: 'second' }),
    ]);
    const issued = [...a.issued, ...b.issued].map((i) => i.act.consultant.code).sort();
    expect(issued).toEqual(['D', 'M', 'S']);
    for (const run of [a, b])
      expect([...run.issued.map((i) => i.act.consultant.code), ...run.alreadyIssued].sort()).toEqual([
        'D',
        'M',
        'S',
      ]);
    const numbers = await (ctx.database.db as any)
      .selectFrom('act')
      .select('sequence_no')
      .orderBy('sequence_no')
      .execute();
    expect(numbers.map((n: any) => Number(n.sequence_no))).toEqual([1, 2, 3]);
    const check = await checkActsAgainstLedger(ctx.database, '2026-03');
    expect(check.actsGrossKop).toBe(2_940_000);
    expect(check.balanced).toBe(true);
  });
});

describeEachEngine('a close during a recalculation', (ctx) => {
  let other: Database;
  beforeAll(async () => {
    await seedMarchApril(ctx.database);
    other = await otherConnection(ctx.database);
    await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'buh' });
    await closePeriod(ctx.database, '2026-03', { closedBy: 'buh' });
    await calculatePeriod(ctx.database, '2026-04', { knownAt: KNOWN, createdBy: 'buh' });
  });
  afterAll(async () => {
    if (other !== ctx.database) await other?.close();
  });

  it('stands: the recalculation never sets the closed period back nor replaces its run', async () => {
    // The recalculation (an audit re-run from March) calculates April again and meets the held
    // lock when it writes April's metrics; the close of April runs meanwhile.
    const hold = await holdLock(ctx.database, 'lock table consultant_period_metric in share mode');
    const recalculating = postCorrections(ctx.database, { fromPeriod: '2026-03', postedBy: 'audit' }).then(
      (r) => r,
      (e) => e,
    );
    await waitersOn(ctx.database, 'consultant_period_metric', 1);
    const closing = closePeriod(other, '2026-04', { closedBy: 'buh' }).then(
      (r) => r,
      (e) => e,
    );
    await Promise.race([closing, sleep(1000)]);
    await hold.release();
    const [recalculated, closed] = await Promise.all([recalculating, closing]);
    expect(recalculated).not.toBeInstanceOf(Error);
    expect(closed).not.toBeInstanceOf(Error);
    expect(closed.period).toBe('2026-04');
    // The close printed "closed": it stands, and the run it closed is still the posted one.
    expect(await periodStatus(ctx.database, '2026-04')).toBe('closed');
    const runs = await postedRuns(ctx.database, '2026-04');
    expect(runs).toHaveLength(1);
    const after = await (ctx.database.db as any)
      .selectFrom('calculation_run')
      .select('id')
      .where('period_code', '=', '2026-04')
      .where('started_at', '>', closed.closedAt)
      .execute();
    expect(after).toEqual([]);
  });
});

describeEachEngine('the accrual ledger', (ctx) => {
  beforeAll(async () => {
    await seedMarchApril(ctx.database);
    await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'buh' });
    // A second run of the open period supersedes the first by the run's status; lines stay.
    await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'buh' });
  });

  it('refuses UPDATE and DELETE of its lines in the database itself', async () => {
    const before = await sql<{ n: number | string; total: string }>`
      select count(*) as n, sum(amount) as total from accrual`.execute(ctx.database.db);
    expect(Number(before.rows[0].n)).toBeGreaterThan(0);
    await expect(sql`update accrual set amount = 0`.execute(ctx.database.db)).rejects.toThrow(
      /accrual ledger is append-only/,
    );
    await expect(sql`delete from accrual`.execute(ctx.database.db)).rejects.toThrow(
      /accrual ledger is append-only/,
    );
    await expect(sql`truncate accrual`.execute(ctx.database.db)).rejects.toThrow(
      /accrual ledger is append-only/,
    );
    const after = await sql<{ n: number | string; total: string }>`
      select count(*) as n, sum(amount) as total from accrual`.execute(ctx.database.db);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('still lists only the posted run once a later run supersedes the first', async () => {
    const runs = await (ctx.database.db as any)
      .selectFrom('calculation_run')
      .select(['id', 'status'])
      .where('period_code', '=', '2026-03')
      .orderBy('id')
      .execute();
    expect(runs.map((r: any) => r.status)).toEqual(['superseded', 'posted']);
    const posted = await sql<{ total: string }>`
      select sum(a.amount) as total from accrual a join calculation_run r on r.id = a.run_id
      where r.status = 'posted' and a.period_code = '2026-03'`.execute(ctx.database.db);
    expect(posted.rows[0].total).toBe('29400.00');
  });
});

describeEachEngine('two registrations of a plan adding the same levels at once', (ctx) => {
  let other: Database;
  beforeAll(async () => {
    other = await otherConnection(ctx.database);
  });
  afterAll(async () => {
    if (other !== ctx.database) await other?.close();
  });

  it('add each level once: the second finds them added and changes nothing', async () => {
    const plan = {
      code: 'RACE',
      version: '1',
      levels: [
        { code: 'R-AGENT', name: 'Агент', rank: 1 },
        { code: 'R-LEADER', name: 'Лідер', rank: 2 },
      ],
    } as Parameters<typeof syncCareerLevels>[1];
    // Both read the levels (none yet), then meet the held lock at their insert.
    const hold = await holdLock(ctx.database, 'lock table career_level in share mode');
    const both = Promise.allSettled([
      syncCareerLevels(ctx.database, plan, 'first'),
      syncCareerLevels(other, plan, 'second'),
    ]);
    await waitersOn(ctx.database, 'career_level', 2);
    await hold.release();
    const outcomes = await both;
    expect(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason) : o.status))).toEqual([
      'fulfilled',
      'fulfilled',
    ]);
    const added = outcomes.flatMap((o) => (o.status === 'fulfilled' ? o.value.added : []));
    expect(added.sort()).toEqual(['R-AGENT', 'R-LEADER']);
    const levels = await ctx.database.db
      .selectFrom('career_level')
      .select(['code', 'rank_order'])
      .where('code', 'like', 'R-%')
      .orderBy('code')
      .execute();
    expect(levels.map((l) => [l.code, Number(l.rank_order)])).toEqual([
      ['R-AGENT', 1],
      ['R-LEADER', 2],
    ]);
  });
});
