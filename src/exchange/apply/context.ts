/**
 * What applying mapped records to the core needs: the transaction, who sent them, when, and from
 * which stored message; and what it reports back: rows it could not apply, and mismatches raised.
 */
import type { ExpressionBuilder, Expression, Kysely, SqlBool } from 'kysely';
import type { DB, RowIssueKind, SqlDialect } from '../../db';

export interface ApplyContext {
  /** The transaction everything of one message is applied in: all of it, or nothing. */
  trx: Kysely<DB>;
  dialect: SqlDialect;
  insurerId: number;
  insurerCode: string;
  /** The stored message the records came from (null for a manual entry). */
  messageId: number | null;
  /** The knowledge time of what is applied. */
  recordedAt: Date;
  /**
   * When the insurer told us what the records say: the message's receipt, or the original's for a
   * replay. Versions known from later messages are not overwritten by older news. Default recordedAt.
   */
  knownAt?: Date;
}

/** A record with the row (physical line or element number) it came from. */
export interface Located<T> {
  rowNo: number;
  record: T;
}

/** A row that could not be applied, and why, in words a back-office person can act on. */
export interface RowProblem {
  rowNo: number;
  field: string | null;
  kind: RowIssueKind;
  message: string;
}

export interface ApplyOutcome {
  /** Records that changed the core. */
  applied: number;
  /** Records the core already held exactly (a re-delivery or a replay). */
  unchanged: number;
  problems: RowProblem[];
  mismatchesRaised: number;
  recalculationsRequested: number;
}

export function emptyOutcome(): ApplyOutcome {
  return { applied: 0, unchanged: 0, problems: [], mismatchesRaised: 0, recalculationsRequested: 0 };
}

export function mergeOutcomes(a: ApplyOutcome, b: ApplyOutcome): ApplyOutcome {
  return {
    applied: a.applied + b.applied,
    unchanged: a.unchanged + b.unchanged,
    problems: [...a.problems, ...b.problems],
    mismatchesRaised: a.mismatchesRaised + b.mismatchesRaised,
    recalculationsRequested: a.recalculationsRequested + b.recalculationsRequested,
  };
}

/** Splits work into chunks so that one query never carries more than a few thousand binds. */
export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Rows per look-up statement and per bulk insert: big enough that round trips stop mattering. */
export const LOOKUP_BATCH = 5000;

/**
 * `column in (…)` for a long list in one statement: Oracle refuses more than 1000 items in one IN
 * list, so longer lists become `(column in (…1000) or column in (…))`.
 */
export function inList(
  eb: ExpressionBuilder<any, any>,
  column: string,
  values: readonly unknown[],
): Expression<SqlBool> {
  if (values.length <= 1000) return eb(column, 'in', values as unknown[]);
  const parts: Expression<SqlBool>[] = [];
  for (let i = 0; i < values.length; i += 1000)
    parts.push(eb(column, 'in', values.slice(i, i + 1000) as unknown[]));
  return eb.or(parts);
}
