/** Bulk look-ups of what mapped records refer to: products, consultants, policies, persons. */
import type { CanonicalPerson } from '../canonical';
import type { Kysely } from 'kysely';
import type { DB, PolicyVersionTable } from '../../db';
import { type ApplyContext, chunks, inList, LOOKUP_BATCH } from './context';

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

/** The unique index that makes a tax number one person (migration 0511). */
const PERSON_IDENTITY = { columns: ['tax_number'], index: 'person_tax_number_uq' };

function personKey(p: CanonicalPerson): string {
  return p.taxNumber ? `tax:${p.taxNumber}` : `name:${p.fullName}|${p.birthDate ?? ''}`;
}

/** Finds each person by tax number (or name and birth date when there is none), creating the missing. */
export async function ensurePersons(
  ctx: ApplyContext,
  persons: CanonicalPerson[],
): Promise<Map<string, number>> {
  const unique = new Map(persons.map((p) => [personKey(p), p]));
  const ids = new Map<string, number>();
  const withTax = [...unique.values()].filter((p) => p.taxNumber);
  for (const part of chunks(
    withTax.map((p) => p.taxNumber!),
    LOOKUP_BATCH,
  )) {
    const rows = await ctx.trx
      .selectFrom('person')
      .select(['id', 'tax_number'])
      .where((eb) => inList(eb, 'tax_number', part))
      .orderBy('id')
      .execute();
    for (const r of rows) if (!ids.has(`tax:${r.tax_number}`)) ids.set(`tax:${r.tax_number}`, Number(r.id));
  }
  for (const p of unique.values()) {
    if (p.taxNumber) continue;
    let query = ctx.trx
      .selectFrom('person')
      .select('id')
      .where('full_name', '=', p.fullName)
      .where('tax_number', 'is', null);
    query = p.birthDate ? query.where('birth_date', '=', p.birthDate) : query.where('birth_date', 'is', null);
    const row = await query.executeTakeFirst();
    if (row) ids.set(personKey(p), Number(row.id));
  }
  const missing = [...unique].filter(([key]) => !ids.has(key));
  const row = (p: CanonicalPerson) => ({
    person_kind: p.kind,
    full_name: p.fullName,
    tax_number: p.taxNumber,
    company_code: null,
    birth_date: p.birthDate,
    created_at: ctx.recordedAt,
  });
  // A tax number is one person, held by a unique index: another worker may be inserting the same
  // person right now, so its row is left out here and found by the look-up after (sorted, so that two
  // workers take the same tax numbers in the same order and do not deadlock).
  const missingTax = missing
    .map(([, p]) => p)
    .filter((p) => p.taxNumber)
    .sort((a, b) => (a.taxNumber! < b.taxNumber! ? -1 : a.taxNumber! > b.taxNumber! ? 1 : 0));
  for (const part of chunks(missingTax, LOOKUP_BATCH)) {
    await ctx.dialect.insertIgnoringDuplicates(ctx.trx, 'person', part.map(row), PERSON_IDENTITY);
    const taxNumbers = part.map((p) => p.taxNumber!);
    const rows = await ctx.trx
      .selectFrom('person')
      .select(['id', 'tax_number'])
      .where((eb) => inList(eb, 'tax_number', taxNumbers))
      .execute();
    for (const r of rows) ids.set(`tax:${r.tax_number}`, Number(r.id));
  }
  const missingNamed = missing.filter(([, p]) => !p.taxNumber);
  for (const part of chunks(missingNamed, LOOKUP_BATCH)) {
    await ctx.dialect.bulkInsert(
      ctx.trx,
      'person',
      part.map(([, p]) => row(p)),
    );
    for (const [key, p] of part) {
      let query = ctx.trx
        .selectFrom('person')
        .select('id')
        .where('full_name', '=', p.fullName)
        .where('tax_number', 'is', null);
      query = p.birthDate
        ? query.where('birth_date', '=', p.birthDate)
        : query.where('birth_date', 'is', null);
      const found = await query.orderBy('id', 'desc').executeTakeFirstOrThrow();
      ids.set(key, Number(found.id));
    }
  }
  return ids;
}

export { personKey };

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
