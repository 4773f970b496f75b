/**
 * The agent network: sponsor tree, units, careers and their history, read as of any date and as
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
export {
  careerLevelAsOf,
  careerHistory,
  recordCareerChange,
  type CareerEntry,
  type CareerChange,
} from './career-repository';
export { recordAudit, type AuditEntry } from './audit';
