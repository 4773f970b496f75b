/** What every write of this module runs in: the caller's transaction and the engine's dialect. */
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { DB, SqlDialect } from '../db';

export interface Writer {
  /** The caller's transaction: the write is part of its all-or-nothing. */
  trx: Kysely<DB>;
  dialect: SqlDialect;
}

/** Ids or keys per statement: Oracle takes at most 1000 items in one IN list. */
export const ID_BATCH = 1000;

export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** `column in (…)` for a list of any length: `(column in (…1000) or column in (…))`. */
export function inList(
  eb: ExpressionBuilder<any, any>,
  column: string,
  values: readonly unknown[],
): Expression<SqlBool> {
  if (values.length <= ID_BATCH) return eb(column, 'in', values as unknown[]);
  const parts: Expression<SqlBool>[] = [];
  for (const part of chunks(values, ID_BATCH)) parts.push(eb(column, 'in', part as unknown[]));
  return eb.or(parts);
}
