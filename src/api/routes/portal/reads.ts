/**
 * The reads the consultant portal and its charts need, over the compensation ledger's posted runs
 * and the network module's service: income by period and kind, volumes per consultant and per unit,
 * and progress towards the next career level. Nothing here writes; money stays integer kopiyky and is
 * summed by the database; volumes are the calculation's stored metrics, in points (exact decimals).
 */
import type { Kysely } from 'kysely';
import { type CompensationDB, postedRun } from '../../../../back-office/compensation';
import { type Database, kopiykyFromDecimal } from '../../../db';

const U = 1_000_000n; // volume units per point, as the engine stores them

const ledger = (database: Database) => database.db as unknown as Kysely<CompensationDB>;

/** Volume units → points as an exact decimal string (`1234.5`). */
export function pointsOf(units: number | string | bigint): string {
  const value = BigInt(units);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const whole = abs / U;
  const fraction = (abs % U).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** An exact decimal string → volume units (6 decimals), for comparing with stored volumes. */
export function unitsOf(decimal: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,6}))?$/.exec(decimal.trim());
  if (!match) throw new RangeError(`not a decimal: ${decimal}`);
  const value = BigInt(match[2]) * U + BigInt((match[3] ?? '').padEnd(6, '0') || '0');
  return match[1] ? -value : value;
}

/** The last day of a yyyy-mm period. */
export function periodEnd(code: string): string {
  const [y, m] = code.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return `${code}-${String(last).padStart(2, '0')}`;
}

/** The latest period with a posted calculation, or null. */
export async function latestPostedPeriod(database: Database): Promise<string | null> {
  const row = await ledger(database)
    .selectFrom('calculation_run')
    .select('period_code')
    .where('status', '=', 'posted')
    .where('run_kind', '=', 'period')
    .orderBy('period_code', 'desc')
    .offset(0)
    .fetch(1)
    .executeTakeFirst();
  return row?.period_code ?? null;
}

export interface VolumeFigures {
  /** Points, an exact decimal. */
  personalVolume: string;
  groupVolume: string;
  /** The premium paid on the consultant's own policies in the period, kopiyky. */
  personalPremiumKop: number;
  newPolicies: number;
  activeDirects: number;
  legs: number;
  active: boolean;
  careerLevel: string;
}

interface MetricRow {
  consultant_id: number | string;
  code: string;
  personal_volume_u: number | string;
  group_volume_u: number | string;
  personal_premium: string | number;
  new_policies: number;
  active_directs: number;
  legs: number;
  is_active: number;
  career_level: string;
}

const figuresOf = (r: MetricRow): VolumeFigures => ({
  personalVolume: pointsOf(r.personal_volume_u),
  groupVolume: pointsOf(r.group_volume_u),
  personalPremiumKop: kopiykyFromDecimal(String(r.personal_premium)),
  newPolicies: Number(r.new_policies),
  activeDirects: Number(r.active_directs),
  legs: Number(r.legs),
  active: Number(r.is_active) === 1,
  careerLevel: r.career_level,
});

/**
 * The stored metrics of a period's posted calculation for the given consultants (all of them when
 * `ids` is null), by consultant id; null when the period has no posted calculation.
 */
export async function periodFigures(
  database: Database,
  periodCode: string,
  ids: number[] | null,
): Promise<{
  runId: number;
  planVersionId: number;
  byId: Map<number, VolumeFigures & { raw: MetricRow }>;
  byCode: Map<string, VolumeFigures & { raw: MetricRow }>;
} | null> {
  const db = ledger(database);
  const run = await postedRun(db, periodCode);
  if (!run) return null;
  const byId = new Map<number, VolumeFigures & { raw: MetricRow }>();
  const byCode = new Map<string, VolumeFigures & { raw: MetricRow }>();
  const select = () =>
    db
      .selectFrom('consultant_period_metric as m')
      .innerJoin('consultant as c', 'c.id', 'm.consultant_id')
      .select([
        'c.code',
        'consultant_id',
        'personal_volume_u',
        'group_volume_u',
        'personal_premium',
        'new_policies',
        'active_directs',
        'legs',
        'is_active',
        'career_level',
      ])
      .where('m.run_id', '=', run.id);
  const take = (rows: MetricRow[]) => {
    for (const r of rows) {
      const figures = { ...figuresOf(r), raw: r };
      byId.set(Number(r.consultant_id), figures);
      byCode.set(r.code, figures);
    }
  };
  if (ids === null) take(await select().execute());
  // In pieces: Oracle takes at most 1000 values in one IN list.
  else
    for (let i = 0; i < ids.length; i += 500)
      take(
        await select()
          .where('m.consultant_id', 'in', ids.slice(i, i + 500))
          .execute(),
      );
  return { runId: Number(run.id), planVersionId: Number(run.plan_version_id), byId, byCode };
}

/** No figures: a consultant the calculation did not see (no policies, no downline). */
export const NO_FIGURES: VolumeFigures = {
  personalVolume: '0',
  groupVolume: '0',
  personalPremiumKop: 0,
  newPolicies: 0,
  activeDirects: 0,
  legs: 0,
  active: false,
  careerLevel: '',
};

