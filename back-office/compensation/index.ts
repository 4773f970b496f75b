/**
 * The compensation engine: plans as data (schemas/plan.schema.json, back-office/plans/), the pure
 * period calculation (metrics, careers, personal and structural commission, bonuses, chargebacks),
 * the append-only accrual ledger, the what-if of a draft plan. CLI/API call these functions.
 */
export {
  checkPlanFile,
  loadPlanFile,
  compilePlan,
  PlanRefusedError,
  DEFAULT_PLAN_PATH,
  loadPlanText,
  PLAN_TEXT_MAX_CHARS,
  type CompiledPlan,
  type PlanCheckResult,
  type PlanProblem,
} from './plan';
export {
  calculatePeriod,
  whatIf,
  registerPlan,
  syncCareerLevels,
  type CareerLevelSync,
  planForPeriod,
  periodMetrics,
  productCatalog,
  CalculationRefusedError,
  type PeriodCalculation,
  type WhatIfReport,
  type WhatIfRow,
  type CalculateOptions,
} from './calculate';
export {
  calculate,
  fingerprintInputs,
  nextPeriodStart,
  toPlainLine,
  type AccrualLine,
  type CareerDecision,
  type PeriodVolumes,
  type CalculationResult,
  type PeriodInputs,
  type MissingInput,
} from './engine';
export { accrualTotalsOf, type PeriodAccrualTotal } from './consultant-totals';
export {
  ACCRUAL_KINDS,
  accrualTotals,
  countAccruals,
  postCorrectionRun,
  type CorrectionRun,
  listAccruals,
  postedRun,
  volumesOf,
  type LedgerLine,
  type AccrualQuery,
} from './ledger';
export {
  listPlans,
  listPlanVersions,
  loadPlanVersion,
  checkPlanText,
  type PlanSummary,
  type PlanVersionRow,
  type PlanVersionDetail,
} from './plan-versions';
export { PRODUCT_GROUPS, type ProductCatalog } from './product-catalog';
export { loadPeriodInputs, periodRef } from './inputs';
export { ensurePeriodLocks, lockPeriods } from './period-lock';
export { markPeriodClosed, openPeriod } from './period-register';
export { compileExpression, ExpressionError } from './expression';
export type { CompensationDB } from './tables';
export {
  commissionsOf,
  type CurrentMetric,
  readCurrentMetrics,
  storeCurrentMetrics,
} from './current-metrics';
export { priorPeriods } from './ledger';
export { contestPrizeLines } from './contest-lines';
export type {
  ConsultantMetrics,
  MetricsCompletion,
  PaymentInput,
  LapseInput,
  EarningInput,
  PeriodRef,
} from './engine';
export { ledgerExplanation } from './explanation';
