/**
 * What every report shares: the filters resolved into ids, the caller's scope, and the SQL pieces
 * that read the bitemporal history "as of D, as known at K": the consultants with their unit and
 * level on D, and each policy's state on D as known at K.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, DB } from '../../src/db';
import type { ConsultantScope } from '../network';
import { ReportError, type ReportFilters, type ResolvedFilters, resolveFilters } from './report';

export interface ReportContext {
  database: Database;
  db: Kysely<DB>;
  f: ResolvedFilters;
  knownAt: Date;
  /** Whether the report is "as known now" (no K given, or K not before now): the summary may answer. */
  current: boolean;
  /** The units the report is narrowed to (a unit filter with its sub-units, a manager's scope), or null: all. */
  unitIds: number[] | null;
  insurerId: number | null;
  productId: number | null;
  /** Whether the consultants are narrowed (units or level), so that facts without a consultant drop out. */
  narrowed: boolean;
  units: Map<number, { code: string; name: string }>;
  insurers: Map<number, { code: string; name: string }>;
  products: Map<number, { code: string; name: string; insurerId: number }>;
}

/** The units below `root` (itself included) on D as known at K. */
async function unitTree(db: Kysely<DB>, root: number, date: string, knownAt: Date): Promise<number[]> {
  const rows = await sql<{ unit_id: number; parent_unit_id: number | null }>`
    select "unit_id", "parent_unit_id" from "unit_structure"
    where "valid_from" <= ${date} and "valid_to" > ${date} and "recorded_at" <= ${knownAt} and "superseded_at" > ${knownAt}`.execute(
    db,
  );
  const children = new Map<number, number[]>();
  for (const r of rows.rows) {
    if (r.parent_unit_id === null) continue;
    const list = children.get(Number(r.parent_unit_id)) ?? [];
    list.push(Number(r.unit_id));
    children.set(Number(r.parent_unit_id), list);
  }
  const out: number[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length) {
    const u = stack.pop()!;
    if (seen.has(u)) continue;
    seen.add(u);
    out.push(u);
    stack.push(...(children.get(u) ?? []));
  }
  return out;
}

export async function reportContext(
  database: Database,
  filters: ReportFilters,
  scope: ConsultantScope | null,
): Promise<ReportContext> {
  const f = resolveFilters(filters);
  const knownAt = new Date(f.knownAt);
  const db = database.db as Kysely<DB>;
  const [unitRows, insurerRows, productRows] = await Promise.all([
    db.selectFrom('unit').select(['id', 'code', 'name']).execute(),
    db.selectFrom('insurer').select(['id', 'code', 'name']).execute(),
    db.selectFrom('product').select(['id', 'code', 'name', 'insurer_id']).execute(),
  ]);
  const units = new Map(unitRows.map((u) => [Number(u.id), { code: u.code, name: u.name }]));
  const insurers = new Map(insurerRows.map((i) => [Number(i.id), { code: i.code, name: i.name }]));
  const products = new Map(
    productRows.map((p) => [Number(p.id), { code: p.code, name: p.name, insurerId: Number(p.insurer_id) }]),
  );
  let unitIds: number[] | null = null;
  if (f.unit) {
    const unit = unitRows.find((u) => u.code === f.unit);
    if (!unit) throw new ReportError('not_found', `no unit ${f.unit}`);
    unitIds = await unitTree(db, Number(unit.id), f.asOf, knownAt);
  }
  if (scope) {
    if (scope.kind !== 'units')
      throw new ReportError('forbidden', 'management reports are not for consultants');
    // A manager: their unit tree (today's scope); a unit outside it is refused as if it did not exist.
    if (unitIds === null) unitIds = [...scope.unitIds];
    else {
      if (!scope.unitIds.has(unitIds[0])) throw new ReportError('not_found', `no unit ${f.unit}`);
      unitIds = unitIds.filter((u) => scope.unitIds.has(u));
    }
  }
  let insurerId: number | null = null;
  if (f.insurer) {
    const insurer = insurerRows.find((i) => i.code === f.insurer);
    if (!insurer) throw new ReportError('not_found', `no insurer ${f.insurer}`);
    insurerId = Number(insurer.id);
  }
  let productId: number | null = null;
  if (f.product) {
    const product = productRows.find(
      (p) => p.code === f.product && (insurerId === null || Number(p.insurer_id) === insurerId),
    );
    if (!product) throw new ReportError('not_found', `no product ${f.product}`);
    productId = Number(product.id);
  }
  if (f.level) {
    const level = await db
      .selectFrom('career_level')
      .select('code')
      .where('code', '=', f.level)
      .executeTakeFirst();
    if (!level) throw new ReportError('not_found', `no career level ${f.level}`);
  }
  return {
    database,
    db,
    f,
    knownAt,
    current: !filters.knownAt || filters.knownAt.getTime() >= Date.now(),
    unitIds,
    insurerId,
    productId,
    narrowed: unitIds !== null || f.level !== null,
    units,
    insurers,
    products,
  };
}

const inList = (ids: number[]): RawBuilder<unknown> =>
  ids.length ? sql`(${sql.join(ids.map((id) => sql`${id}`))})` : sql`(null)`;

