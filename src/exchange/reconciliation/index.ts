/**
 * Reconciliation: the differences between an insurer's view and ours (mismatches), from the moment
 * the exchange raises one while applying a message to a person's decision on it. Owns the table
 * mismatch. It sits in the exchange, not the back office, because the exchange's apply step raises
 * mismatches and data flows one way (exchange → core → back office); the back office only reads
 * them (back-office/periods refuses to close a period while some are open). The API
 * (src/api/routes/exchange) and anything else call this service.
 */
export {
  raiseMismatches,
  listMismatches,
  findMismatch,
  type Mismatch,
  type MismatchFilter,
  type MismatchInput,
  type MismatchSource,
} from './mismatches';
export {
  resolveMismatch,
  MismatchResolutionError,
  MISMATCH_TRANSITIONS,
  type MismatchDecision,
  type MismatchStatus,
} from './resolution';
