/**
 * Bulk look-ups of what mapped records refer to: products, consultants, policies. Persons are found
 * or added by src/policy-records (ensurePersons), their one writer.
 */
import type { Kysely } from 'kysely';
import type { DB, PolicyVersionTable } from '../../db';
import { type ApplyContext, chunks, inList, LOOKUP_BATCH } from './context';
import { consultantsByAlias } from '../reconciliation/aliases';

export interface ProductRef {
  id: number;
  firstYearRatePct: string | null;
  renewalRatePct: string | null;
}

const productCache = new WeakMap<ApplyContext, Map<string, ProductRef>>();

/** The insurer's products by code, read once per apply. */
export async function productsOf(ctx: ApplyContext): Promise<Map<string, ProductRef>> {
  let products = productCache.get(ctx);
  if (!products) {
    const rows = await ctx.trx
      .selectFrom('product')
      .select(['id', 'code', 'first_year_rate_pct', 'renewal_rate_pct'])
      .where('insurer_id', '=', ctx.insurerId)
      .execute();
    products = new Map(
      rows.map((r) => [
        r.code,
        { id: Number(r.id), firstYearRatePct: r.first_year_rate_pct, renewalRatePct: r.renewal_rate_pct },
      ]),
    );
    productCache.set(ctx, products);
  }
  return products;
}

/** Consultant ids by code (null: unknown) already looked up in this apply; a long file names the same
 * few thousand consultants again and again. */
const consultantCache = new WeakMap<ApplyContext, Map<string, number | null>>();

export async function consultantsByCode(
  ctx: ApplyContext,
  codes: Iterable<string>,
): Promise<Map<string, number>> {
  let cache = consultantCache.get(ctx);
  if (!cache) consultantCache.set(ctx, (cache = new Map()));
  const wanted = new Set(codes);
  const missing = [...wanted].filter((code) => !cache.has(code));
  for (const part of chunks(missing, LOOKUP_BATCH)) {
    const rows = await ctx.trx
      .selectFrom('consultant')
      .select(['id', 'code'])
      .where((eb) => inList(eb, 'code', part))
      .execute();
    for (const code of part) cache.set(code, null);
    for (const r of rows) cache.set(r.code, Number(r.id));
    // A code we do not hold may be an alias a person added while reconciling (agent_code_alias).
    const unknown = part.filter((code) => cache.get(code) === null);
    if (unknown.length)
      for (const [code, id] of await consultantsByAlias(ctx.trx, ctx.insurerId, unknown)) cache.set(code, id);
  }
  const found = new Map<string, number>();
  for (const code of wanted) {
    const id = cache.get(code);
    if (id !== null && id !== undefined) found.set(code, id);
  }
  return found;
}

export async function policiesByNumber(
  ctx: ApplyContext,
  numbers: Iterable<string>,
): Promise<Map<string, { id: number; productId: number }>> {
  const found = new Map<string, { id: number; productId: number }>();
  for (const part of chunks([...new Set(numbers)], LOOKUP_BATCH)) {
    if (!part.length) continue;
    const rows = await ctx.trx
      .selectFrom('policy')
      .select(['id', 'number', 'product_id'])
      .where('insurer_id', '=', ctx.insurerId)
      .where((eb) => inList(eb, 'number', part))
      .execute();
    for (const r of rows) found.set(r.number, { id: Number(r.id), productId: Number(r.product_id) });
  }
  return found;
}

export type VersionRow = Omit<PolicyVersionTable, 'id'> & { id: number };

/** Every version of the given policies, by policy, in the order they were recorded. */
export async function versionsOf(ctx: ApplyContext, policyIds: number[]): Promise<Map<number, VersionRow[]>> {
  const byPolicy = new Map<number, VersionRow[]>();
  for (const part of chunks(policyIds, LOOKUP_BATCH)) {
    if (!part.length) continue;
    const rows = await ctx.trx
      .selectFrom('policy_version')
      .selectAll()
      .where((eb) => inList(eb, 'policy_id', part))
      .orderBy('version_no')
      .execute();
    for (const r of rows) {
      const policyId = Number(r.policy_id);
      if (!byPolicy.has(policyId)) byPolicy.set(policyId, []);
      byPolicy.get(policyId)!.push({ ...r, id: Number(r.id), policy_id: policyId } as VersionRow);
    }
  }
  return byPolicy;
}

/** The version in force on `date`: latest valid_from on or before it, then the highest version_no. */
export function versionInForce(versions: VersionRow[], date: string): VersionRow | null {
  let best: VersionRow | null = null;
  for (const v of versions) {
    if (v.valid_from > date) continue;
    if (
      !best ||
      v.valid_from > best.valid_from ||
      (v.valid_from === best.valid_from && v.version_no > best.version_no)
    )
      best = v;
  }
  return best;
}

/**
 * When each stored message's content became known: its receipt, or for a replay the receipt of the
 * message it replays (followed back to the first delivery).
 */
export async function knowledgeTimes(
  db: Kysely<DB>,
  messageIds: Iterable<number>,
): Promise<Map<number, Date>> {
  const times = new Map<number, Date>();
  const origin = new Map<number, number>();
  let wanted = [...new Set(messageIds)];
  for (const id of wanted) origin.set(id, id);
  for (let depth = 0; depth < 10 && wanted.length; depth++) {
    const next: number[] = [];
    for (const part of chunks(wanted, LOOKUP_BATCH)) {
      const rows = await db
        .selectFrom('exchange_message')
        .select(['id', 'received_at', 'replay_of_id'])
        .where((eb) => inList(eb, 'id', part))
        .execute();
      for (const r of rows) {
        const id = Number(r.id);
        for (const [start, at] of origin) {
          if (at !== id) continue;
          const known = new Date(r.received_at);
          const before = times.get(start);
          if (!before || known < before) times.set(start, known);
          if (r.replay_of_id !== null) origin.set(start, Number(r.replay_of_id));
        }
        if (r.replay_of_id !== null) next.push(Number(r.replay_of_id));
      }
    }
    wanted = [...new Set(next)];
  }
  return times;
}
