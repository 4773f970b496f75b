/**
 * The management reports: sales, network, persistency, remuneration (margin), collections and
 * exchange. Each reads the core and the ledger as of D, as known at K (context.ts), narrowed by the
 * filters and the caller's scope; sums are exact (numeric in SQL, kopiyky in JavaScript).
 */
import { sql } from 'kysely';
import type { Database } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import type { ConsultantScope } from '../network';
import {
  dimSql,
  insurerLabel,
  minDate,
  policiesSql,
  productLabel,
  type ReportContext,
  reportContext,
  unitLabel,
} from './context';
import {
  pct,
  periodsBetween,
  type Report,
  type ReportColumn,
  ReportError,
  type ReportFilters,
  type ReportRow,
  shiftPeriod,
  sumColumns,
} from './report';
import { summaryFacts } from './summary';

export const MANAGEMENT_REPORTS = [
  'sales',
  'network',
  'persistency',
  'remuneration',
  'collections',
  'exchange',
] as const;
export type ManagementReportName = (typeof MANAGEMENT_REPORTS)[number];

export const MANAGEMENT_TITLES: Record<ManagementReportName, string> = {
  sales: 'Продажі',
  network: 'Мережа',
  persistency: 'Збереженість договорів (13 і 25 місяців)',
  remuneration: 'Винагорода і комісія страховиків (маржа)',
  collections: 'Надходження премій за графіком платежів',
  exchange: 'Обмін зі страховиками',
};

const kop = (v: unknown) => (v === null || v === undefined ? 0 : kopiykyFromDecimal(String(v)));
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
/** A date's production period, yyyy-mm (to_char: the same on PostgreSQL and Oracle). */
const period7 = (column: string) => sql`to_char(${sql.ref(column)}, 'YYYY-MM')`;
/** A date as text yyyy-mm-dd. */
const dateText = (column: string) => sql`to_char(${sql.ref(column)}, 'YYYY-MM-DD')`;

const col = (key: string, label: string, kind: ReportColumn['kind']): ReportColumn => ({ key, label, kind });

function report(
  ctx: ReportContext,
  name: ManagementReportName,
  columns: ReportColumn[],
  rows: ReportRow[],
  extra: Partial<Report> = {},
): Report {
  return {
    name,
    title: MANAGEMENT_TITLES[name],
    filters: ctx.f,
    columns,
    rows,
    totals: sumColumns(columns, rows),
    summary: [],
    ...extra,
  };
}

/** Rows grouped by a key, each a running object. */
function grouped(): { get(key: string, init: () => ReportRow): ReportRow; rows(): ReportRow[] } {
  const map = new Map<string, ReportRow>();
  return {
    get(key, init) {
      let row = map.get(key);
      if (!row) map.set(key, (row = init()));
      return row;
    },
    rows: () => [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r),
  };
}

// ─── sales ───────────────────────────────────────────────────────────────────────────────────

/** The sales' three counts from the detail: applications, policies issued, premiums received. */
async function salesFromDetail(ctx: ReportContext) {
  const { f } = ctx;
  const end = minDate(f.toDate, f.asOf);
  const appWhere = [
    sql`"a"."signed_on" >= ${f.fromDate}`,
    sql`"a"."signed_on" <= ${end}`,
    sql`"a"."created_at" <= ${ctx.knownAt}`,
  ];
  if (ctx.insurerId !== null) appWhere.push(sql`"a"."insurer_id" = ${ctx.insurerId}`);
  if (ctx.productId !== null) appWhere.push(sql`"a"."product_id" = ${ctx.productId}`);
  if (ctx.narrowed) appWhere.push(sql`"d"."consultant_id" is not null`);
  const [apps, issued, received] = await Promise.all([
    sql<{ period: string; insurer_id: number; product_id: number; unit_id: number | null; n: number }>`
      select ${period7('a.signed_on')} as "period", "a"."insurer_id", "a"."product_id", "d"."unit_id", count(*) as "n"
      from "application" "a" left join (${dimSql(ctx)}) "d" on "d"."consultant_id" = "a"."consultant_id"
      where ${sql.join(appWhere, sql` and `)}
      group by ${period7('a.signed_on')}, "a"."insurer_id", "a"."product_id", "d"."unit_id"`.execute(ctx.db),
    sql<{
      period: string;
      insurer_id: number;
      product_id: number;
      unit_id: number | null;
      n: number;
      written: string;
    }>`
      with "pol" as (${policiesSql(ctx)})
      select ${period7('issued_on')} as "period", "insurer_id", "product_id", "unit_id", count(*) as "n", sum("annual_premium") as "written"
      from "pol" where "issued_on" >= ${f.fromDate} and "issued_on" <= ${end}
      group by ${period7('issued_on')}, "insurer_id", "product_id", "unit_id"`.execute(ctx.db),
    sql<{ period: string; insurer_id: number; product_id: number; unit_id: number | null; received: string }>`
      with "pol" as (${policiesSql(ctx)})
      select ${period7('pp.paid_on')} as "period", "pol"."insurer_id", "pol"."product_id", "pol"."unit_id", sum("pp"."amount") as "received"
      from "premium_payment" "pp" join "pol" on "pol"."policy_id" = "pp"."policy_id"
      where "pp"."paid_on" >= ${f.fromDate} and "pp"."paid_on" <= ${end} and "pp"."recorded_at" <= ${ctx.knownAt}
      group by ${period7('pp.paid_on')}, "pol"."insurer_id", "pol"."product_id", "pol"."unit_id"`.execute(
      ctx.db,
    ),
  ]);
  return { apps, issued, received };
}

