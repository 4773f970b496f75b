/**
 * Policies and applications: persons (policyholders and insured, one per tax number), applications
 * entered by or for a consultant and their way through registers to the policy they became, and
 * policies with versions, amendments, the payment calendar and premium payments. This module keeps
 * the rules of persons and applications entered by hand (a valid tax number, a product on sale, a
 * consultant allowed to sell) and their audit; every row of these tables is written by
 * src/policy-records, their one writer, which the exchange (src/exchange/apply) uses as well. The API routes
 * (src/api/routes/core/policies.ts) and the CLI (src/cli/commands/policies.ts) call this service.
 */
export { PolicyRecordError, type PolicyRecordRefusal } from './errors';
export { edrpouProblem, rnokppProblem } from './tax-number';
export type { Page, PageRequest } from './paging';
export {
  addPerson,
  type ContactChange,
  findPerson,
  listPersons,
  type NewPerson,
  type PersonFilter,
  type PersonView,
  updatePersonContacts,
} from './persons';
export {
  APPLICATION_STATUSES,
  type ApplicationCard,
  type ApplicationFilter,
  type ApplicationView,
  enterApplication,
  getApplication,
  listApplications,
  type NewApplication,
  PAYMENT_FREQUENCIES,
  type PersonRef,
  type RegisterStep,
  withdrawApplication,
} from './applications';
export {
  type AsOf,
  getPolicy,
  listPolicies,
  listPremiumPayments,
  POLICY_STATUSES,
  type PolicyCard,
  type PolicyFilter,
  type PolicyListItem,
  type PremiumPaymentView,
} from './policies';
export { type Instalment, type PaymentCalendar, paymentCalendar } from './calendar';

export { getPersonCard, type PersonCard } from './person-card';
export { getApplicationInScope } from './scoped-reads';
export { policyInScope } from './policies';
export { personSeenBy } from './persons';
