/**
 * Acts of a closed period: issued from its ledger (the period's own lines and the storno/additional
 * lines of earlier periods posted in it), then checked against the ledger (the acts sum to it).
 */
import {
  type ActsProgress,
  checkActsAgainstLedger,
  issuePeriodActs,
  type IssueActOptions,
  type LedgerCheck,
  type PeriodIssue,
} from '../acts';
import { type Database, inTransaction } from '../../src/db';
import { ensurePeriodLocks, lockPeriods } from '../compensation';

export class ActsRefusedError extends Error {
  readonly statusCode = 409;
  constructor(message: string) {
    super(message);
    this.name = 'ActsRefusedError';
  }
}

/** Why a period that is not closed has no acts yet, in words a person acts on. */
export function actsNotClosed(period: string, status: string | undefined): ActsRefusedError {
  return new ActsRefusedError(
    `period ${period} is ${status ?? 'unknown'}: acts are produced for closed periods only (its amounts are final then)`,
  );
}

export interface PeriodActs extends PeriodIssue {
  check: LedgerCheck;
}

/** Refuses a period that is not closed; `onProgress` hears each act issued, then the check. */
export async function producePeriodActs(
  database: Database,
  period: string,
  options: IssueActOptions,
  onProgress?: ActsProgress,
): Promise<PeriodActs> {
  // Waits for a close (or anything else changing the period) to commit before looking. Once
  // closed, a period's ledger never changes again (calculations are refused, corrections go into
  // the open period), so the acts need not hold the lock while they are issued; two producers of
  // one period cannot double an act either: each act is unique per consultant and period, taken
  // under the year's number lock (back-office/acts/repository.ts).
  await ensurePeriodLocks(database, [period]);
  const row = await inTransaction(database, async (tx) => {
    await lockPeriods(tx, [period]);
    return tx.db
      .selectFrom('production_period')
      .select('status')
      .where('code', '=', period)
      .executeTakeFirst();
  });
  if (row?.status !== 'closed') throw actsNotClosed(period, row?.status);
  const issue = await issuePeriodActs(database, period, options, onProgress);
  const total = issue.issued.length + issue.alreadyIssued.length;
  onProgress?.('checking', total, total);
  const check = await checkActsAgainstLedger(database, period);
  return { ...issue, check };
}