async function sales(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const facts = await summaryFacts(ctx);
  const { apps, issued, received } = facts
    ? {
        apps: { rows: facts.filter((x) => x.applications > 0).map((x) => ({ ...x, n: x.applications })) },
        issued: { rows: facts.filter((x) => x.policies > 0).map((x) => ({ ...x, n: x.policies })) },
        received: { rows: facts.filter((x) => x.payments > 0) },
      }
    : await salesFromDetail(ctx);
  const g = grouped();
  const row = (r: {
    period: string;
    insurer_id: number | null;
    product_id: number | null;
    unit_id: number | null;
  }) =>
    g.get(
      `${r.period}|${unitLabel(ctx, r.unit_id)}|${insurerLabel(ctx, r.insurer_id)}|${productLabel(ctx, r.product_id)}`,
      () => ({
        period: r.period,
        unit: unitLabel(ctx, r.unit_id),
        insurer: insurerLabel(ctx, r.insurer_id),
        product: productLabel(ctx, r.product_id),
        applications: 0,
        policies: 0,
        writtenKop: 0,
        receivedKop: 0,
        changePct: null,
      }),
    );
  for (const r of apps.rows) (row(r).applications as number) += num(r.n);
  for (const r of issued.rows) {
    const x = row(r);
    (x.policies as number) += num(r.n);
    (x.writtenKop as number) += kop(r.written);
  }
  for (const r of received.rows) (row(r).receivedKop as number) += kop(r.received);
  const rows = g.rows();
  // Period over period: the premium written against the same unit, insurer and product a period earlier.
  const byKey = new Map(rows.map((r) => [`${r.period}|${r.unit}|${r.insurer}|${r.product}`, r]));
  for (const r of rows) {
    const prev = byKey.get(`${shiftPeriod(String(r.period), -1)}|${r.unit}|${r.insurer}|${r.product}`);
    if (prev && (prev.writtenKop as number) > 0)
      r.changePct = pct((r.writtenKop as number) - (prev.writtenKop as number), prev.writtenKop as number);
  }
  const columns = [
    col('period', 'Період', 'text'),
    col('unit', 'Підрозділ', 'text'),
    col('insurer', 'Страховик', 'text'),
    col('product', 'Продукт', 'text'),
    col('applications', 'Заяви', 'int'),
    col('policies', 'Видані договори', 'int'),
    col('writtenKop', 'Премія підписана, грн', 'money'),
    col('receivedKop', 'Премія отримана, грн', 'money'),
    col('changePct', 'Зміна до попер. періоду, %', 'pct'),
  ];
  const chartRows = periodsBetween(f.from, f.to).map((p) => {
    const these = rows.filter((r) => r.period === p);
    return {
      period: p,
      writtenKop: these.reduce((s, r) => s + (r.writtenKop as number), 0),
      receivedKop: these.reduce((s, r) => s + (r.receivedKop as number), 0),
      policies: these.reduce((s, r) => s + (r.policies as number), 0),
    };
  });
  return report(ctx, 'sales', columns, rows, {
    chart: {
      title: 'Премія за періодами',
      labelKey: 'period',
      valueKeys: ['writtenKop', 'receivedKop'],
      rows: chartRows,
    },
  });
}

// ─── network ─────────────────────────────────────────────────────────────────────────────────

