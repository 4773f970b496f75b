/**
 * A consultant's own report: their own and their downline's sales by period, their remuneration with
 * every ledger line and its explanation, progress towards the next level (the plan's condition and
 * the latest calculated figures) and towards contest prizes, the persistency of their own policies,
 * and the trends over the periods asked (twelve by default). As of D, as known at K, like the
 * management reports. A consultant sees only their own; a manager any consultant of their units.
 */
import { sql } from 'kysely';
import type { Database } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import { ledgerExplanation, periodMetrics, planForPeriod } from '../compensation';
import { contestStandings, listContests } from '../contests';
import { type ConsultantScope, downlineAsOf } from '../network';
import { asOfSql, minDate, productLabel, reportContext } from './context';
import { ledgerAsKnownSql } from './management';
import {
  pct,
  periodsBetween,
  type Report,
  type ReportColumn,
  ReportError,
  type ReportFilters,
  type ReportRow,
  sumColumns,
} from './report';

export interface ConsultantReport {
  consultant: { code: string; fullName: string; level: string | null; unit: string | null };
  /** The sections, each a table: sales, remuneration lines, persistency, trends, contests. */
  sections: Report[];
  progress: {
    level: string | null;
    nextLevel: string | null;
    /** The plan's condition for the next level, as written in the plan. */
    condition: string | null;
    /** The figures of the last posted calculation up to the range's end. */
    period: string | null;
    figures: Record<string, string | number>;
  };
}

const kop = (v: unknown) => (v === null || v === undefined ? 0 : kopiykyFromDecimal(String(v)));
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const col = (key: string, label: string, kind: ReportColumn['kind']): ReportColumn => ({ key, label, kind });
const inList = (ids: number[]) => sql`(${sql.join(ids.map((id) => sql`${id}`))})`;

