/**
 * Reads that PostgreSQL plans once per connection instead of once per request.
 *
 * Kysely sends every statement unnamed, so PostgreSQL parses and plans it each time. For the API's
 * list and card reads planning costs more than running: the policies-by-consultant page plans in
 * 1.6 ms and runs in 0.3 ms on the benchmark's million policies (`bench/api-explain.ts`). Under 50
 * concurrent clients on two cores that planning is most of the database's CPU per request.
 *
 * A read (a statement starting with SELECT or WITH, with parameters) sent outside a transaction is
 * sent as a named prepared statement instead, its name a hash of its text, so each pooled
 * connection parses it once and PostgreSQL may switch to a generic plan after five runs (its own
 * cost rule, `plan_cache_mode = auto`). Only the first `limit` distinct texts of a connection are
 * prepared, so statements built with varying shapes (IN lists of any length) cannot grow the
 * server's memory without bound; the rest go unnamed as before.
 *
 * Outside a transaction only: a prepared statement whose table changed shape (a migration while the
 * server runs) fails with "cached plan must not change result type"; outside a transaction that
 * failure aborts nothing, so the statement is dropped and the read sent again unnamed. Inside one it
 * would abort the caller's transaction, so statements in transactions are never named.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

const READ = /^\s*(select|with)\b/i;
/** PostgreSQL's answers when a prepared statement no longer fits its tables, or is gone. */
const STALE_PLAN = new Set(['0A000', '26000']);

type Query = (...args: unknown[]) => unknown;
interface ClientInternals {
  /** 'I' idle, 'T' in a transaction, 'E' in a failed transaction (node-postgres, from ReadyForQuery). */
  _txStatus?: string | null;
  connection?: { parsedStatements?: Record<string, string> };
}

export function reusePlansForReads(client: pg.PoolClient | pg.Client, limit = 256): void {
  const query = client.query.bind(client) as Query;
  const internals = client as unknown as ClientInternals;
  const named = new Map<string, string>();
  (client as unknown as { query: Query }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (
      typeof config !== 'string' ||
      !Array.isArray(values) ||
      values.length === 0 ||
      callback !== undefined ||
      internals._txStatus !== 'I' ||
      !READ.test(config)
    )
      return query(config, values, callback);
    let name = named.get(config);
    if (name === undefined) {
      if (named.size >= limit) return query(config, values);
      name = `r${createHash('sha1').update(config).digest('base64url')}`;
      named.set(config, name);
    }
    const prepared = name;
    return (query({ name: prepared, text: config, values }) as Promise<unknown>).catch(
      async (error: unknown) => {
        const code = (error as { code?: string }).code;
        if (!code || !STALE_PLAN.has(code) || internals._txStatus !== 'I') throw error;
        named.delete(config);
        delete internals.connection?.parsedStatements?.[prepared];
        await (query(`deallocate "${prepared}"`) as Promise<unknown>).catch(() => undefined);
        return query(config, values);
      },
    );
  };
}