async function network(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const end = minDate(f.toDate, f.asOf);
  const [people, decisions, sponsors] = await Promise.all([
    sql<{
      consultant_id: number;
      unit_id: number | null;
      level_code: string | null;
      hired_on: string;
      terminated_on: string | null;
      status: string | null;
    }>`
      select "d"."consultant_id", "d"."unit_id", "d"."level_code", ${dateText('d.hired_on')} as "hired_on",
        ${dateText('d.terminated_on')} as "terminated_on", "s"."status"
      from (${dimSql(ctx)}) "d"
      left join "consultant_activity_status" "s" on "s"."consultant_id" = "d"."consultant_id" and "s"."valid_from" <= ${f.asOf}
        and "s"."valid_to" > ${f.asOf} and "s"."recorded_at" <= ${ctx.knownAt} and "s"."superseded_at" > ${ctx.knownAt}`.execute(
      ctx.db,
    ),
    // Promotions and demotions: the career decisions of the runs posted by K, effective in the range.
    sql<{ consultant_id: number; kind: string; n: number }>`
      select "cd"."consultant_id", "cd"."kind", count(*) as "n"
      from "career_decision" "cd" join "calculation_run" "r" on "r"."id" = "cd"."run_id"
      where "r"."status" = 'posted' and "r"."finished_at" <= ${ctx.knownAt}
        and "cd"."effective_from" >= ${f.fromDate} and "cd"."effective_from" <= ${end}
      group by "cd"."consultant_id", "cd"."kind"`.execute(ctx.db),
    sql<{ consultant_id: number; sponsor_id: number | null }>`
      select "s"."consultant_id", "s"."sponsor_id" from "consultant_sponsor" "s"
      where "s"."valid_from" <= ${f.asOf} and "s"."valid_to" > ${f.asOf} and "s"."recorded_at" <= ${ctx.knownAt} and "s"."superseded_at" > ${ctx.knownAt}`.execute(
      ctx.db,
    ),
  ]);
  const decided = new Map<number, { promotion: number; demotion: number }>();
  for (const d of decisions.rows) {
    const x = decided.get(Number(d.consultant_id)) ?? { promotion: 0, demotion: 0 };
    x[d.kind as 'promotion' | 'demotion'] += num(d.n);
    decided.set(Number(d.consultant_id), x);
  }
  const g = grouped();
  const inNetwork = new Set<number>();
  const levels = new Map<string, number>();
  for (const p of people.rows) {
    const unit = unitLabel(ctx, p.unit_id);
    const row = g.get(unit, () => ({
      unit,
      size: 0,
      recruits: 0,
      terminations: 0,
      active: 0,
      activityPct: null,
      promotions: 0,
      demotions: 0,
      levels: '',
    }));
    const member = p.hired_on <= f.asOf && (p.terminated_on === null || p.terminated_on > f.asOf);
    if (member) {
      inNetwork.add(Number(p.consultant_id));
      (row.size as number) += 1;
      if (p.status === 'active') (row.active as number) += 1;
      const level = p.level_code ?? '—';
      levels.set(`${unit}|${level}`, (levels.get(`${unit}|${level}`) ?? 0) + 1);
    }
    if (p.hired_on >= f.fromDate && p.hired_on <= end) (row.recruits as number) += 1;
    if (p.terminated_on !== null && p.terminated_on >= f.fromDate && p.terminated_on <= end)
      (row.terminations as number) += 1;
    const d = decided.get(Number(p.consultant_id));
    if (d) {
      (row.promotions as number) += d.promotion;
      (row.demotions as number) += d.demotion;
    }
  }
  const rows = g.rows();
  for (const r of rows) {
    r.activityPct = pct(r.active as number, r.size as number);
    r.levels = [...levels.entries()]
      .filter(([k]) => k.startsWith(`${r.unit}|`))
      .map(([k, n]) => `${k.split('|')[1]}: ${n}`)
      .sort()
      .join(', ');
  }
  // Depth and width of the sponsor tree among the consultants shown.
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const s of sponsors.rows) {
    const id = Number(s.consultant_id);
    if (!inNetwork.has(id)) continue;
    const sponsor = s.sponsor_id === null ? null : Number(s.sponsor_id);
    if (sponsor === null || !inNetwork.has(sponsor)) roots.push(id);
    else children.set(sponsor, [...(children.get(sponsor) ?? []), id]);
  }
  let depth = 0;
  let width = 0;
  let level = roots;
  const seen = new Set<number>();
  while (level.length && depth < 1000) {
    depth += 1;
    width = Math.max(width, level.length);
    const next: number[] = [];
    for (const id of level) {
      if (seen.has(id)) continue;
      seen.add(id);
      next.push(...(children.get(id) ?? []));
    }
    level = next;
  }
  const columns = [
    col('unit', 'Підрозділ', 'text'),
    col('size', 'Консультантів', 'int'),
    col('recruits', 'Залучено', 'int'),
    col('terminations', 'Вибуло', 'int'),
    col('active', 'Активних', 'int'),
    col('activityPct', 'Активність, %', 'pct'),
    col('promotions', 'Підвищення', 'int'),
    col('demotions', 'Пониження', 'int'),
    col('levels', 'Розподіл за рівнями', 'text'),
  ];
  const totals = sumColumns(columns, rows);
  totals.activityPct = pct(totals.active as number, totals.size as number);
  const byLevel = new Map<string, number>();
  for (const [k, n] of levels) byLevel.set(k.split('|')[1], (byLevel.get(k.split('|')[1]) ?? 0) + n);
  return {
    ...report(ctx, 'network', columns, rows),
    totals,
    summary: [
      { label: 'Глибина дерева (поколінь)', value: depth },
      { label: 'Ширина дерева (найбільше в поколінні)', value: width },
    ],
    chart: {
      title: 'Консультанти за рівнями',
      labelKey: 'level',
      valueKeys: ['count'],
      rows: [...byLevel.entries()].sort().map(([lvl, n]) => ({ level: lvl, count: n })),
    },
  };
}

