/**
 * A closed period recalculated within the reach of its causes (reach.ts): only the reach's inputs
 * are read, the engine runs over the reach's consultants, and the uplines' metrics and commissions
 * are completed from the period's stored metrics (period_metric_current): what the rest of their
 * network contributes is the stored figure less what the reach contributed when it was stored (the
 * reach's inputs read as known then) plus what it contributes now. Lines compared are those the
 * causes can move: every line of the reach's sales, and the consultant-level lines (bonuses,
 * chargebacks) of the reach's consultants.
 *
 * The bound holds while the uplines are paid as they were: when an upline's activity, qualification
 * or level moves (or a contest ends in the period, or the plan reads the network on the date of
 * sale), its lines on sales outside the reach can move too, and the caller falls back to the full
 * comparison (`fallback` says why).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import {
  type AccrualLine,
  calculate,
  type CareerDecision,
  type CompensationDB,
  type ConsultantMetrics,
  type CurrentMetric,
  periodRef,
  planForPeriod,
  priorPeriods,
} from '../compensation';
import type { Reach } from './reach';
import { reachInputsAt, reachLiveLines, type ReachRows } from './reach-load';

export interface LiveLine {
  id: number;
  consultantId: number;
  rule: string;
  sourceKind: string;
  sourceId: number;
  policyId: number | null;
  baseKop: number;
  rate: string;
  amountKop: number;
  explanation: string;
}

export const keyOf = (consultantId: number, rule: string, sourceKind: string, sourceId: number) =>
  `${consultantId}|${rule}|${sourceKind}|${sourceId}`;

export interface BoundedPeriod {
  fallback: null;
  /** What should have been, within the reach. */
  lines: AccrualLine[];
  /** The ledger's lines in force, within the reach, by key. */
  live: Map<string, LiveLine[]>;
  careerDecisions: CareerDecision[];
  metrics: ConsultantMetrics[];
  commissions: { personal: Map<number, number>; structural: Map<number, number> };
  sponsorAt: (id: number) => number | null;
  fingerprint: string;
  planCode: string;
  planVersion: string;
  missing: ReturnType<typeof calculate>['missing'];
  payments: number;
}

const IN_LIST = 1000;
const chunks = <T>(items: readonly T[], size = IN_LIST) => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * The period's lines in force (its posted calculation and the corrections naming it, less what a
 * storno reverses) among those of the sources given, by key.
 */
async function liveLinesOf(
  db: Kysely<CompensationDB>,
  period: string,
  sources: { kind: string; ids: readonly number[] }[],
): Promise<LiveLine[]> {
  const runs = new Set(
    (
      await db
        .selectFrom('calculation_run')
        .select('id')
        .where('period_code', '=', period)
        .where('status', '=', 'posted')
        .where('run_kind', '=', 'period')
        .execute()
    ).map((r) => Number(r.id)),
  );
  const all: (LiveLine & { kind: string; stornoOf: number | null })[] = [];
  for (const { kind, ids } of sources)
    for (const chunk of chunks([...new Set(ids)].sort((a, b) => a - b))) {
      const rows = await db
        .selectFrom('accrual as a')
        .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
        .select([
          'a.id',
          'a.run_id',
          'a.corrects_period',
          'a.consultant_id',
          'a.kind',
          'a.rule',
          'a.source_kind',
          'a.source_id',
          'a.policy_id',
          'a.base',
          'a.rate',
          'a.amount',
          'a.storno_of_accrual_id',
        ])
        .where('a.source_kind', '=', kind as never)
        .where('a.source_id', 'in', chunk)
        .where('r.status', '=', 'posted')
        .execute();
      for (const r of rows) {
        if (!(r.corrects_period === period || runs.has(Number(r.run_id)))) continue;
        all.push({
          id: Number(r.id),
          consultantId: Number(r.consultant_id),
          kind: r.kind,
          rule: r.rule,
          sourceKind: r.source_kind,
          sourceId: Number(r.source_id),
          policyId: r.policy_id === null ? null : Number(r.policy_id),
          baseKop: kopiykyFromDecimal(r.base),
          rate: String(r.rate),
          amountKop: kopiykyFromDecimal(r.amount),
          explanation: '',
          stornoOf: r.storno_of_accrual_id === null ? null : Number(r.storno_of_accrual_id),
        });
      }
    }
  const reversed = new Set(all.filter((l) => l.kind === 'storno').map((l) => l.stornoOf));
  return all
    .filter((l) => l.kind !== 'storno' && !reversed.has(l.id))
    .sort((a, b) => a.id - b.id)
    .map(({ kind: _kind, stornoOf: _stornoOf, ...line }) => line);
}

