import { type Kysely, sql } from 'kysely';
import type { DB } from '../../src/db';

/** A refusal of a network change, naming the field at fault, so the API and the CLI can say which. */
export type NetworkRefusalKind = 'invalid' | 'not_found' | 'conflict';

const STATUS: Record<NetworkRefusalKind, number> = { invalid: 422, not_found: 404, conflict: 409 };

export class NetworkInputError extends Error {
  readonly statusCode: number;
  constructor(
    readonly kind: NetworkRefusalKind,
    /** The input field at fault, e.g. taxNumber or sponsorCode. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'NetworkInputError';
    this.statusCode = STATUS[kind];
  }
}

/** A unique key refused the row (PostgreSQL 23505, Oracle ORA-00001): two writers raced for one code. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (typeof e?.message === 'string' && e.message.includes('ORA-00001'));
}

/**
 * Serialises the writers of a tree (sponsor changes, unit moves) for the rest of the transaction, so
 * two changes that each look fine alone cannot together make a loop. Plain reads go on meanwhile
 * (EXCLUSIVE mode lets queries through on PostgreSQL and Oracle alike).
 */
export async function lockTreeForWriting(
  db: Kysely<DB>,
  table: 'consultant_sponsor' | 'unit_structure',
): Promise<void> {
  await sql`lock table ${sql.table(table)} in exclusive mode`.execute(db);
}

/** Everything recorded so far, for checks made under the lock (newer than any `recorded_at`). */
export const LATEST_KNOWLEDGE = new Date('9999-12-30T00:00:00.000Z');

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** Refuses a date that is not yyyy-mm-dd or not on the calendar (2026-02-31). */
export function requireDate(field: string, value: string): string {
  const d = new Date(`${value}T00:00:00Z`);
  if (!DATE.test(value) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value)
    throw new NetworkInputError('invalid', field, `'${value}' is not a date (yyyy-mm-dd)`);
  return value;
}

/** The RNOKPP check digit weights over the first nine digits. */
const TAX_WEIGHTS = [-1, 5, 7, 9, 4, 6, 10, 5, 7];

/**
 * Why a РНОКПП (individual tax number, 10 digits) is not valid, or null when it is: the tenth digit
 * is the weighted sum of the first nine (weights -1,5,7,9,4,6,10,5,7) mod 11, then mod 10.
 */
export function taxNumberProblem(taxNumber: string): string | null {
  if (!/^\d{10}$/.test(taxNumber)) return 'must be 10 digits';
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += TAX_WEIGHTS[i] * Number(taxNumber[i]);
  const check = (((sum % 11) + 11) % 11) % 10;
  if (check !== Number(taxNumber[9]))
    return `check digit ${taxNumber[9]} is wrong (the first nine digits give ${check})`;
  return null;
}