// ─── persistency ─────────────────────────────────────────────────────────────────────────────

/** The date `months` months before `date` (yyyy-mm-dd). */
function monthsBefore(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1 - months, d));
  return t.toISOString().slice(0, 10);
}

/** The date `days` days before `date` (yyyy-mm-dd). */
function daysBefore(date: string, days: number): string {
  const t = new Date(`${date}T00:00:00Z`);
  t.setUTCDate(t.getUTCDate() - days);
  return t.toISOString().slice(0, 10);
}

/**
 * Of the policies issued in the range, those old enough on D (13 or 25 months), the share still
 * paying: a premium received for the policy's second (third) year by D, as known at K.
 */
async function persistency(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const end = minDate(f.toDate, f.asOf);
  const cut13 = monthsBefore(f.asOf, 13);
  const cut25 = monthsBefore(f.asOf, 25);
  const result = await sql<{
    product_id: number;
    unit_id: number | null;
    issued: number;
    e13: number;
    p13: number;
    e25: number;
    p25: number;
  }>`
    with "pol" as (${policiesSql(ctx)}),
    "years" as (select "pp"."policy_id", max("pp"."policy_year") as "last_year" from "premium_payment" "pp"
              where "pp"."paid_on" <= ${f.asOf} and "pp"."recorded_at" <= ${ctx.knownAt} and "pp"."amount" > 0 group by "pp"."policy_id")
    select "pol"."product_id", "pol"."unit_id", count(*) as "issued",
      sum(case when "pol"."issued_on" <= ${cut13} then 1 else 0 end) as "e13",
      sum(case when "pol"."issued_on" <= ${cut13} and coalesce("y"."last_year", 0) >= 2 then 1 else 0 end) as "p13",
      sum(case when "pol"."issued_on" <= ${cut25} then 1 else 0 end) as "e25",
      sum(case when "pol"."issued_on" <= ${cut25} and coalesce("y"."last_year", 0) >= 3 then 1 else 0 end) as "p25"
    from "pol" left join "years" "y" on "y"."policy_id" = "pol"."policy_id"
    where "pol"."issued_on" >= ${f.fromDate} and "pol"."issued_on" <= ${end}
    group by "pol"."product_id", "pol"."unit_id"`.execute(ctx.db);
  const rows: ReportRow[] = result.rows
    .map((r) => ({
      product: productLabel(ctx, r.product_id),
      unit: unitLabel(ctx, r.unit_id),
      issued: num(r.issued),
      eligible13: num(r.e13),
      persisted13: num(r.p13),
      pct13: pct(num(r.p13), num(r.e13)),
      eligible25: num(r.e25),
      persisted25: num(r.p25),
      pct25: pct(num(r.p25), num(r.e25)),
    }))
    .sort((a, b) => `${a.product}|${a.unit}`.localeCompare(`${b.product}|${b.unit}`));
  const columns = [
    col('product', 'Продукт', 'text'),
    col('unit', 'Підрозділ', 'text'),
    col('issued', 'Видано договорів', 'int'),
    col('eligible13', 'Досягли 13 міс.', 'int'),
    col('persisted13', 'Платять на 13 міс.', 'int'),
    col('pct13', 'Збереженість 13 міс., %', 'pct'),
    col('eligible25', 'Досягли 25 міс.', 'int'),
    col('persisted25', 'Платять на 25 міс.', 'int'),
    col('pct25', 'Збереженість 25 міс., %', 'pct'),
  ];
  const totals = sumColumns(columns, rows);
  totals.pct13 = pct(totals.persisted13 as number, totals.eligible13 as number);
  totals.pct25 = pct(totals.persisted25 as number, totals.eligible25 as number);
  return { ...report(ctx, 'persistency', columns, rows), totals };
}

// ─── remuneration ────────────────────────────────────────────────────────────────────────────

