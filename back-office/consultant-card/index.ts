/**
 * The consultant card as a person reads it: the network's part (careers, statuses, upline,
 * downline, policies) and, where the caller may see it, the consultant's money from the modules
 * that own it (posted accruals from compensation, acts from acts). It sits above all three, so the
 * network never imports the money modules that import it.
 */
import type { Database, IsoDate } from '../../src/db';
import { type ActOfConsultant, actsOfConsultant } from '../acts';
import { accrualTotalsOf, type PeriodAccrualTotal } from '../compensation';
import { type ConsultantScope, consultantCard as networkCard, type NetworkCard } from '../network';

export interface ConsultantCard extends Omit<NetworkCard, 'consultantId'> {
  /** Posted accruals by period, up to the date's period, in kopiyky; empty when `moneyShown` is false. */
  accruals: PeriodAccrualTotal[];
  /** Acts issued up to the date; empty when `moneyShown` is false. */
  acts: ActOfConsultant[];
  /**
   * Whether the tax number and the contact details (phone, e-mail, address) are shown: a consultant
   * sees their own, not those of their downline (null there); managers and the back office see them.
   */
  personalDataShown: boolean;
}

/** The consultant card on the date as known at `knownAt`, within the caller's scope (see network). */
export async function consultantCard(
  database: Database,
  code: string,
  date: IsoDate,
  knownAt?: Date,
  scope: ConsultantScope | null = null,
): Promise<ConsultantCard> {
  const { consultantId, ...card } = await networkCard(database, code, date, knownAt, scope);
  // Whose money a caller sees, they see the personal data of: a consultant only their own.
  const personalDataShown = card.moneyShown;
  return {
    ...card,
    ...(personalDataShown ? {} : { taxNumber: null, contact: { phone: null, email: null, address: null } }),
    personalDataShown,
    accruals: card.moneyShown ? await accrualTotalsOf(database, consultantId, date.slice(0, 7)) : [],
    acts: card.moneyShown ? await actsOfConsultant(database, consultantId, date) : [],
  };
}
