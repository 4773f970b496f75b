/**
 * Production periods: the lifecycle (open → calculated → closed, closing refused with reasons while
 * blocking items are open), changes that reach into closed periods (manual careers, sponsors, units,
 * transfers: kept as change requests until a second signed-in user approves them, ./approvals.ts;
 * any described change) recorded with recalculation requests, the recalculation of
 * closed periods into storno and additional lines posted in the open period (preview, post), and the
 * acts of a closed period. CLI: src/cli/commands/back-office.ts; API: src/api/routes/back-office.
 */
export {
  closePeriod,
  closingBlockers,
  listPeriods,
  loadClosingRules,
  CLOSING_RULES_PATH,
  PeriodCloseRefusedError,
  type ClosingBlocker,
  type ClosingRules,
  type ClosedPeriod,
  type PeriodSummary,
} from './closing';
export {
  recordManualCareerChange,
  recordSponsorChange,
  recordUnitChange,
  requestRecalculation,
  ChangeRefusedError,
  type ManualCareerChange,
  type SponsorChange,
  type UnitChange,
  type RecalculationCause,
  type RecordedChange,
} from './changes';
export {
  pendingRequests,
  previewCorrections,
  previewChange,
  postCorrections,
  differences,
  type CorrectionLine,
  type CorrectionReport,
  type CorrectionOptions,
  type PeriodCorrection,
  type ConsultantImpact,
  type CareerAdjustment,
} from './recalculation';
export {
  submitChange,
  listChangeRequests,
  showChangeRequest,
  approveChangeRequest,
  rejectChangeRequest,
  ChangeRequestError,
  APPROVER_ROLES,
  CHANGE_KINDS,
  CHANGE_REQUEST_STATUSES,
  type ChangeKind,
  type ChangeRequest,
  type ChangeRequestQuery,
  type ChangeRequestStatus,
  type ProposedChange,
  type Submitted,
  type Decider,
} from './approvals';
export { actsNotClosed, producePeriodActs, ActsRefusedError, type PeriodActs } from './acts';