const KIND_COLUMN: Record<string, string> = {
  personal: 'personalKop',
  structural: 'structuralKop',
  override: 'structuralKop',
  bonus: 'bonusKop',
  contest: 'contestKop',
  chargeback: 'chargebackKop',
  storno: 'correctionsKop',
  additional: 'correctionsKop',
};

/**
 * The ledger lines as known at K, each counted in the period it is for: a period's own run (the last
 * one finished by K: a later run of an open period supersedes the earlier), and the storno and
 * additional lines of the correction runs finished by K, counted in the period they correct.
 */
export function ledgerAsKnownSql(ctx: ReportContext, extraWhere = sql`1 = 1`) {
  return sql`select "a"."id", "a"."consultant_id", "a"."policy_id", "a"."kind", "a"."amount", "a"."rule", "a"."explanation", "a"."explanation_data", "a"."run_id",
      coalesce("a"."corrects_period", "a"."period_code") as "for_period"
    from "accrual" "a" join "calculation_run" "r" on "r"."id" = "a"."run_id"
    where "r"."status" in ('posted', 'superseded') and "r"."finished_at" <= ${ctx.knownAt}
      and ("r"."run_kind" = 'correction' or not exists (
        select 1 from "calculation_run" "later" where "later"."period_code" = "r"."period_code" and "later"."run_kind" = 'period'
          and "later"."status" in ('posted', 'superseded') and "later"."finished_at" <= ${ctx.knownAt}
          and ("later"."finished_at" > "r"."finished_at" or ("later"."finished_at" = "r"."finished_at" and "later"."id" > "r"."id"))))
      and coalesce("a"."corrects_period", "a"."period_code") >= ${ctx.f.from}
      and coalesce("a"."corrects_period", "a"."period_code") <= ${ctx.f.to}
      and ${extraWhere}`;
}

async function remuneration(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const policyWhere = [sql`1 = 1`];
  if (ctx.insurerId !== null) policyWhere.push(sql`"p"."insurer_id" = ${ctx.insurerId}`);
  if (ctx.productId !== null) policyWhere.push(sql`"p"."product_id" = ${ctx.productId}`);
  const byProduct = ctx.insurerId !== null || ctx.productId !== null;
  const [accrued, commission] = await Promise.all([
    sql<{ insurer_id: number | null; product_id: number | null; kind: string; total: string }>`
      select "p"."insurer_id", "p"."product_id", "l"."kind", sum("l"."amount") as "total"
      from (${ledgerAsKnownSql(ctx)}) "l"
      ${ctx.narrowed ? sql`join (${dimSql(ctx)}) "d" on "d"."consultant_id" = "l"."consultant_id"` : sql``}
      left join "policy" "p" on "p"."id" = "l"."policy_id"
      where ${byProduct ? sql.join(policyWhere, sql` and `) : sql`1 = 1`}
      group by "p"."insurer_id", "p"."product_id", "l"."kind"`.execute(ctx.db),
    sql<{ insurer_id: number; product_id: number | null; total: string }>`
      select "csl"."insurer_id", "p"."product_id", sum("csl"."commission") as "total"
      from "commission_statement_line" "csl"
      left join "policy" "p" on "p"."id" = "csl"."policy_id"
      ${ctx.narrowed ? sql`join (${policiesSql(ctx)}) "pol" on "pol"."policy_id" = "csl"."policy_id"` : sql``}
      where "csl"."statement_month" >= ${f.from} and "csl"."statement_month" <= ${f.to} and "csl"."recorded_at" <= ${ctx.knownAt}
        ${ctx.insurerId !== null ? sql`and "csl"."insurer_id" = ${ctx.insurerId}` : sql``}
        ${ctx.productId !== null ? sql`and "p"."product_id" = ${ctx.productId}` : sql``}
      group by "csl"."insurer_id", "p"."product_id"`.execute(ctx.db),
  ]);
  const g = grouped();
  const row = (insurerId: unknown, productId: unknown) => {
    const insurer = insurerLabel(ctx, insurerId);
    const product = productLabel(ctx, productId);
    return g.get(`${insurer}|${product}`, () => ({
      insurer,
      product,
      personalKop: 0,
      structuralKop: 0,
      bonusKop: 0,
      contestKop: 0,
      chargebackKop: 0,
      correctionsKop: 0,
      accruedKop: 0,
      commissionKop: 0,
      marginKop: 0,
      marginPct: null,
    }));
  };
  for (const a of accrued.rows) {
    const r = row(a.insurer_id, a.product_id);
    const amount = kop(a.total);
    const key = KIND_COLUMN[a.kind] ?? 'correctionsKop';
    (r[key] as number) += amount;
    (r.accruedKop as number) += amount;
  }
  for (const c of commission.rows) (row(c.insurer_id, c.product_id).commissionKop as number) += kop(c.total);
  const rows = g.rows();
  for (const r of rows) {
    r.marginKop = (r.commissionKop as number) - (r.accruedKop as number);
    r.marginPct = pct(r.marginKop as number, r.commissionKop as number);
  }
  const columns = [
    col('insurer', 'Страховик', 'text'),
    col('product', 'Продукт', 'text'),
    col('personalKop', 'Особиста, грн', 'money'),
    col('structuralKop', 'Структурна, грн', 'money'),
    col('bonusKop', 'Бонуси, грн', 'money'),
    col('contestKop', 'Конкурси, грн', 'money'),
    col('chargebackKop', 'Повернення, грн', 'money'),
    col('correctionsKop', 'Коригування, грн', 'money'),
    col('accruedKop', 'Нараховано, грн', 'money'),
    col('commissionKop', 'Комісія страховиків, грн', 'money'),
    col('marginKop', 'Маржа, грн', 'money'),
    col('marginPct', 'Маржа, %', 'pct'),
  ];
  const totals = sumColumns(columns, rows);
  totals.marginPct = pct(totals.marginKop as number, totals.commissionKop as number);
  return {
    ...report(ctx, 'remuneration', columns, rows),
    totals,
    chart: {
      title: 'Нараховано і комісія',
      labelKey: 'insurer',
      valueKeys: ['accruedKop', 'commissionKop'],
      rows,
    },
  };
}

