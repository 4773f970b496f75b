/**
 * The management reports' summary (migrations/0790_report_summary.ts): per production period, unit,
 * career level, insurer and product, the applications signed, the policies issued and their premium
 * written, the premiums received and the premiums due by the calendar, so that sales and the
 * collections' flows over twelve periods of the whole network read a few thousand rows instead of
 * every policy, version, instalment and payment.
 *
 * It always equals the detail:
 * - the writers of the detail (src/policy-records, through src/db markReportPeriods) mark the
 *   periods they change stale in their own transaction; a period never built counts as stale;
 * - the policies' versions and the consultants' unit and level are those on the date the period was
 *   built for (`dims_as_of`): a report as of another date rebuilds it first if a version takes
 *   effect, or a unit or career fact begins or ends, between the two dates; and any period is
 *   rebuilt when the network's facts changed since its build (dimsStamp: the network's writers
 *   leave no marks);
 * - a report reading a stale period rebuilds it from the detail first, holding the row of
 *   `report_summary_lock`, so that two readers at once rebuild once (the second finds it fresh);
 *   the marks it read before the rebuild are deleted with it, a mark made meanwhile stays;
 * - it answers only a report "as known now" (no earlier K), as of a date D on or after the end
 *   of the range: otherwise the report reads the detail.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, inTransaction, STILL_KNOWN } from '../../src/db';
import { latestVersionsSql, type ReportContext } from './context';
import { periodsBetween } from './report';

/** One row of the summary as a report reads it: the levels added up, money in decimal text. */
export interface SummaryFact {
  period: string;
  unit_id: number | null;
  insurer_id: number | null;
  product_id: number | null;
  applications: number;
  policies: number;
  written: string;
  received: string;
  due: string;
  payments: number;
  instalments: number;
}

let detailOnly = false;

/**
 * Makes the reports read the detail (true) or the summary where it can answer (false, the
 * default); answers the previous setting. For tests that compare the two.
 */
export function readReportsFromDetail(on: boolean): boolean {
  const was = detailOnly;
  detailOnly = on;
  return was;
}

/** How many times this process rebuilt the summary, and how many periods in all. */
export const summaryRebuilds = { rebuilds: 0, periods: 0 };

/**
 * What the network's facts were when a build read them: the rows of consultant_unit and
 * consultant_career and how many of them are superseded. Those tables only grow and are changed
 * only by superseding a row (src/db/bitemporal.ts, back-office/network), so any change since,
 * also one recorded by a transaction that committed after the build started, changes the stamp.
 */
async function dimsStamp(database: Database): Promise<string> {
  const db = database.db as Kysely<any>;
  const parts: string[] = [];
  for (const table of ['consultant_unit', 'consultant_career']) {
    const row = await db
      .selectFrom(table)
      .select((eb) => [
        eb.fn.countAll().as('n'),
        eb.fn.sum(eb.case().when('superseded_at', '<', STILL_KNOWN).then(1).else(0).end()).as('s'),
      ])
      .executeTakeFirst();
    parts.push(`${Number(row?.n ?? 0)}/${Number(row?.s ?? 0)}`);
  }
  return parts.join(' ');
}

const q = (name: string) => sql.ref(name);

/** The consultants' unit and level on `date`, as known now. */
function dimsSql(date: string) {
  const now = STILL_KNOWN;
  const asOf = (alias: string) =>
    sql`${q(`${alias}.valid_from`)} <= ${date} and ${q(`${alias}.valid_to`)} > ${date} and ${q(`${alias}.superseded_at`)} >= ${now}`;
  return sql`select ${q('c.id')} as ${q('consultant_id')}, ${q('cu.unit_id')} as ${q('unit_id')}, ${q('cc.level_code')} as ${q('level_code')}
    from ${q('consultant')} ${q('c')}
    left join ${q('consultant_unit')} ${q('cu')} on ${q('cu.consultant_id')} = ${q('c.id')} and ${asOf('cu')}
    left join ${q('consultant_career')} ${q('cc')} on ${q('cc.consultant_id')} = ${q('c.id')} and ${asOf('cc')}`;
}

const month = (column: string) => sql`to_char(${q(column)}, 'YYYY-MM')`;

