/**
 * The production periods' states, written here and nowhere else: a period is opened, calculated
 * (by the calculation, in the transaction that posts its run) and closed (by back-office/periods,
 * which decides whether it may close). The writes sit beside the period lock (period-lock.ts) and for
 * the same reason: the calculation marks its own period in its own transaction, and back-office/periods
 * sits above this module (it calls the calculation), so the one writer has to be here.
 */
import type { Kysely } from 'kysely';
import type { PeriodRef } from './engine';
import type { CompensationDB } from './tables';

/** Marks the period calculated at `at`, adding its row when the period was never opened. */
export async function markPeriodCalculated(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  at: Date,
): Promise<void> {
  const existing = await db
    .selectFrom('production_period')
    .select('id')
    .where('code', '=', period.code)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable('production_period')
      .set({ status: 'calculated', calculated_at: at })
      .where('id', '=', existing.id)
      .execute();
    return;
  }
  await db
    .insertInto('production_period')
    .values({
      code: period.code,
      starts_on: period.startsOn,
      ends_on: period.endsOn,
      status: 'calculated',
      calculated_at: at,
      closed_at: null,
      closed_by: null,
    })
    .execute();
}

/** Opens a period that has no row yet (where corrections of closed periods are posted). */
export async function openPeriod(db: Kysely<CompensationDB>, period: PeriodRef): Promise<void> {
  await db
    .insertInto('production_period')
    .values({
      code: period.code,
      starts_on: period.startsOn,
      ends_on: period.endsOn,
      status: 'open',
      calculated_at: null,
      closed_at: null,
      closed_by: null,
    })
    .execute();
}

/**
 * Closes a calculated period; answers false when it is not calculated (any more), so the caller,
 * holding the period's lock, never reports "closed" for anything else.
 */
export async function markPeriodClosed(
  db: Kysely<CompensationDB>,
  periodCode: string,
  at: Date,
  closedBy: string,
): Promise<boolean> {
  const closed = await db
    .updateTable('production_period')
    .set({ status: 'closed', closed_at: at, closed_by: closedBy })
    .where('code', '=', periodCode)
    .where('status', '=', 'calculated')
    .executeTakeFirst();
  return Number(closed.numUpdatedRows) === 1;
}
