/**
 * One operation changes a production period at a time, across processes and machines: the
 * calculation, the recalculation of closed periods and its correction posting, the close and the
 * acts each hold their periods' rows of `period_lock` (migrations/0500) with `select … for update`
 * until their transaction ends. A second caller waits for the first to commit, then sees what it
 * did (a posted run to supersede, a closed period to refuse).
 *
 * A row lock rather than an advisory lock: it works alike on PostgreSQL, PGlite and Oracle, and
 * its key is the period inside the schema, so suites sharing one PostgreSQL database in schemas of
 * their own never wait for each other. A lock row is created on first use, before the transaction
 * when the caller is not in one yet (ensurePeriodLocks), else in it (`on conflict do nothing`
 * waits for a concurrent creator instead of failing; Oracle rolls a failed statement back alone,
 * so a duplicate is simply ignored there). Lock rows are never deleted. Periods are locked
 * in code order, so two operations locking several periods cannot deadlock each other. On PGlite
 * (one session behind a mutex) a transaction already runs alone; the lock costs nothing there.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db';

interface PeriodLockDB {
  period_lock: { period_code: string };
}

async function insertMissing(database: Database, codes: string[]): Promise<void> {
  const db = database.db as unknown as Kysely<PeriodLockDB>;
  if (database.dialect.isOracle) {
    for (const code of codes) {
      try {
        await db.insertInto('period_lock').values({ period_code: code }).execute();
      } catch (error) {
        if (!database.dialect.isUniqueViolation(error)) throw error;
      }
    }
    return;
  }
  await db
    .insertInto('period_lock')
    .values(codes.map((code) => ({ period_code: code })))
    .onConflict((oc) => oc.column('period_code').doNothing())
    .execute();
}

/**
 * Creates the periods' lock rows ahead of the transaction that locks them, when the caller is not
 * in one yet: a lock row being created by another transaction is waited for silently, an existing
 * one can be probed (lockPeriods' onWait).
 */
export async function ensurePeriodLocks(database: Database, codes: readonly string[]): Promise<void> {
  if (database.db.isTransaction || !codes.length) return;
  await insertMissing(database, [...new Set(codes)].sort());
}

/**
 * Locks the periods (yyyy-mm) until the caller's transaction ends; re-locking in it is harmless.
 * `onWait` hears which period another operation holds before this waits for it (one period only:
 * probing several would lock some out of order while waiting for the others).
 */
export async function lockPeriods(
  tx: Database,
  codes: readonly string[],
  onWait?: (period: string) => void,
): Promise<void> {
  if (!tx.db.isTransaction) throw new Error('lockPeriods needs a transaction: the lock lasts until it ends');
  const db = tx.db as unknown as Kysely<PeriodLockDB>;
  const sorted = [...new Set(codes)].sort();
  const BATCH = 500; // Oracle takes at most 1000 expressions in a list
  for (let i = 0; i < sorted.length; i += BATCH) {
    const chunk = sorted.slice(i, i + BATCH);
    await insertMissing(tx, chunk);
    if (onWait && sorted.length === 1) {
      const free = await db
        .selectFrom('period_lock')
        .select('period_code')
        .where('period_code', '=', sorted[0])
        .forUpdate()
        .skipLocked()
        .execute();
      if (!free.length) onWait(sorted[0]);
    }
    await db
      .selectFrom('period_lock')
      .select('period_code')
      .where('period_code', 'in', chunk)
      .orderBy('period_code')
      .forUpdate()
      .execute();
  }
}
