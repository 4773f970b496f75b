/**
 * Policy records: the one writer of persons, applications (and their state), policies, policy
 * versions, amendments, payment calendars and premium payments. It sits in the core layer, so the
 * exchange (src/exchange/apply, the register builder), the back office (back-office/policies) and
 * the demo all write these tables through this service and none of them imports another to do so.
 * Business rules (a tax number's check digit, a consultant allowed to sell, a reversal that nets to
 * zero) stay with the caller that knows them; this module keeps the tables' own invariants: one
 * person per tax number, an application leaves `pending` only once, versions and payments are
 * never changed in place. Reading these tables is open to the modules that show them.
 */
export { type Writer } from './writer';
export {
  changePersonContacts,
  type ContactDetails,
  ensurePersons,
  insertPerson,
  loadPersons,
  type NewPersonRow,
  type PersonIdentity,
  personKey,
} from './persons';
export {
  type ApplicationOutcome,
  insertApplication,
  linkApplicationsToPolicies,
  loadApplications,
  lockApplications,
  markApplicationsSent,
  type NewApplicationRow,
  nextApplicationNumber,
  recordApplicationOutcome,
  returnApplicationsToPending,
  withdrawPendingApplication,
} from './applications';
export {
  insertAmendment,
  insertPolicies,
  insertPolicyVersions,
  insertPremiumPayments,
  linkPolicyToApplication,
  loadAmendments,
  loadPaymentSchedule,
  type NewAmendmentRow,
  type NewInstalmentRow,
  type NewPolicyRow,
  type NewPolicyVersionRow,
  type NewPremiumPaymentRow,
} from './policies';