export async function consultantReport(
  database: Database,
  code: string,
  filters: ReportFilters,
  scope: ConsultantScope | null = null,
): Promise<ConsultantReport> {
  const ctx = await reportContext(database, { ...filters, unit: undefined, level: undefined }, null);
  const { f, db } = ctx;
  const person = await db
    .selectFrom('consultant')
    .select(['id', 'code', 'full_name'])
    .where('code', '=', code)
    .executeTakeFirst();
  const id = person ? Number(person.id) : null;
  const visible =
    id !== null && (!scope || (scope.kind === 'consultant' ? scope.ownId === id : scope.ids.has(id)));
  if (!person || id === null || !visible) throw new ReportError('not_found', `no consultant ${code}`);
  const end = minDate(f.toDate, f.asOf);
  const downline = (await downlineAsOf(database, id, f.asOf, ctx.knownAt)).map((n) => n.consultantId);
  const everyone = [id, ...downline];
  const periods = periodsBetween(f.from, f.to);

  const [placement, policies, payments, lines] = await Promise.all([
    sql<{ unit_code: string | null; level_code: string | null }>`
      select u.code as unit_code, cc.level_code from consultant c
      left join consultant_unit cu on cu.consultant_id = c.id and ${asOfSql('cu', ctx)}
      left join unit u on u.id = cu.unit_id
      left join consultant_career cc on cc.consultant_id = c.id and ${asOfSql('cc', ctx)}
      where c.id = ${id}`.execute(db),
    sql<{
      policy_id: number;
      product_id: number;
      consultant_id: number;
      issued_on: string;
      annual_premium: string;
      last_year: number | null;
    }>`
      select pv.policy_id, p.product_id, pv.consultant_id, cast(pv.issued_on as text) as issued_on, pv.annual_premium,
        (select max(pp.policy_year) from premium_payment pp where pp.policy_id = pv.policy_id and pp.paid_on <= ${f.asOf}
          and pp.recorded_at <= ${ctx.knownAt} and pp.amount > 0) as last_year
      from (select distinct on (v.policy_id) v.policy_id, v.consultant_id, v.issued_on, v.annual_premium
            from policy_version v where v.valid_from <= ${f.asOf} and v.recorded_at <= ${ctx.knownAt}
            order by v.policy_id, v.valid_from desc, v.version_no desc) pv
      join policy p on p.id = pv.policy_id
      where pv.consultant_id in ${inList(everyone)}`.execute(db),
    sql<{ period: string; own: number; total: string }>`
      select substr(cast(pp.paid_on as text), 1, 7) as period, case when pv.consultant_id = ${id} then 1 else 0 end as own,
        sum(pp.amount) as total
      from premium_payment pp
      join (select distinct on (v.policy_id) v.policy_id, v.consultant_id
            from policy_version v where v.valid_from <= ${f.asOf} and v.recorded_at <= ${ctx.knownAt}
            order by v.policy_id, v.valid_from desc, v.version_no desc) pv on pv.policy_id = pp.policy_id
      where pv.consultant_id in ${inList(everyone)} and pp.paid_on >= ${f.fromDate} and pp.paid_on <= ${end}
        and pp.recorded_at <= ${ctx.knownAt}
      group by 1, 2`.execute(db),
    sql<{
      id: number;
      for_period: string;
      kind: string;
      rule: string;
      amount: string;
      explanation: string | null;
      explanation_data: string | null;
      policy_id: number | null;
    }>`
      select l.id, l.for_period, l.kind, l.rule, l.amount, l.explanation, l.explanation_data, l.policy_id
      from (${ledgerAsKnownSql(ctx, sql`a.consultant_id = ${id}`)}) l order by l.for_period, l.id`.execute(
      db,
    ),
  ]);
  const level = placement.rows[0]?.level_code ?? null;

  // Sales by period: own and downline.
  const sales = new Map(
    periods.map((p) => [
      p,
      {
        period: p,
        ownPolicies: 0,
        ownWrittenKop: 0,
        ownReceivedKop: 0,
        downlinePolicies: 0,
        downlineWrittenKop: 0,
        downlineReceivedKop: 0,
      } as ReportRow,
    ]),
  );
  for (const p of policies.rows) {
    const row = sales.get(p.issued_on.slice(0, 7));
    if (!row || p.issued_on > end) continue;
    const own = Number(p.consultant_id) === id;
    (row[own ? 'ownPolicies' : 'downlinePolicies'] as number) += 1;
    (row[own ? 'ownWrittenKop' : 'downlineWrittenKop'] as number) += kop(p.annual_premium);
  }
  for (const p of payments.rows) {
    const row = sales.get(p.period);
    if (row) (row[num(p.own) ? 'ownReceivedKop' : 'downlineReceivedKop'] as number) += kop(p.total);
  }
  const salesColumns = [
    col('period', 'Період', 'text'),
    col('ownPolicies', 'Власні договори', 'int'),
    col('ownWrittenKop', 'Власна премія підписана, грн', 'money'),
    col('ownReceivedKop', 'Власна премія отримана, грн', 'money'),
    col('downlinePolicies', 'Договори структури', 'int'),
    col('downlineWrittenKop', 'Премія структури підписана, грн', 'money'),
    col('downlineReceivedKop', 'Премія структури отримана, грн', 'money'),
  ];
  const salesRows = [...sales.values()];

  // Remuneration, line by line.
  const lineColumns = [
    col('period', 'Період', 'text'),
    col('kind', 'Вид', 'text'),
    col('rule', 'Правило', 'text'),
    col('product', 'Продукт', 'text'),
    col('amountKop', 'Сума, грн', 'money'),
    col('explanation', 'Пояснення', 'text'),
  ];
  const productOf = new Map(policies.rows.map((p) => [Number(p.policy_id), p.product_id]));
  const lineRows: ReportRow[] = lines.rows.map((l) => ({
    period: l.for_period,
    kind: l.kind,
    rule: l.rule,
    product: l.policy_id === null ? '—' : productLabel(ctx, productOf.get(Number(l.policy_id)) ?? null),
    amountKop: kop(l.amount),
    explanation: ledgerExplanation(l.explanation, l.explanation_data),
  }));

  // Persistency of own policies issued in the range.
  const own = policies.rows.filter(
    (p) => Number(p.consultant_id) === id && p.issued_on >= f.fromDate && p.issued_on <= end,
  );
  const before = (months: number) => {
    const [y, m, d] = f.asOf.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1 - months, d)).toISOString().slice(0, 10);
  };
  const e13 = own.filter((p) => p.issued_on <= before(13));
  const e25 = own.filter((p) => p.issued_on <= before(25));
  const p13 = e13.filter((p) => num(p.last_year) >= 2).length;
  const p25 = e25.filter((p) => num(p.last_year) >= 3).length;
  const persistencyRows: ReportRow[] = [
    { horizon: '13 міс.', eligible: e13.length, persisted: p13, pct: pct(p13, e13.length) },
    { horizon: '25 міс.', eligible: e25.length, persisted: p25, pct: pct(p25, e25.length) },
  ];
  const persistencyColumns = [
    col('horizon', 'Горизонт', 'text'),
    col('eligible', 'Досягли терміну', 'int'),
    col('persisted', 'Платять', 'int'),
    col('pct', 'Збереженість, %', 'pct'),
  ];

  // Trends: per period, the premium (own and downline) and the accrued remuneration.
  const accruedBy = new Map<string, number>();
  for (const l of lineRows)
    accruedBy.set(String(l.period), (accruedBy.get(String(l.period)) ?? 0) + (l.amountKop as number));
  const trendRows: ReportRow[] = salesRows.map((s) => ({
    period: s.period,
    ownWrittenKop: s.ownWrittenKop,
    downlineWrittenKop: s.downlineWrittenKop,
    accruedKop: accruedBy.get(String(s.period)) ?? 0,
  }));
  const trendColumns = [
    col('period', 'Період', 'text'),
    col('ownWrittenKop', 'Власна премія, грн', 'money'),
    col('downlineWrittenKop', 'Премія структури, грн', 'money'),
    col('accruedKop', 'Нараховано, грн', 'money'),
  ];

  // Progress towards the next level: the plan's condition and the last calculated figures.
  const progress: ConsultantReport['progress'] = {
    level,
    nextLevel: null,
    condition: null,
    period: null,
    figures: {},
  };
  try {
    const { plan } = await planForPeriod(database, f.to);
    const levels = [...plan.levels].sort((a, b) => a.rank - b.rank);
    const here = levels.findIndex((l) => l.code === level);
    const next = here >= 0 ? levels[here + 1] : levels[0];
    if (next) {
      progress.nextLevel = next.code;
      progress.condition = next.promote?.source ?? null;
    }
  } catch {
    // No plan in force for the period: no condition to show.
  }
  const metric = await sql<Record<string, unknown>>`
    select m.period_code, m.personal_volume_u, m.group_volume_u, m.personal_premium, m.new_policies, m.active_directs, m.legs
    from consultant_period_metric m join calculation_run r on r.id = m.run_id
    where m.consultant_id = ${id} and r.status in ('posted', 'superseded') and r.run_kind = 'period'
      and r.finished_at <= ${ctx.knownAt} and m.period_code <= ${f.to}
    order by m.period_code desc, r.finished_at desc, r.id desc`.execute(db);
  const latest = metric.rows[0];
  if (latest) {
    progress.period = String(latest.period_code);
    progress.figures = {
      personalVolume: String(latest.personal_volume_u),
      groupVolume: String(latest.group_volume_u),
      personalPremiumKop: kop(latest.personal_premium),
      newPolicies: num(latest.new_policies),
      activeDirects: num(latest.active_directs),
      legs: num(latest.legs),
    };
  }

  // Contests running in the last period: the consultant's place, score and prize so far.
  const contestRows: ReportRow[] = [];
  const running = await listContests(database, { running: f.to, limit: 50 });
  for (const contest of running.items) {
    try {
      const standing = await contestStandings(database, contest.code, {
        metrics: periodMetrics(database),
        knownAt: ctx.knownAt,
      });
      const mine = standing.standings.find((s) => s.consultantId === id);
      contestRows.push({
        contest: `${contest.code} ${contest.name}`,
        place: mine?.place ?? null,
        of: standing.standings.length,
        score: mine?.score ?? null,
        prize: mine?.prize ?? null,
        provisional: standing.provisional ? 'так' : 'ні',
      });
    } catch {
      // A contest whose standings cannot be read now is left out of the report.
    }
  }
  const contestColumns = [
    col('contest', 'Конкурс', 'text'),
    col('place', 'Місце', 'int'),
    col('of', 'Учасників', 'int'),
    col('score', 'Результат', 'text'),
    col('prize', 'Приз', 'text'),
    col('provisional', 'Попередньо', 'text'),
  ];

  const section = (
    name: string,
    title: string,
    columns: ReportColumn[],
    rows: ReportRow[],
    extra: Partial<Report> = {},
  ): Report => ({
    name,
    title: `${title}: ${person.code} ${person.full_name}`,
    filters: f,
    columns,
    rows,
    totals: sumColumns(columns, rows),
    summary: [],
    ...extra,
  });
  const persistencySection = section(
    'persistency',
    'Збереженість власних договорів',
    persistencyColumns,
    persistencyRows,
  );
  persistencySection.totals = { horizon: 'Разом', eligible: null, persisted: null, pct: null };
  const contestSection = section('contests', 'Конкурси', contestColumns, contestRows);
  contestSection.totals = {
    contest: 'Разом',
    place: null,
    of: null,
    score: null,
    prize: null,
    provisional: null,
  };
  return {
    consultant: {
      code: person.code,
      fullName: person.full_name,
      level,
      unit: placement.rows[0]?.unit_code ?? null,
    },
    sections: [
      section('sales', 'Продажі (власні і структури)', salesColumns, salesRows),
      section('remuneration', 'Винагорода по рядках', lineColumns, lineRows),
      persistencySection,
      section('trends', 'Динаміка', trendColumns, trendRows, {
        chart: {
          title: 'Динаміка за періодами',
          labelKey: 'period',
          valueKeys: ['ownWrittenKop', 'downlineWrittenKop', 'accruedKop'],
          rows: trendRows,
        },
        totals: sumColumns(trendColumns, trendRows),
      }),
      contestSection,
    ],
    progress,
  };
}
