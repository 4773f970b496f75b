/**
 * Bitemporal history: what was true in the business (valid_from/valid_to) and when we knew it
 * (recorded_at/superseded_at). A change never overwrites a row's facts: the rows it contradicts are
 * closed as knowledge (superseded_at) and what still holds of them is recorded again beside the new
 * fact, so "as of date D, as known at K" can be answered for any D and K.
 */
import type { Kysely } from 'kysely';
import type { DB, IsoDate } from './schema';

/** valid_to of a fact that holds until further notice. */
export const OPEN_END: IsoDate = '9999-12-31';
/** superseded_at of a row that is current knowledge. */
export const STILL_KNOWN = new Date('9999-12-31T00:00:00.000Z');

export type BitemporalTableName =
  | 'consultant_sponsor'
  | 'consultant_unit'
  | 'consultant_career'
  | 'consultant_activity_status'
  | 'unit_structure';

export interface BitemporalChange {
  /** First day the new fact holds. */
  validFrom: IsoDate;
  /** First day it no longer holds; open-ended by default. */
  validTo?: IsoDate;
  /** When the change is entered (the knowledge time). */
  recordedAt: Date;
  recordedBy: string;
  reason?: string | null;
}

/**
 * Records `values` for the entity (`keyColumn` = `keyValue`) over [validFrom, validTo) as known
 * from `recordedAt`. Returns the rows of earlier knowledge that the change superseded.
 */
export async function recordBitemporal(
  trx: Kysely<DB>,
  table: BitemporalTableName,
  keyColumn: 'consultant_id' | 'unit_id',
  keyValue: number,
  values: Record<string, unknown>,
  change: BitemporalChange,
): Promise<Record<string, unknown>[]> {
  const db = trx as unknown as Kysely<any>;
  const validTo = change.validTo ?? OPEN_END;
  if (validTo <= change.validFrom)
    throw new RangeError(`valid from ${change.validFrom} must be before ${validTo}`);
  const overlapping: Record<string, unknown>[] = await db
    .selectFrom(table)
    .selectAll()
    .where(keyColumn, '=', keyValue)
    .where('superseded_at', '=', STILL_KNOWN)
    .where('valid_from', '<', validTo)
    .where('valid_to', '>', change.validFrom)
    .execute();
  const now = { recorded_at: change.recordedAt, superseded_at: STILL_KNOWN };
  for (const row of overlapping) {
    await db.updateTable(table).set({ superseded_at: change.recordedAt }).where('id', '=', row.id).execute();
    const { id: _id, ...facts } = row;
    if ((row.valid_from as string) < change.validFrom) {
      await db
        .insertInto(table)
        .values({ ...facts, ...now, valid_to: change.validFrom })
        .execute();
    }
    if ((row.valid_to as string) > validTo) {
      await db
        .insertInto(table)
        .values({ ...facts, ...now, valid_from: validTo })
        .execute();
    }
  }
  await db
    .insertInto(table)
    .values({
      [keyColumn]: keyValue,
      ...values,
      valid_from: change.validFrom,
      valid_to: validTo,
      ...now,
      recorded_by: change.recordedBy,
      reason: change.reason ?? null,
    })
    .execute();
  return overlapping;
}

/** Narrows a bitemporal table (aliased) to the facts true on `date` as known at `knownAt`. */
export function asOf<QB extends { where: (...args: any[]) => QB }>(
  qb: QB,
  alias: string,
  date: IsoDate,
  knownAt: Date,
): QB {
  return qb
    .where(`${alias}.valid_from`, '<=', date)
    .where(`${alias}.valid_to`, '>', date)
    .where(`${alias}.recorded_at`, '<=', knownAt)
    .where(`${alias}.superseded_at`, '>', knownAt);
}