// ─── collections ─────────────────────────────────────────────────────────────────────────────

/**
 * Premiums due by the payment calendar in the range against premiums received in it, and what is
 * overdue on D (in force policies), by how long: the payments received by D are set against the
 * instalments in the order they fall due; what remains of an instalment due before D is overdue.
 */
async function collections(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const end = minDate(f.toDate, f.asOf);
  const d30 = daysBefore(f.asOf, 30);
  const d60 = daysBefore(f.asOf, 60);
  const d90 = daysBefore(f.asOf, 90);
  const flowsFromDetail = () =>
    sql<{
      insurer_id: number | null;
      product_id: number | null;
      unit_id: number | null;
      due: string | null;
      received: string | null;
    }>`
      with "pol" as (${policiesSql(ctx)}),
      "due" as (select "s"."policy_id", sum("s"."amount") as "due" from "payment_schedule" "s"
              where "s"."due_on" >= ${f.fromDate} and "s"."due_on" <= ${end} group by "s"."policy_id"),
      "rec" as (select "pp"."policy_id", sum("pp"."amount") as "received" from "premium_payment" "pp"
              where "pp"."paid_on" >= ${f.fromDate} and "pp"."paid_on" <= ${end} and "pp"."recorded_at" <= ${ctx.knownAt}
              group by "pp"."policy_id")
      select "pol"."insurer_id", "pol"."product_id", "pol"."unit_id", sum("due"."due") as "due", sum("rec"."received") as "received"
      from "pol" left join "due" on "due"."policy_id" = "pol"."policy_id" left join "rec" on "rec"."policy_id" = "pol"."policy_id"
      where "due"."due" is not null or "rec"."received" is not null
      group by "pol"."insurer_id", "pol"."product_id", "pol"."unit_id"`.execute(ctx.db);
  const [facts, overdue] = await Promise.all([
    summaryFacts(ctx),
    // Per policy: the instalments due before D by age, and the premium received by D. What is owed
    // is the newest instalments' (payments go to the instalments in the order they fall due, and
    // calendar amounts are not negative): the youngest bucket takes its share first, then the next.
    sql<{
      insurer_id: number;
      product_id: number;
      unit_id: number | null;
      o1: string | null;
      o2: string | null;
      o3: string | null;
      o4: string | null;
    }>`
      with "pol" as (${policiesSql(ctx)}),
      "sched" as (select "s"."policy_id",
                  sum(case when "s"."due_on" >= ${d30} then "s"."amount" else 0 end) as "b1",
                  sum(case when "s"."due_on" >= ${d60} and "s"."due_on" < ${d30} then "s"."amount" else 0 end) as "b2",
                  sum(case when "s"."due_on" >= ${d90} and "s"."due_on" < ${d60} then "s"."amount" else 0 end) as "b3",
                  sum(case when "s"."due_on" < ${d90} then "s"."amount" else 0 end) as "b4"
                from "payment_schedule" "s" where "s"."due_on" < ${f.asOf} group by "s"."policy_id"),
      "paid" as (select "pp"."policy_id", sum("pp"."amount") as "paid" from "premium_payment" "pp"
               where "pp"."paid_on" <= ${f.asOf} and "pp"."recorded_at" <= ${ctx.knownAt} group by "pp"."policy_id"),
      "owing" as (select "pol"."insurer_id", "pol"."product_id", "pol"."unit_id", "sched"."b1", "sched"."b2", "sched"."b3",
                   greatest("sched"."b1" + "sched"."b2" + "sched"."b3" + "sched"."b4" - coalesce("paid"."paid", 0), 0) as "o"
                 from "sched" join "pol" on "pol"."policy_id" = "sched"."policy_id"
                 left join "paid" on "paid"."policy_id" = "sched"."policy_id"
                 where "pol"."status" = 'in_force'),
      "s1" as (select "insurer_id", "product_id", "unit_id", least("o", "b1") as "o1", "o" - least("o", "b1") as "r1", "b2", "b3"
               from "owing" where "o" > 0),
      "s2" as (select "insurer_id", "product_id", "unit_id", "o1", least("r1", "b2") as "o2", "r1" - least("r1", "b2") as "r2", "b3"
               from "s1")
      select "insurer_id", "product_id", "unit_id", sum("o1") as "o1", sum("o2") as "o2",
        sum(least("r2", "b3")) as "o3", sum("r2" - least("r2", "b3")) as "o4"
      from "s2"
      group by "insurer_id", "product_id", "unit_id"`.execute(ctx.db),
  ]);
  // The summary's periods added up (a period's row counts when it has an instalment or a payment).
  const flows = facts
    ? { rows: facts.filter((x) => x.instalments > 0 || x.payments > 0) }
    : await flowsFromDetail();
  const g = grouped();
  const row = (r: { insurer_id: number | null; product_id: number | null; unit_id: number | null }) => {
    const insurer = insurerLabel(ctx, r.insurer_id);
    const product = productLabel(ctx, r.product_id);
    const unit = unitLabel(ctx, r.unit_id);
    return g.get(`${insurer}|${product}|${unit}`, () => ({
      insurer,
      product,
      unit,
      dueKop: 0,
      receivedKop: 0,
      collectedPct: null,
      overdue30Kop: 0,
      overdue60Kop: 0,
      overdue90Kop: 0,
      overdueOver90Kop: 0,
      overdueKop: 0,
    }));
  };
  for (const r of flows.rows) {
    const x = row(r);
    (x.dueKop as number) += kop(r.due);
    (x.receivedKop as number) += kop(r.received);
  }
  const buckets = [
    ['o1', 'overdue30Kop'],
    ['o2', 'overdue60Kop'],
    ['o3', 'overdue90Kop'],
    ['o4', 'overdueOver90Kop'],
  ] as const;
  for (const r of overdue.rows) {
    const owed = buckets.map(([from]) => kop(r[from]));
    if (owed.every((k) => k === 0)) continue;
    const x = row(r);
    buckets.forEach(([, to], k) => ((x[to] as number) += owed[k]));
    (x.overdueKop as number) += owed.reduce((a, b) => a + b, 0);
  }
  const rows = g.rows();
  for (const r of rows) r.collectedPct = pct(r.receivedKop as number, r.dueKop as number);
  const columns = [
    col('insurer', 'Страховик', 'text'),
    col('product', 'Продукт', 'text'),
    col('unit', 'Підрозділ', 'text'),
    col('dueKop', 'Належить за графіком, грн', 'money'),
    col('receivedKop', 'Отримано, грн', 'money'),
    col('collectedPct', 'Зібрано, %', 'pct'),
    col('overdue30Kop', 'Прострочено до 30 дн., грн', 'money'),
    col('overdue60Kop', '31–60 дн., грн', 'money'),
    col('overdue90Kop', '61–90 дн., грн', 'money'),
    col('overdueOver90Kop', 'Понад 90 дн., грн', 'money'),
    col('overdueKop', 'Прострочено всього, грн', 'money'),
  ];
  const totals = sumColumns(columns, rows);
  totals.collectedPct = pct(totals.receivedKop as number, totals.dueKop as number);
  return {
    ...report(ctx, 'collections', columns, rows),
    totals,
    chart: {
      title: 'Прострочення за віком',
      labelKey: 'age',
      // The overdue column's key, so the chart's legend reads its heading.
      valueKeys: ['overdueKop'],
      rows: [
        { age: 'до 30 дн.', overdueKop: totals.overdue30Kop },
        { age: '31–60 дн.', overdueKop: totals.overdue60Kop },
        { age: '61–90 дн.', overdueKop: totals.overdue90Kop },
        { age: 'понад 90 дн.', overdueKop: totals.overdueOver90Kop },
      ],
    },
  };
}

