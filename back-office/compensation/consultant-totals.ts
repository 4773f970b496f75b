/**
 * A consultant's posted accruals summed by period, for the consultant card: the lines of posted runs
 * only (a superseded run's lines stay in the ledger but no longer count), up to a period.
 */
import type { Database } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import { compensationDb } from './ledger';

export interface PeriodAccrualTotal {
  periodCode: string;
  /** The sum of the period's posted lines, kopiyky. */
  totalKop: number;
  lines: number;
}

/** The consultant's posted accruals per period up to `throughPeriod` (yyyy-mm), oldest first. */
export async function accrualTotalsOf(
  database: Database,
  consultantId: number,
  throughPeriod: string,
): Promise<PeriodAccrualTotal[]> {
  const rows = await compensationDb(database)
    .selectFrom('accrual as a')
    .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
    .select([
      'a.period_code',
      (eb) => eb.fn.sum<string>('a.amount').as('total'),
      (eb) => eb.fn.countAll().as('n'),
    ])
    .where('a.consultant_id', '=', consultantId)
    .where('r.status', '=', 'posted')
    .where('a.period_code', '<=', throughPeriod)
    .groupBy('a.period_code')
    .orderBy('a.period_code')
    .execute();
  return rows.map((a) => ({
    periodCode: a.period_code,
    totalKop: kopiykyFromDecimal(String(a.total)),
    lines: Number(a.n),
  }));
}
