/**
 * Acts of completed work (акти виконаних робіт): one per consultant per production period with
 * anything to pay, numbered gaplessly per year; lines are the period's accruals by kind plus the
 * corrections of earlier periods; an individual's ПДФО and military levy are withheld at the rates
 * of each line's accrual period (withholding-rates.json), a sole proprietor is paid gross. Output:
 * the PDF in Ukrainian, CSV/XLSX of an act, and the period register for the accountant.
 *
 * Pure parts take plain data (buildAct, planPeriodActs, exports, renderActPdf); the repository reads
 * the accrual ledger (migrations/0200) and stores acts (migrations/0300).
 */
export {
  buildAct,
  planPeriodActs,
  grossOf,
  CARRIED_FORWARD,
  formatActNumber,
  lastDayOfPeriod,
  withheldByTax,
  KIND_NAMES,
  LEGAL_FORM_NAMES,
  ActInputError,
  NothingToPayError,
  type Act,
  type ActLine,
  type ActInput,
  type ActInputLine,
  type ActConsultant,
  type BuildActOptions,
  type LedgerAccrual,
  type PeriodActPlan,
  type CarriedBalance,
} from './act';
export {
  computeWithholding,
  percentOf,
  rateFor,
  loadRateTable,
  DEFAULT_RATE_TABLE,
  WithholdingRateError,
  type LegalForm,
  type WithholdingLine,
  type WithholdingRateTable,
  type WithholdingBase,
  type RatePeriod,
  type TaxDefinition,
} from './withholding';
export { amountInWords, numberInWords, pluralForm } from './amount-in-words';
export { renderActPdf, periodName, ACT_FONT_FILES, type Intermediary } from './pdf';
export {
  actCsv,
  actXlsx,
  periodRegister,
  periodRegisterCsv,
  periodRegisterXlsx,
  registerRowOf,
  type PeriodRegister,
  type RegisterRow,
} from './exports';
export {
  actsDb,
  allocateActNumber,
  ensureActYear,
  takeActNumber,
  issueAct,
  issuePeriodActs,
  loadPeriodLedger,
  loadCarriedBalances,
  loadPeriodRegister,
  loadActPdf,
  checkActsAgainstLedger,
  ActAlreadyIssuedError,
  type ActsProgress,
  type IssueActOptions,
  type IssuedAct,
  type PeriodIssue,
  type LedgerCheck,
} from './repository';
export { actsOfConsultant, type ActOfConsultant } from './consultant-acts';
export type { ActsDB } from './tables';