// ─── exchange ────────────────────────────────────────────────────────────────────────────────

/**
 * Per insurer: messages received in the range (by D), those failed and quarantined (their status
 * now: a message's status is not kept as history), and the mismatches open on D by age.
 */
async function exchange(ctx: ReportContext): Promise<Report> {
  const { f } = ctx;
  const end = minDate(f.toDate, f.asOf);
  const endMoment = new Date(`${end}T23:59:59.999Z`);
  // The day a mismatch was found (Oracle's cast of a timestamp to a date keeps the time of day).
  const createdDay = ctx.database.dialect.isOracle
    ? sql`trunc(cast("mm"."created_at" as date))`
    : sql`cast("mm"."created_at" as date)`;
  const bucket = sql`case when "x"."age" <= 7 then 1 when "x"."age" <= 30 then 2 when "x"."age" <= 90 then 3 else 4 end`;
  const [messages, mismatches] = await Promise.all([
    sql<{ insurer_id: number | null; n: number; failed: number; quarantined: number }>`
      select "m"."insurer_id", count(*) as "n",
        sum(case when "m"."status" = 'failed' then 1 else 0 end) as "failed",
        sum(case when "m"."status" = 'quarantined' then 1 else 0 end) as "quarantined"
      from "exchange_message" "m"
      where "m"."received_at" >= ${new Date(`${f.fromDate}T00:00:00Z`)} and "m"."received_at" <= ${endMoment}
        and "m"."received_at" <= ${ctx.knownAt}
        ${ctx.insurerId !== null ? sql`and "m"."insurer_id" = ${ctx.insurerId}` : sql``}
      group by "m"."insurer_id"`.execute(ctx.db),
    sql<{ insurer_id: number; bucket: number; n: number }>`
      select "x"."insurer_id", ${bucket} as "bucket", count(*) as "n"
      from (select "mm"."insurer_id", (to_date(${f.asOf}, 'YYYY-MM-DD') - ${createdDay}) as "age"
            from "mismatch" "mm"
            where "mm"."created_at" <= ${endMoment} and "mm"."created_at" <= ${ctx.knownAt}
              and ("mm"."status" = 'open' or "mm"."resolved_at" > ${endMoment} or "mm"."resolved_at" > ${ctx.knownAt})
              ${ctx.insurerId !== null ? sql`and "mm"."insurer_id" = ${ctx.insurerId}` : sql``}) "x"
      group by "x"."insurer_id", ${bucket}`.execute(ctx.db),
  ]);
  const g = grouped();
  const row = (insurerId: unknown) => {
    const insurer = insurerLabel(ctx, insurerId);
    return g.get(insurer, () => ({
      insurer,
      messages: 0,
      failed: 0,
      quarantined: 0,
      open7: 0,
      open30: 0,
      open90: 0,
      openOver90: 0,
      open: 0,
    }));
  };
  for (const m of messages.rows) {
    const r = row(m.insurer_id);
    r.messages = num(m.n);
    r.failed = num(m.failed);
    r.quarantined = num(m.quarantined);
  }
  const key = ['', 'open7', 'open30', 'open90', 'openOver90'];
  for (const m of mismatches.rows) {
    const r = row(m.insurer_id);
    (r[key[num(m.bucket)]] as number) += num(m.n);
    (r.open as number) += num(m.n);
  }
  const columns = [
    col('insurer', 'Страховик', 'text'),
    col('messages', 'Повідомлень', 'int'),
    col('failed', 'Збої', 'int'),
    col('quarantined', 'Карантин', 'int'),
    col('open7', 'Розбіжності до 7 дн.', 'int'),
    col('open30', '8–30 дн.', 'int'),
    col('open90', '31–90 дн.', 'int'),
    col('openOver90', 'Понад 90 дн.', 'int'),
    col('open', 'Відкриті розбіжності', 'int'),
  ];
  return report(ctx, 'exchange', columns, g.rows());
}

const BUILDERS: Record<ManagementReportName, (ctx: ReportContext) => Promise<Report>> = {
  sales,
  network,
  persistency,
  remuneration,
  collections,
  exchange,
};

export function isManagementReport(name: string): name is ManagementReportName {
  return (MANAGEMENT_REPORTS as readonly string[]).includes(name);
}

/**
 * A management report. `scope`: null for the whole network (back office, administrator); a manager's
 * scope narrows it to their unit tree (the exchange report, which belongs to no unit, is refused);
 * a consultant's scope is refused (ReportError 'forbidden').
 */
export async function managementReport(
  database: Database,
  name: string,
  filters: ReportFilters,
  scope: ConsultantScope | null = null,
): Promise<Report> {
  if (!isManagementReport(name)) throw new ReportError('not_found', `no report ${name}`);
  if (scope && scope.kind !== 'units')
    throw new ReportError('forbidden', 'management reports are not for consultants');
  if (scope && name === 'exchange')
    throw new ReportError('forbidden', 'the exchange report covers insurers, not units: back office only');
  const ctx = await reportContext(database, filters, scope);
  return BUILDERS[name](ctx);
}
