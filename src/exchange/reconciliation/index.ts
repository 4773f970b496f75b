/**
 * Reconciliation: the differences between an insurer's view and ours (mismatches), from the moment
 * the exchange raises one while applying a message to a person's decision on it. Owns the tables
 * mismatch and agent_code_alias. It sits in the exchange, not the back office, because the
 * exchange's apply step raises mismatches and data flows one way (exchange → core → back office);
 * the back office only reads them (back-office/periods refuses to close a period while some are
 * open). The API (src/api/routes/exchange), the CLI (`ecspert mismatch`) and anything else call this
 * service.
 */
export {
  raiseMismatches,
  listMismatches,
  findMismatch,
  type Mismatch,
  type MismatchClearing,
  type MismatchFilter,
  type MismatchInput,
  type MismatchSource,
} from './mismatches';
export {
  resolveMismatch,
  resolveMismatches,
  letterFor,
  MismatchResolutionError,
  MISMATCH_ACTIONS,
  MISMATCH_TRANSITIONS,
  type MismatchAction,
  type MismatchDecision,
  type MismatchStatus,
  type ResolutionRequest,
  type ResolutionResult,
} from './resolution';
export { addAgentCodeAlias, consultantsByAlias, listAgentCodeAliases } from './aliases';
export { type LetterDraft } from './letter';
export { sweepAcceptedNoContract, type SweepReport } from './sweep';
export { acceptedNoContractDays, autoRuleFor, reconciliationConfig } from './rules';
