/**
 * Applying mapped, validated canonical records to the normalised core, in one transaction per
 * message: contracts, amendments, premium payments, commission statement lines, register answers.
 */
import type { CanonicalMessageType, CanonicalRecordByMessage } from '../canonical';
import { applyAmendments } from './amendments';
import { applyCommissionLines } from './commission-lines';
import type { ApplyContext, ApplyOutcome, Located } from './context';
import { applyPolicies } from './policies';
import { applyPremiumPayments } from './premium-payments';
import { applyRegisterAnswers } from './register-answers';

export type { ApplyContext, ApplyOutcome, Located, RowProblem } from './context';
export { applyPolicies, applyAmendments, applyPremiumPayments, applyCommissionLines, applyRegisterAnswers };
export { requestRecalculation } from './recalculation';
export { commissionAt, ratePpm } from './commission-lines';
export { knowledgeTimes } from './lookups';

/** Applies the records of one inbound message type. */
export async function applyRecords<M extends Exclude<CanonicalMessageType, 'register'>>(
  ctx: ApplyContext,
  messageType: M,
  items: Located<CanonicalRecordByMessage[M]>[],
): Promise<ApplyOutcome> {
  switch (messageType) {
    case 'contracts':
      return applyPolicies(ctx, items as Located<CanonicalRecordByMessage['contracts']>[]);
    case 'amendments':
      return applyAmendments(ctx, items as Located<CanonicalRecordByMessage['amendments']>[]);
    case 'payments':
      return applyPremiumPayments(ctx, items as Located<CanonicalRecordByMessage['payments']>[]);
    case 'commission':
      return applyCommissionLines(ctx, items as Located<CanonicalRecordByMessage['commission']>[]);
    case 'register-answer':
      return applyRegisterAnswers(ctx, items as Located<CanonicalRecordByMessage['register-answer']>[]);
    default:
      throw new RangeError(`no core applier for message type '${String(messageType)}'`);
  }
}