const commissionKind = (rule: string) =>
  rule.startsWith('personal.')
    ? 'personal'
    : rule.startsWith('differential.') || rule.startsWith('generation.')
      ? 'structural'
      : null;

/** The bounded recalculation of one closed period, or why it cannot be bounded. */
export async function boundedPeriod(
  database: Database,
  periodCode: string,
  reach: Reach,
  rows: ReachRows,
  knownAt: Date,
  codes: Map<number, string>,
  timings: Record<string, number> = {},
): Promise<BoundedPeriod | { fallback: string }> {
  const db = database.db as unknown as Kysely<CompensationDB>;
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    timings[`${periodCode}.bounded.${stage}`] = Math.round(now - t);
    t = now;
  };
  const { plan } = await planForPeriod(database, periodCode);
  if (plan.personalNetwork === 'sale_date' || plan.structuralNetwork === 'sale_date')
    return { fallback: 'the plan reads the network on the date of sale' };
  const contests = await (db as unknown as Kysely<any>)
    .selectFrom('contest')
    .select('id')
    .where('last_period', '=', periodCode)
    .execute();
  if (contests.length) return { fallback: 'a contest ends in the period (it ranks everyone)' };
  const stored = rows.stored.get(periodCode) ?? new Map<number, CurrentMetric>();
  for (const id of reach.uplines)
    if (!stored.has(id)) return { fallback: `no stored metrics of upline ${codes.get(id) ?? id}` };
  if (!stored.size) return { fallback: 'the period has no stored metrics' };
  // The state the stored metrics describe: the latest run that wrote the reach's.
  let storedAt = 0;
  for (const m of stored.values()) storedAt = Math.max(storedAt, m.knownAt.getTime());
  const period = await periodRef(db, periodCode);
  lap('plan');
  const inputs = await reachInputsAt(database, rows, period, reach, knownAt, codes);
  const before = await reachInputsAt(database, rows, period, reach, new Date(storedAt), codes);
  lap('inputs');
  // What the reach contributed to the volumes when the metrics were stored.
  const old = new Map(calculate(plan, before).metrics.map((m) => [m.consultantId, m]));
  lap('before');

  const loaded = new Set(inputs.payments.map((p) => p.id));
  const paymentIds = new Set([...loaded, ...before.payments.map((p) => p.id)]);
  const lapsed = new Set(inputs.lapses.map((l) => l.policyId));
  const reachIds = new Set(reach.ids);
  const inReach = reachLiveLines(
    rows,
    periodCode,
    (l) =>
      (l.sourceKind === 'payment' && paymentIds.has(l.sourceId)) ||
      (l.sourceKind === 'consultant' && reachIds.has(l.sourceId) && reach.all.has(l.consultantId)) ||
      (l.sourceKind === 'policy' && lapsed.has(l.sourceId) && reach.all.has(l.consultantId)),
  );
  // The reach's commission in force on the reach's sales (replaced by what the engine finds now).
  const livePersonal = new Map<number, number>();
  const liveStructural = new Map<number, number>();
  for (const l of inReach) {
    if (l.sourceKind !== 'payment') continue;
    const kind = commissionKind(l.rule);
    const map = kind === 'personal' ? livePersonal : kind === 'structural' ? liveStructural : null;
    if (map) map.set(l.consultantId, (map.get(l.consultantId) ?? 0) + l.amountKop);
  }
  // A lapsed policy's lines of this period on sales outside the reach stand: they count as earned.
  if (lapsed.size && plan.chargebacks.length) {
    for (const l of await liveLinesOf(db, periodCode, [
      { kind: 'payment', ids: await paymentsOf(db, period, [...lapsed]) },
    ]))
      if (
        !loaded.has(l.sourceId) &&
        l.policyId !== null &&
        lapsed.has(l.policyId) &&
        reach.all.has(l.consultantId) &&
        commissionKind(l.rule)
      )
        inputs.earnings.push({ policyId: l.policyId, consultantId: l.consultantId, amountKop: l.amountKop });
  }
  if (plan.maxWindow > 1)
    inputs.prior = await priorPeriods(db, periodCode, plan.maxWindow - 1, undefined, reach.ids);
  lap('live');

  const zero = (id: number): CurrentMetric | undefined => stored.get(id);
  const sponsorEnd = (id: number) => inputs.network.sponsors.at(id, period.endsOn) ?? null;
  let commissions: BoundedPeriod['commissions'] | null = null;
  inputs.completion = {
    volumes(metrics) {
      for (const id of reach.ids) {
        const m = metrics.get(id);
        const s = zero(id);
        const o = old.get(id);
        if (!m) continue;
        m.personalVolumeU += (s?.personalVolumeU ?? 0) - (o?.personalVolumeU ?? 0);
        m.groupVolumeU += (s?.groupVolumeU ?? 0) - (o?.groupVolumeU ?? 0);
        m.personalPremiumKop += (s?.personalPremiumKop ?? 0) - (o?.personalPremiumKop ?? 0);
        m.newPolicies += (s?.newPolicies ?? 0) - (o?.newPolicies ?? 0);
      }
    },
    directs(metrics) {
      // Directs outside the reach count as stored; those inside as the engine counted them now.
      const legs = new Map<number, number>();
      const activeDirects = new Map<number, number>();
      for (const id of reach.ids) {
        const s = stored.get(id);
        if (!s || s.sponsorId === null) continue;
        if (s.groupVolumeU > 0) legs.set(s.sponsorId, (legs.get(s.sponsorId) ?? 0) + 1);
        if (s.active) activeDirects.set(s.sponsorId, (activeDirects.get(s.sponsorId) ?? 0) + 1);
      }
      for (const id of reach.ids) {
        const m = metrics.get(id);
        const s = stored.get(id);
        if (!m || !s) continue;
        m.legs += s.legs - (legs.get(id) ?? 0);
        m.activeDirects += s.activeDirects - (activeDirects.get(id) ?? 0);
      }
    },
    commissions(personal, structural) {
      for (const id of reach.ids) {
        const s = stored.get(id);
        if (!s) continue;
        const p = s.personalCommissionKop - (livePersonal.get(id) ?? 0);
        const st = s.structuralCommissionKop - (liveStructural.get(id) ?? 0);
        if (p) personal.set(id, (personal.get(id) ?? 0) + p);
        if (st) structural.set(id, (structural.get(id) ?? 0) + st);
      }
      commissions = { personal, structural };
    },
  };
  const result = calculate(plan, inputs);
  lap('engine');
  // An upline paid otherwise than stored moves its lines on sales outside the reach too.
  for (const m of result.metrics) {
    if (!reach.uplines.has(m.consultantId)) continue;
    const s = stored.get(m.consultantId)!;
    if (
      s.active !== m.active ||
      s.qualified !== m.qualified ||
      s.careerLevel !== m.careerLevel ||
      s.paidLevel !== m.paidLevel
    )
      return {
        fallback: `upline ${codes.get(m.consultantId) ?? m.consultantId} is paid otherwise than stored`,
      };
  }
  const liveByKey = new Map<string, LiveLine[]>();
  for (const { runId: _run, correctsPeriod: _corrects, kind: _kind, stornoOf: _storno, ...l } of inReach) {
    const k = keyOf(l.consultantId, l.rule, l.sourceKind, l.sourceId);
    const line = { ...l, explanation: '' };
    const list = liveByKey.get(k);
    if (list) list.push(line);
    else liveByKey.set(k, [line]);
  }
  return {
    fallback: null,
    lines: result.lines.filter((l) => l.sourceKind === 'payment' || reach.all.has(l.consultantId)),
    live: liveByKey,
    careerDecisions: result.careerDecisions,
    metrics: result.metrics,
    commissions: commissions ?? { personal: new Map(), structural: new Map() },
    sponsorAt: sponsorEnd,
    fingerprint: result.fingerprint,
    planCode: result.planCode,
    planVersion: result.planVersion,
    missing: result.missing,
    payments: inputs.payments.length,
  };
}

/** The period's payments on the policies given. */
async function paymentsOf(
  db: Kysely<CompensationDB>,
  period: { startsOn: string; endsOn: string },
  policyIds: readonly number[],
): Promise<number[]> {
  const ids: number[] = [];
  for (const chunk of chunks(policyIds))
    for (const r of await db
      .selectFrom('premium_payment')
      .select('id')
      .where('policy_id', 'in', chunk)
      .where('paid_on', '>=', period.startsOn)
      .where('paid_on', '<=', period.endsOn)
      .execute())
      ids.push(Number(r.id));
  return ids;
}