/** Rebuilds the periods' rows from the detail (in the caller's transaction). */
async function rebuild(tx: Database, periods: string[], dimsAsOf: string): Promise<void> {
  const stamp = await dimsStamp(tx);
  const db = tx.db as Kysely<any>;
  const sorted = [...periods].sort();
  const from = `${sorted[0]}-01`;
  const lastPeriod = sorted[sorted.length - 1];
  const [y, m] = lastPeriod.split('-').map(Number);
  const to = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const inPeriods = sql`(${sql.join(sorted.map((p) => sql`${p}`))})`;
  for (let i = 0; i < sorted.length; i += 500) {
    const part = sorted.slice(i, i + 500);
    await db.deleteFrom('report_summary').where('period_code', 'in', part).execute();
    await db.deleteFrom('report_summary_period').where('period_code', 'in', part).execute();
  }
  const zero = sql`0`;
  const fact = (
    period: ReturnType<typeof month>,
    consultant: string,
    insurer: string,
    product: string,
    v: {
      applications?: unknown;
      policies?: unknown;
      written?: unknown;
      received?: unknown;
      due?: unknown;
      payments?: unknown;
      instalments?: unknown;
    },
  ) =>
    sql`select ${period} as ${q('period_code')}, ${q(consultant)} as ${q('consultant_id')}, ${q(insurer)} as ${q('insurer_id')}, ${q(product)} as ${q('product_id')},
      ${v.applications ?? zero} as ${q('applications')}, ${v.policies ?? zero} as ${q('policies')}, ${v.written ?? zero} as ${q('written')},
      ${v.received ?? zero} as ${q('received')}, ${v.due ?? zero} as ${q('due')}, ${v.payments ?? zero} as ${q('payments')}, ${v.instalments ?? zero} as ${q('instalments')}`;
  const pol = sql`select ${q('p.id')} as ${q('policy_id')}, ${q('p.insurer_id')}, ${q('p.product_id')}, ${q('lv.consultant_id')}, ${q('lv.issued_on')}, ${q('lv.annual_premium')}
    from ${q('policy')} ${q('p')} join (${latestVersionsSql(tx, dimsAsOf)}) ${q('lv')} on ${q('lv.policy_id')} = ${q('p.id')}`;
  await sql`insert into ${q('report_summary')} (${q('period_code')}, ${q('unit_id')}, ${q('level_code')}, ${q('insurer_id')}, ${q('product_id')},
      ${q('applications')}, ${q('policies')}, ${q('written')}, ${q('received')}, ${q('due')}, ${q('payments')}, ${q('instalments')})
    with ${q('pol')} as (${pol})
    select ${q('f.period_code')}, ${q('d.unit_id')}, ${q('d.level_code')}, ${q('f.insurer_id')}, ${q('f.product_id')},
      sum(${q('f.applications')}), sum(${q('f.policies')}), sum(${q('f.written')}), sum(${q('f.received')}), sum(${q('f.due')}),
      sum(${q('f.payments')}), sum(${q('f.instalments')})
    from (
      ${fact(month('a.signed_on'), 'a.consultant_id', 'a.insurer_id', 'a.product_id', { applications: sql`1` })}
        from ${q('application')} ${q('a')} where ${q('a.signed_on')} >= ${from} and ${q('a.signed_on')} <= ${to}
      union all
      ${fact(month('pol.issued_on'), 'pol.consultant_id', 'pol.insurer_id', 'pol.product_id', { policies: sql`1`, written: q('pol.annual_premium') })}
        from ${q('pol')} where ${q('pol.issued_on')} >= ${from} and ${q('pol.issued_on')} <= ${to}
      union all
      ${fact(month('pp.paid_on'), 'pol.consultant_id', 'pol.insurer_id', 'pol.product_id', { received: q('pp.amount'), payments: sql`1` })}
        from ${q('premium_payment')} ${q('pp')} join ${q('pol')} on ${q('pol.policy_id')} = ${q('pp.policy_id')}
        where ${q('pp.paid_on')} >= ${from} and ${q('pp.paid_on')} <= ${to}
      union all
      ${fact(month('s.due_on'), 'pol.consultant_id', 'pol.insurer_id', 'pol.product_id', { due: q('s.amount'), instalments: sql`1` })}
        from ${q('payment_schedule')} ${q('s')} join ${q('pol')} on ${q('pol.policy_id')} = ${q('s.policy_id')}
        where ${q('s.due_on')} >= ${from} and ${q('s.due_on')} <= ${to}
    ) ${q('f')}
    left join (${dimsSql(dimsAsOf)}) ${q('d')} on ${q('d.consultant_id')} = ${q('f.consultant_id')}
    where ${q('f.period_code')} in ${inPeriods}
    group by ${q('f.period_code')}, ${q('d.unit_id')}, ${q('d.level_code')}, ${q('f.insurer_id')}, ${q('f.product_id')}`.execute(
    db,
  );
  for (const period_code of sorted)
    await db
      .insertInto('report_summary_period')
      .values({ period_code, built_at: new Date(), dims_as_of: dimsAsOf, dims_stamp: stamp })
      .execute();
}

