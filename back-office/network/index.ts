/**
 * The agent network: sponsor tree, units, consultants (hire, terminate, rehire, transfer, contact),
 * careers and their history, read as of any date and as
 * known at any moment.
 */
export {
  sponsorTreeAsOf,
  uplineAsOf,
  downlineAsOf,
  changeSponsor,
  changeUnit,
  unitOfConsultantAsOf,
  findConsultantByCode,
  NetworkRuleError,
  type NetworkNode,
  type RelativeNode,
} from './network-repository';
export { recordCalculatedCareers, recordCalculatedCareer, type CalculatedCareer } from './career-decisions';
export {
  careerLevelAsOf,
  careerHistory,
  recordCareerChange,
  type CareerEntry,
  type CareerChange,
} from './career-repository';
export {
  networkSnapshot,
  emptyNetwork,
  Timeline,
  type NetworkSnapshot,
  type SnapshotRange,
  type ActivityFact,
  type Segment,
} from './snapshot';
export { recordAudit, type AuditEntry } from './audit';
export { NetworkInputError, taxNumberProblem, isUniqueViolation, type NetworkRefusalKind } from './errors';
export {
  openUnit,
  renameUnit,
  moveUnit,
  closeUnit,
  unitTreeAsOf,
  showUnitNode,
  unitMembersAsOf,
  unitStructureAsOf,
  type UnitNode,
  type OpenUnit,
  type RenameUnit,
  type MoveUnit,
  type CloseUnit,
} from './units';
export {
  hireConsultant,
  terminateConsultant,
  rehireConsultant,
  transferConsultant,
  updateContactDetails,
  statusAsOf,
  type Hire,
  type Termination,
  type Rehire,
  type Transfer,
  type ContactUpdate,
  type LegalForm,
  type ActivityStatus,
} from './consultants';
export { type ConsultantScope, scopeSeesConsultant, scopeSeesMoneyOf, visibleConsultantIds } from './scope';
export {
  networkTree,
  listConsultants,
  consultantCard,
  policiesOfConsultant,
  relativesOf,
  relativesPage,
  type TreeNode,
  type TreeQuery,
  type NetworkCard,
  type ConsultantSummary,
} from './views';
export { loadNetwork, type LoadedHistory, type LoadedNetwork, type NetworkLoad } from './load';
