/**
 * Changes that reach into calculated or closed periods, recorded with their effective dates together
 * with the recalculation requests they raise, in one transaction: manual career changes (mission §9:
 * reason, author and a second person's approval), sponsor and unit changes, and any other change a
 * caller describes (a late payment, an amendment, a cancellation, a change of consultant on a
 * policy), for which the exchange raises the same requests itself (src/exchange/apply).
 */
import type { Kysely } from 'kysely';
import { type Database, type DB, inTransaction, type IsoDate } from '../../src/db';
import {
  closedPeriodOf,
  type RecalculationCause,
  requestRecalculation as raiseRecalculationRequests,
} from '../../src/recalculation-requests';
import { changeSponsor, changeUnit, recordCareerChange } from '../network';

export class ChangeRefusedError extends Error {
  readonly statusCode = 422;
  constructor(message: string) {
    super(message);
    this.name = 'ChangeRefusedError';
  }
}

export type { RecalculationCause };

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/**
 * Raises a request for every calculated or closed period the change reaches (its effective day or
 * later), once per period and cause; answers the periods asked for. The requests' one writer is
 * src/recalculation-requests; this checks the date a person gave first.
 */
export async function requestRecalculation(
  db: Kysely<DB>,
  cause: RecalculationCause,
  at: Date = new Date(),
): Promise<string[]> {
  if (!DATE.test(cause.effectiveOn))
    throw new ChangeRefusedError(`effectiveOn '${cause.effectiveOn}' is not yyyy-mm-dd`);
  return raiseRecalculationRequests(db, cause, at);
}