interface Freshness {
  /** The periods to rebuild. */
  stale: string[];
  /** The marks read (deleted with the rebuild). */
  markIds: number[];
}

/** Which of the periods need a rebuild for a report of the network as of `asOf`. */
async function freshness(database: Database, periods: string[], asOf: string): Promise<Freshness> {
  const db = database.db as Kysely<any>;
  const [built, marks] = await Promise.all([
    db
      .selectFrom('report_summary_period')
      .select(['period_code', 'dims_as_of', 'dims_stamp'])
      .where('period_code', 'in', periods)
      .execute(),
    db
      .selectFrom('report_summary_stale')
      .select(['id', 'period_code'])
      .where('period_code', 'in', periods)
      .execute(),
  ]);
  const stale = new Set<string>(marks.map((m) => String(m.period_code)));
  const builtOf = new Map(built.map((b) => [String(b.period_code), b]));
  for (const p of periods) if (!builtOf.has(p)) stale.add(p);
  // The dimensions: one check per date built for, against the network's facts now.
  const builds = new Map<string, { stamp: string; dimsAsOf: string; periods: string[] }>();
  for (const b of built) {
    if (stale.has(String(b.period_code))) continue;
    const dimsAsOf = dateText(b.dims_as_of);
    const key = `${b.dims_stamp}|${dimsAsOf}`;
    const entry = builds.get(key) ?? { stamp: String(b.dims_stamp), dimsAsOf, periods: [] };
    entry.periods.push(String(b.period_code));
    builds.set(key, entry);
  }
  const stampNow = builds.size ? await dimsStamp(database) : '';
  for (const b of builds.values())
    if (b.stamp !== stampNow || (await datesDiffer(database, b.dimsAsOf, asOf)))
      for (const p of b.periods) stale.add(p);
  return { stale: [...stale].sort(), markIds: marks.map((m) => Number(m.id)) };
}

const dateText = (value: unknown): string =>
  value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10);

/**
 * Whether a policy's version or a consultant's unit or level on `asOf` may differ from the one on
 * `dimsAsOf`: a version that takes effect, or a unit or career fact that begins or ends, between
 * the two dates.
 */
async function datesDiffer(database: Database, dimsAsOf: string, asOf: string): Promise<boolean> {
  if (dimsAsOf === asOf) return false;
  const db = database.db as Kysely<any>;
  const lo = dimsAsOf < asOf ? dimsAsOf : asOf;
  const hi = dimsAsOf < asOf ? asOf : dimsAsOf;
  const version = await db
    .selectFrom('policy_version')
    .select((eb) => eb.fn.min('valid_from').as('d'))
    .where('valid_from', '>', lo)
    .where('valid_from', '<=', hi)
    .executeTakeFirst();
  if (version?.d !== null && version?.d !== undefined) return true;
  for (const table of ['consultant_unit', 'consultant_career']) {
    const row = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .where((eb) =>
        eb.or([
          eb.and([eb('valid_from', '>', lo), eb('valid_from', '<=', hi)]),
          eb.and([eb('valid_to', '>', lo), eb('valid_to', '<=', hi)]),
        ]),
      )
      .executeTakeFirst();
    if (Number(row?.n ?? 0) > 0) return true;
  }
  return false;
}

