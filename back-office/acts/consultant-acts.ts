/** A consultant's issued acts, for the consultant card: number, period, date and the net paid. */
import type { Database, IsoDate } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import { actsDb } from './repository';

export interface ActOfConsultant {
  number: string;
  periodCode: string;
  actDate: IsoDate;
  /** What was paid after withholding, kopiyky. */
  netKop: number;
}

/** The consultant's acts dated up to `throughDate`, by date and number. */
export async function actsOfConsultant(
  database: Database,
  consultantId: number,
  throughDate: IsoDate,
): Promise<ActOfConsultant[]> {
  const rows = await actsDb(database)
    .selectFrom('act')
    .select(['act_number', 'period_code', 'act_date', 'net'])
    .where('consultant_id', '=', consultantId)
    .where('act_date', '<=', throughDate)
    .orderBy('act_date')
    .orderBy('act_number')
    .execute();
  return rows.map((a) => ({
    number: a.act_number,
    periodCode: a.period_code,
    actDate: a.act_date,
    netKop: kopiykyFromDecimal(String(a.net)),
  }));
}
