/**
 * What a period's calculation asks of the contests module: the metrics contests rank by (posted or
 * previewed here, passed to them), and their money prizes turned into the run's accrual lines.
 * Compensation calls contests; contests never import compensation, so the two do not know each other
 * both ways.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db';
import { kopiykyFromDecimal } from '../../src/db/money';
import { contestPrizes, type ContestMetrics, type PeriodMetrics } from '../contests';
import type { AccrualLine, ConsultantMetrics } from './engine';
import type { CompensationDB } from './tables';

/** The metrics a contest reads from a run's, in its own terms. */
export function contestMetricsOf(metrics: ConsultantMetrics[]): ContestMetrics[] {
  return metrics.map((m) => ({
    consultantId: m.consultantId,
    personalVolumeU: m.personalVolumeU,
    groupVolumeU: m.groupVolumeU,
    personalPremiumKop: m.personalPremiumKop,
    newPolicies: m.newPolicies,
  }));
}

/** Metrics the posted run of a period stored; empty when no run of the period is posted. */
export async function postedMetrics(database: Database, periodCode: string): Promise<ContestMetrics[]> {
  const stored = await (database.db as unknown as Kysely<CompensationDB>)
    .selectFrom('consultant_period_metric as m')
    .innerJoin('calculation_run as r', 'r.id', 'm.run_id')
    .select([
      'm.consultant_id',
      'm.personal_volume_u',
      'm.group_volume_u',
      'm.personal_premium',
      'm.new_policies',
    ])
    .where('r.status', '=', 'posted')
    .where('m.period_code', '=', periodCode)
    .execute();
  return stored.map((m) => ({
    consultantId: Number(m.consultant_id),
    personalVolumeU: Number(m.personal_volume_u),
    groupVolumeU: Number(m.group_volume_u),
    personalPremiumKop: kopiykyFromDecimal(m.personal_premium),
    newPolicies: m.new_policies,
  }));
}

/**
 * The money prizes of the contests ending in the period as accrual lines, one per winner and contest
 * (the final standings, this period's metrics included, decide).
 */
export async function contestPrizeLines(
  database: Database,
  periodCode: string,
  metrics: ConsultantMetrics[],
  knownAt: Date,
  planVersion: string,
  periodMetrics: PeriodMetrics,
): Promise<Omit<AccrualLine, 'lineNo'>[]> {
  const prizes = await contestPrizes(database, periodCode, contestMetricsOf(metrics), knownAt, periodMetrics);
  return prizes.map((p) => ({
    consultantId: p.consultantId,
    periodCode,
    kind: 'contest' as const,
    sourceKind: 'contest' as const,
    sourceId: p.contestId,
    policyId: null,
    downlineConsultantId: null,
    rule: `contest.${p.contestCode}`,
    planVersion,
    baseKop: p.amountKop,
    rate: '100.000000',
    amountKop: p.amountKop,
    explanation: p.explanation,
  }));
}