/** Rebuilds the stale periods under the summary's lock; the second of two readers finds them fresh. */
async function ensureFresh(database: Database, periods: string[], asOf: string): Promise<void> {
  const first = await freshness(database, periods, asOf);
  if (!first.stale.length) return;
  await inTransaction(database, async (tx) => {
    const db = tx.db as Kysely<any>;
    await db
      .selectFrom('report_summary_lock')
      .select('lock_key')
      .where('lock_key', '=', 'summary')
      .forUpdate()
      .execute();
    // Read again under the lock: another reader may have rebuilt meanwhile.
    const { stale, markIds } = await freshness(tx, periods, asOf);
    if (!stale.length) return;
    await rebuild(tx, stale, asOf);
    // The marks read before the rebuild; one made since (by a writer that committed after) stays.
    for (let i = 0; i < markIds.length; i += 500)
      await db
        .deleteFrom('report_summary_stale')
        .where('id', 'in', markIds.slice(i, i + 500))
        .execute();
    summaryRebuilds.rebuilds += 1;
    summaryRebuilds.periods += stale.length;
  });
}

/** Whether the summary can answer the report: "as known now", as of a date on or after the range's end. */
function answerable(ctx: ReportContext): boolean {
  return !detailOnly && ctx.current && ctx.f.asOf >= ctx.f.toDate;
}

/**
 * The summary's rows for the report's range and filters, by period, unit, insurer and product,
 * after rebuilding the stale periods; null when the summary cannot answer (read the detail).
 */
export async function summaryFacts(ctx: ReportContext): Promise<SummaryFact[] | null> {
  if (!answerable(ctx)) return null;
  const periods = periodsBetween(ctx.f.from, ctx.f.to);
  await ensureFresh(ctx.database, periods, ctx.f.asOf);
  let query = (ctx.db as Kysely<any>)
    .selectFrom('report_summary')
    .select((eb) => [
      'period_code',
      'unit_id',
      'insurer_id',
      'product_id',
      eb.fn.sum('applications').as('applications'),
      eb.fn.sum('policies').as('policies'),
      eb.fn.sum('written').as('written'),
      eb.fn.sum('received').as('received'),
      eb.fn.sum('due').as('due'),
      eb.fn.sum('payments').as('payments'),
      eb.fn.sum('instalments').as('instalments'),
    ])
    .where('period_code', '>=', ctx.f.from)
    .where('period_code', '<=', ctx.f.to);
  if (ctx.unitIds !== null)
    query = ctx.unitIds.length ? query.where('unit_id', 'in', ctx.unitIds) : query.where(sql<boolean>`1 = 0`);
  if (ctx.f.level) query = query.where('level_code', '=', ctx.f.level);
  if (ctx.insurerId !== null) query = query.where('insurer_id', '=', ctx.insurerId);
  if (ctx.productId !== null) query = query.where('product_id', '=', ctx.productId);
  const rows = await query.groupBy(['period_code', 'unit_id', 'insurer_id', 'product_id']).execute();
  return rows.map((r) => ({
    period: String(r.period_code),
    unit_id: r.unit_id === null ? null : Number(r.unit_id),
    insurer_id: r.insurer_id === null ? null : Number(r.insurer_id),
    product_id: r.product_id === null ? null : Number(r.product_id),
    applications: Number(r.applications ?? 0),
    policies: Number(r.policies ?? 0),
    written: String(r.written ?? '0'),
    received: String(r.received ?? '0'),
    due: String(r.due ?? '0'),
    payments: Number(r.payments ?? 0),
    instalments: Number(r.instalments ?? 0),
  }));
}

/** Builds (or rebuilds) the summary of the periods now, as of `asOf`: after a bulk load that bypassed the writers. */
export async function rebuildReportSummary(
  database: Database,
  periods: string[],
  asOf: string,
): Promise<void> {
  await inTransaction(database, async (tx) => {
    await (tx.db as Kysely<any>)
      .selectFrom('report_summary_lock')
      .select('lock_key')
      .where('lock_key', '=', 'summary')
      .forUpdate()
      .execute();
    const marks = await (tx.db as Kysely<any>)
      .selectFrom('report_summary_stale')
      .select('id')
      .where('period_code', 'in', periods)
      .execute();
    await rebuild(tx, periods, asOf);
    const ids = marks.map((m) => Number(m.id));
    for (let i = 0; i < ids.length; i += 500)
      await (tx.db as Kysely<any>)
        .deleteFrom('report_summary_stale')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
    summaryRebuilds.rebuilds += 1;
    summaryRebuilds.periods += periods.length;
  });
}