export interface IncomePeriod {
  periodCode: string;
  totalKop: number;
  byKind: { kind: string; totalKop: number; lines: number }[];
}

/**
 * A consultant's posted ledger lines summed by the period they are posted in and their kind
 * (corrections of earlier periods are their own kinds, storno and additional), oldest first.
 */
export async function incomeOf(
  database: Database,
  consultantId: number,
  from: string | undefined,
  to: string | undefined,
): Promise<{ periods: IncomePeriod[]; totalKop: number }> {
  let q = ledger(database)
    .selectFrom('accrual as a')
    .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
    .select([
      'a.period_code',
      'a.kind',
      (eb) => eb.fn.sum<string>('a.amount').as('total'),
      (eb) => eb.fn.countAll().as('n'),
    ])
    .where('a.consultant_id', '=', consultantId)
    .where('r.status', '=', 'posted');
  if (from) q = q.where('a.period_code', '>=', from);
  if (to) q = q.where('a.period_code', '<=', to);
  const rows = await q
    .groupBy(['a.period_code', 'a.kind'])
    .orderBy('a.period_code')
    .orderBy('a.kind')
    .execute();
  const periods: IncomePeriod[] = [];
  let totalKop = 0;
  for (const row of rows) {
    let period = periods[periods.length - 1];
    if (!period || period.periodCode !== row.period_code)
      periods.push((period = { periodCode: row.period_code, totalKop: 0, byKind: [] }));
    const kop = kopiykyFromDecimal(String(row.total));
    period.byKind.push({ kind: row.kind, totalKop: kop, lines: Number(row.n) });
    period.totalKop += kop;
    totalKop += kop;
  }
  return { periods, totalKop };
}

export interface PlanLevels {
  planCode: string;
  planVersion: string;
  levels: { code: string; name: string }[];
  qualifications: Map<string, { promote?: string; maintain?: string; window: number }>;
}

/** The levels and career qualifications of a registered plan version (as the calculation used it). */
export async function planLevels(database: Database, planVersionId: number): Promise<PlanLevels | null> {
  const row = await ledger(database)
    .selectFrom('plan_version')
    .select(['document'])
    .where('id', '=', planVersionId)
    .executeTakeFirst();
  if (!row) return null;
  const document = database.dialect.readJson(row.document) as {
    plan: string;
    version: string;
    levels: { code: string; name?: string }[];
    careers?: { qualifications?: { level: string; promote?: string; maintain?: string; window?: number }[] };
  };
  return {
    planCode: document.plan,
    planVersion: String(document.version),
    levels: document.levels.map((l) => ({ code: l.code, name: l.name ?? l.code })),
    qualifications: new Map(
      (document.careers?.qualifications ?? []).map((q) => [
        q.level,
        { promote: q.promote, maintain: q.maintain, window: q.window ?? 1 },
      ]),
    ),
  };
}

/** The yyyy-mm periods before `code`, newest first. */
export function periodsBefore(code: string, count: number): string[] {
  const out: string[] = [];
  let [y, m] = code.split('-').map(Number);
  for (let i = 0; i < count; i++) {
    m -= 1;
    if (m === 0) [y, m] = [y - 1, 12];
    out.push(`${y}-${String(m).padStart(2, '0')}`);
  }
  return out;
}

export interface Condition {
  /** The condition as the plan writes it. */
  text: string;
  metric: string | null;
  operator: string | null;
  /** What the plan asks, an exact decimal. */
  required: string | null;
  /** What the consultant reached, an exact decimal (volumes in points, premium in hryvnias). */
  reached: string | null;
  met: boolean | null;
}

/**
 * A qualification (`groupVolume >= 20000 && activeDirects >= 2 || …`) split into its alternatives
 * and their comparisons, each with the figure reached; a part the split does not understand (brackets,
 * arithmetic) is kept as its text with `met: null`, and so is the whole answer then.
 */
export function checkQualification(
  source: string,
  values: Record<string, bigint>,
): { alternatives: { conditions: Condition[]; met: boolean | null }[]; met: boolean | null } {
  const alternatives = source.split('||').map((alternative) => {
    const conditions = alternative.split('&&').map((part): Condition => {
      const text = part.trim();
      const match = /^(\w+)\s*(>=|<=|>|<|==|!=)\s*(\d+(?:\.\d{1,6})?)$/.exec(text);
      if (!match || !(match[1] in values))
        return { text, metric: null, operator: null, required: null, reached: null, met: null };
      const [, metric, operator, required] = match;
      const reached = values[metric];
      const wanted = unitsOf(required);
      const met = {
        '>=': reached >= wanted,
        '<=': reached <= wanted,
        '>': reached > wanted,
        '<': reached < wanted,
        '==': reached === wanted,
        '!=': reached !== wanted,
      }[operator]!;
      return { text, metric, operator, required, reached: pointsOf(reached), met };
    });
    const met = conditions.some((c) => c.met === null) ? null : conditions.every((c) => c.met);
    return { conditions, met };
  });
  const met = alternatives.some((a) => a.met === true)
    ? true
    : alternatives.some((a) => a.met === null)
      ? null
      : false;
  return { alternatives, met };
}
