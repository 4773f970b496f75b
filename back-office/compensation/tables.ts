/** Table types of migrations/0200_compensation.ts (the core's DB interface plus these). */
import type { Generated } from 'kysely';
import type { DB, Decimal, IsoDate } from '../../src/db/schema';

export interface PlanVersionTable {
  id: Generated<number>;
  plan_code: string;
  version: string;
  effective_from: string;
  sha256: string;
  document: unknown;
  source_file: string | null;
  status: 'active' | 'draft' | 'retired';
  loaded_at: Date;
  loaded_by: string | null;
}

export type RunStatus = 'running' | 'posted' | 'superseded' | 'failed';

export interface CalculationRunTable {
  id: Generated<number>;
  period_code: string;
  plan_version_id: number;
  plan_code: string;
  plan_version: string;
  input_fingerprint: string;
  known_at: Date;
  status: RunStatus;
  line_count: number;
  total_amount: Decimal;
  missing_inputs: unknown;
  started_at: Date;
  finished_at: Date | null;
  created_by: string | null;
  /** 'period': the period's own calculation; 'correction': storno/additional lines (migrations/0400). */
  run_kind: Generated<RunKind>;
  /** On a correction run: the closed period it recalculated. */
  corrects_period: Generated<string | null>;
}

export type RunKind = 'period' | 'correction';

export interface AccrualTable {
  id: Generated<number>;
  run_id: number;
  line_no: number;
  period_code: string;
  consultant_id: number;
  kind: string;
  source_kind: string;
  source_id: number;
  policy_id: number | null;
  downline_consultant_id: number | null;
  rule: string;
  plan_version: string;
  base: Decimal;
  rate: Decimal;
  amount: Decimal;
  /** The text; null on lines whose explanation is stored as data (explanation_data). */
  explanation: string | null;
  /** A payment line's explanation as structured data (compensation/explanation.ts); null on others. */
  explanation_data: Generated<string | null>;
  corrects_period: string | null;
  storno_of_accrual_id: number | null;
  created_at: Date;
  /** On correction lines: the recalculation requests and changes that caused it. */
  cause: Generated<string | null>;
}

export interface ConsultantPeriodMetricTable {
  id: Generated<number>;
  run_id: number;
  period_code: string;
  consultant_id: number;
  personal_volume_u: number;
  group_volume_u: number;
  personal_premium: Decimal;
  new_policies: number;
  active_directs: number;
  legs: number;
  is_active: number;
  career_level: string;
  paid_level: string;
}

/** A period's metrics per consultant as they stand now (migrations/0760_period_metric_current.ts). */
export interface PeriodMetricCurrentTable {
  period_code: string;
  consultant_id: number;
  sponsor_id: number | null;
  personal_volume_u: number;
  group_volume_u: number;
  personal_premium: Decimal;
  new_policies: number;
  active_directs: number;
  legs: number;
  is_active: number;
  is_qualified: number;
  career_level: string;
  paid_level: string;
  personal_commission: Decimal;
  structural_commission: Decimal;
  known_at: Date;
}

export interface CareerDecisionTable {
  id: Generated<number>;
  run_id: number;
  consultant_id: number;
  kind: 'promotion' | 'demotion';
  from_level: string;
  to_level: string;
  effective_from: IsoDate;
  reason: string;
}

export interface CorrectionRunRequestTable {
  id: Generated<number>;
  run_id: number;
  request_id: number;
}

export interface PeriodCloseAttemptTable {
  id: Generated<number>;
  period_code: string;
  attempted_at: Date;
  attempted_by: string;
  outcome: 'closed' | 'refused';
  reasons: unknown;
}

export interface CompensationDB extends DB {
  correction_run_request: CorrectionRunRequestTable;
  period_close_attempt: PeriodCloseAttemptTable;
  plan_version: PlanVersionTable;
  calculation_run: CalculationRunTable;
  accrual: AccrualTable;
  consultant_period_metric: ConsultantPeriodMetricTable;
  career_decision: CareerDecisionTable;
  period_metric_current: PeriodMetricCurrentTable;
}
