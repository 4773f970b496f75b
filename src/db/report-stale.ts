/**
 * The marks that keep the management reports' summary (back-office/reports/summary.ts,
 * migrations/0790_report_summary.ts) equal to the detail: every writer of the detail the summary
 * counts (src/policy-records: applications, policy versions, payment calendars, premium payments)
 * calls markReportPeriods once per write, in its own transaction, naming the production periods
 * (yyyy-mm) its rows fall in, or the policies whose every period changes (a new version of a policy
 * may move its sale, its calendar and its payments to another consultant, product or premium). The
 * next report that reads a marked period rebuilds that period's summary from the detail first.
 * It lives here, at the bottom, because src/ may not import the back office.
 */
import { type Kysely, sql } from 'kysely';
import type { SqlDialect } from './sql-dialect';

/** A date (yyyy-mm-dd or a Date) as its production period, yyyy-mm. */
function periodOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().slice(0, 7);
  const text = String(value);
  return /^\d{4}-\d{2}/.test(text) ? text.slice(0, 7) : null;
}

/** Oracle takes at most 1000 items in one IN list. */
const BATCH = 1000;

/**
 * Marks the summary's periods stale in the caller's transaction: those of `dates` and, for
 * `policyIds`, every period the policies' versions, calendar and payments fall in (as stored now,
 * so call it before and after a change that moves them, or after an insert that only adds).
 */
export async function markReportPeriods(
  { trx, dialect }: { trx: Kysely<any>; dialect: SqlDialect },
  change: { dates?: Iterable<unknown>; policyIds?: readonly number[] },
): Promise<void> {
  const periods = new Set<string>();
  for (const date of change.dates ?? []) {
    const period = periodOf(date);
    if (period) periods.add(period);
  }
  const ids = [...new Set(change.policyIds ?? [])];
  for (let i = 0; i < ids.length; i += BATCH) {
    const part = ids.slice(i, i + BATCH);
    const month = (column: string) => sql<string>`to_char(${sql.ref(column)}, 'YYYY-MM')`;
    const rows = await trx
      .selectFrom('policy_version')
      .select(month('issued_on').as('period'))
      .where('policy_id', 'in', part)
      .union(
        trx
          .selectFrom('premium_payment')
          .select(month('paid_on').as('period'))
          .where('policy_id', 'in', part),
      )
      .union(
        trx
          .selectFrom('payment_schedule')
          .select(month('due_on').as('period'))
          .where('policy_id', 'in', part),
      )
      .execute();
    for (const row of rows) if (row.period) periods.add(String(row.period));
  }
  if (!periods.size) return;
  const marked_at = new Date();
  const values = [...periods].sort().map((period_code) => ({ period_code, marked_at }));
  if (dialect.isOracle) {
    for (const row of values) await trx.insertInto('report_summary_stale').values(row).execute();
  } else await trx.insertInto('report_summary_stale').values(values).execute();
}