async function consultantByCode(db: Kysely<DB>, code: string) {
  const row = await db
    .selectFrom('consultant')
    .select(['id', 'code'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (!row) throw new ChangeRefusedError(`consultant '${code}' is not known`);
  return { id: Number(row.id), code: row.code };
}

export { closedPeriodOf };

/**
 * Inside a closed period a change is applied only with a second person's approval: `approvedBy` is
 * given by the approval flow (./approvals.ts) from the approver's session, never by a client.
 */
async function requireApproval(
  db: Kysely<DB>,
  change: { validFrom: string; recordedBy: string; approvedBy?: string | null },
  what: string,
): Promise<void> {
  const closed = await closedPeriodOf(db, change.validFrom);
  if (closed && !change.approvedBy?.trim())
    throw new ChangeRefusedError(
      `the change starts on ${change.validFrom}, inside closed period ${closed}: it needs an approval by a second person (it is kept as a change request for another user to approve)`,
    );
  if (change.approvedBy && change.approvedBy === change.recordedBy)
    throw new ChangeRefusedError(`${change.recordedBy} cannot approve their own ${what}`);
}

export interface ManualCareerChange {
  consultantCode: string;
  levelCode: string;
  validFrom: IsoDate;
  /** First day it no longer holds; open-ended by default. */
  validTo?: IsoDate;
  reason: string;
  recordedBy: string;
  /**
   * Required when the change starts inside a closed period; another person than recordedBy. Only
   * the approval flow (./approvals.ts) gives it, from the approver's session.
   */
  approvedBy?: string | null;
  recordedAt?: Date;
}

export interface RecordedChange {
  consultantId: number;
  causeRef: string;
  /** The calculated and closed periods now waiting for recalculation. */
  requestedPeriods: string[];
}

/**
 * A manual career change, kept in the career history (source 'manual', who, why, who approved), and
 * the recalculation requests from its effective date.
 */
export async function recordManualCareerChange(
  database: Database,
  change: ManualCareerChange,
): Promise<RecordedChange> {
  if (!DATE.test(change.validFrom))
    throw new ChangeRefusedError(`validFrom '${change.validFrom}' is not yyyy-mm-dd`);
  if (!change.reason?.trim()) throw new ChangeRefusedError('a manual career change needs a reason');
  if (!change.recordedBy?.trim())
    throw new ChangeRefusedError('a manual career change needs its author (recordedBy)');
  const at = change.recordedAt ?? new Date();
  return inTransaction(database, async (tx) => {
    const db = tx.db as Kysely<DB>;
    const consultant = await consultantByCode(db, change.consultantCode);
    const level = await db
      .selectFrom('career_level')
      .select('code')
      .where('code', '=', change.levelCode)
      .executeTakeFirst();
    if (!level) throw new ChangeRefusedError(`career level '${change.levelCode}' is not known`);
    await requireApproval(db, change, 'career change');
    await recordCareerChange(tx, consultant.id, {
      levelCode: change.levelCode,
      source: 'manual',
      approvedBy: change.approvedBy ?? null,
      validFrom: change.validFrom,
      validTo: change.validTo,
      recordedAt: at,
      recordedBy: change.recordedBy,
      reason: change.reason,
    });
    const causeRef = `career:${consultant.id}:${at.toISOString()}`;
    const requestedPeriods = await requestRecalculation(
      db,
      {
        effectiveOn: change.validFrom,
        causeKind: 'career_change',
        causeRef,
        description: `ручна зміна кар'єри ${consultant.code}: ${change.levelCode} з ${change.validFrom}${change.validTo ? ` до ${change.validTo}` : ''} (${change.reason}; вніс ${change.recordedBy}${change.approvedBy ? `, погодив ${change.approvedBy}` : ''})`,
      },
      at,
    );
    return { consultantId: consultant.id, causeRef, requestedPeriods };
  });
}

export interface SponsorChange {
  consultantCode: string;
  /** The new sponsor's code; null puts the consultant at the top of the network. */
  sponsorCode: string | null;
  validFrom: IsoDate;
  validTo?: IsoDate;
  reason: string;
  recordedBy: string;
  /** Who approved a change reaching into a closed period (another person; from the approval flow). */
  approvedBy?: string | null;
  recordedAt?: Date;
}

/** Moves a consultant under another sponsor from a date (refused if the network would loop). */
export async function recordSponsorChange(
  database: Database,
  change: SponsorChange,
): Promise<RecordedChange> {
  if (!DATE.test(change.validFrom))
    throw new ChangeRefusedError(`validFrom '${change.validFrom}' is not yyyy-mm-dd`);
  if (!change.reason?.trim()) throw new ChangeRefusedError('a sponsor change needs a reason');
  if (!change.recordedBy?.trim())
    throw new ChangeRefusedError('a sponsor change needs its author (recordedBy)');
  const at = change.recordedAt ?? new Date();
  return inTransaction(database, async (tx) => {
    const db = tx.db as Kysely<DB>;
    const consultant = await consultantByCode(db, change.consultantCode);
    const sponsor = change.sponsorCode === null ? null : await consultantByCode(db, change.sponsorCode);
    await requireApproval(db, change, 'sponsor change');
    await changeSponsor(tx, consultant.id, sponsor?.id ?? null, {
      validFrom: change.validFrom,
      validTo: change.validTo,
      recordedAt: at,
      recordedBy: change.recordedBy,
      reason: change.reason,
    });
    const causeRef = `sponsor:${consultant.id}:${at.toISOString()}`;
    const requestedPeriods = await requestRecalculation(
      db,
      {
        effectiveOn: change.validFrom,
        causeKind: 'sponsor_change',
        causeRef,
        description: `зміна спонсора ${consultant.code}: ${sponsor?.code ?? 'без спонсора'} з ${change.validFrom} (${change.reason}; вніс ${change.recordedBy}${change.approvedBy ? `, погодив ${change.approvedBy}` : ''})`,
      },
      at,
    );
    return { consultantId: consultant.id, causeRef, requestedPeriods };
  });
}

export interface UnitChange {
  consultantCode: string;
  unitCode: string;
  validFrom: IsoDate;
  validTo?: IsoDate;
  reason: string;
  recordedBy: string;
  /** Who approved a change reaching into a closed period (another person; from the approval flow). */
  approvedBy?: string | null;
  recordedAt?: Date;
}

/** Moves a consultant to another unit from a date; periods it reaches are recalculated (plans may pay by unit). */
export async function recordUnitChange(database: Database, change: UnitChange): Promise<RecordedChange> {
  if (!DATE.test(change.validFrom))
    throw new ChangeRefusedError(`validFrom '${change.validFrom}' is not yyyy-mm-dd`);
  const at = change.recordedAt ?? new Date();
  return inTransaction(database, async (tx) => {
    const db = tx.db as Kysely<DB>;
    const consultant = await consultantByCode(db, change.consultantCode);
    const unit = await db
      .selectFrom('unit')
      .select(['id', 'code'])
      .where('code', '=', change.unitCode)
      .executeTakeFirst();
    if (!unit) throw new ChangeRefusedError(`unit '${change.unitCode}' is not known`);
    await requireApproval(db, change, 'unit change');
    await changeUnit(tx, consultant.id, Number(unit.id), {
      validFrom: change.validFrom,
      validTo: change.validTo,
      recordedAt: at,
      recordedBy: change.recordedBy,
      reason: change.reason,
    });
    const causeRef = `unit:${consultant.id}:${at.toISOString()}`;
    const requestedPeriods = await requestRecalculation(
      db,
      {
        effectiveOn: change.validFrom,
        causeKind: 'unit_change',
        causeRef,
        description: `зміна підрозділу ${consultant.code}: ${unit.code} з ${change.validFrom} (${change.reason}; вніс ${change.recordedBy}${change.approvedBy ? `, погодив ${change.approvedBy}` : ''})`,
      },
      at,
    );
    return { consultantId: consultant.id, causeRef, requestedPeriods };
  });
}