/** A bitemporal row (alias) true on D as known at K. */
export function asOfSql(alias: string, ctx: ReportContext, date: string = ctx.f.asOf): RawBuilder<unknown> {
  const a = sql.ref(alias);
  return sql`${a}."valid_from" <= ${date} and ${a}."valid_to" > ${date} and ${a}."recorded_at" <= ${ctx.knownAt} and ${a}."superseded_at" > ${ctx.knownAt}`;
}

/**
 * The consultants with their unit and level on D as known at K (consultant_id, code, full_name,
 * hired_on, terminated_on, unit_id, level_code), narrowed by the unit and level filters. `offset 0
 * rows` (valid on both engines) keeps PostgreSQL from flattening it into a join with the policies,
 * whose count after DISTINCT ON it underestimates a hundredfold, and then looking up every
 * policy's consultant's unit and level one by one: computed apart, it is hashed once.
 */
export function dimSql(ctx: ReportContext): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (ctx.unitIds !== null) where.push(sql`"cu"."unit_id" in ${inList(ctx.unitIds)}`);
  if (ctx.f.level) where.push(sql`"cc"."level_code" = ${ctx.f.level}`);
  return sql`select "c"."id" as "consultant_id", "c"."code", "c"."full_name", "c"."hired_on", "c"."terminated_on", "cu"."unit_id", "cc"."level_code"
    from "consultant" "c"
    left join "consultant_unit" "cu" on "cu"."consultant_id" = "c"."id" and ${asOfSql('cu', ctx)}
    left join "consultant_career" "cc" on "cc"."consultant_id" = "c"."id" and ${asOfSql('cc', ctx)}
    where ${sql.join(where, sql` and `)}
    offset 0 rows`;
}

/**
 * Each policy on D as known at K (policy_id, insurer_id, product_id, consultant_id, unit_id,
 * issued_on, annual_premium, status): the version with the latest valid_from on or before D among
 * those recorded by K, the highest version_no among equals (migrations/0001_core.ts).
 */
export function policiesSql(ctx: ReportContext): RawBuilder<unknown> {
  const where: RawBuilder<unknown>[] = [sql`1 = 1`];
  if (ctx.insurerId !== null) where.push(sql`"p"."insurer_id" = ${ctx.insurerId}`);
  if (ctx.productId !== null) where.push(sql`"p"."product_id" = ${ctx.productId}`);
  if (ctx.narrowed) where.push(sql`"d"."consultant_id" is not null`);
  return sql`select "p"."id" as "policy_id", "p"."insurer_id", "p"."product_id", "pv"."consultant_id", "d"."unit_id", "d"."code" as "consultant_code",
      "pv"."issued_on", "pv"."annual_premium", "pv"."status"
    from "policy" "p"
    join (${latestVersionsSql(ctx.database, ctx.f.asOf, ctx.knownAt)}) "pv" on "pv"."policy_id" = "p"."id"
    left join (${dimSql(ctx)}) "d" on "d"."consultant_id" = "pv"."consultant_id"
    where ${sql.join(where, sql` and `)}`;
}

/**
 * Each policy's version on `asOf` as known at `knownAt` (the latest valid_from on or before D among
 * those recorded by K, the highest version_no among equals): DISTINCT ON on PostgreSQL, ROW_NUMBER
 * on Oracle.
 */
export function latestVersionsSql(database: Database, asOf: string, knownAt: Date | null = null) {
  const bound =
    knownAt === null
      ? sql`"v"."valid_from" <= ${asOf}`
      : sql`"v"."valid_from" <= ${asOf} and "v"."recorded_at" <= ${knownAt}`;
  if (database.dialect.isOracle)
    return sql`select "policy_id", "consultant_id", "issued_on", "annual_premium", "status"
      from (select "v"."policy_id", "v"."consultant_id", "v"."issued_on", "v"."annual_premium", "v"."status",
              row_number() over (partition by "v"."policy_id" order by "v"."valid_from" desc, "v"."version_no" desc) as "rn"
            from "policy_version" "v" where ${bound}) "ranked"
      where "rn" = 1`;
  return sql`select distinct on ("v"."policy_id") "v"."policy_id", "v"."consultant_id", "v"."issued_on", "v"."annual_premium", "v"."status"
    from "policy_version" "v" where ${bound}
    order by "v"."policy_id", "v"."valid_from" desc, "v"."version_no" desc`;
}

/** The earlier of two dates. */
export const minDate = (a: string, b: string) => (a < b ? a : b);

export const unitLabel = (ctx: ReportContext, id: unknown) =>
  id === null || id === undefined ? '—' : (ctx.units.get(Number(id))?.code ?? String(id));
export const insurerLabel = (ctx: ReportContext, id: unknown) =>
  id === null || id === undefined ? '—' : (ctx.insurers.get(Number(id))?.code ?? String(id));
export const productLabel = (ctx: ReportContext, id: unknown) =>
  id === null || id === undefined ? '—' : (ctx.products.get(Number(id))?.code ?? String(id));
