/**
 * The canonical records every insurer's messages are mapped to (and registers are mapped from).
 * Whatever an insurer calls a field, by the time a record reaches the core it has this shape and has
 * passed its JSON Schema in schemas/. Money is integer kopiyky; dates are yyyy-mm-dd.
 */

export type PaymentFrequency = 1 | 2 | 4 | 12;
export type CanonicalPolicyStatus = 'in_force' | 'terminated' | 'expired' | 'suspended' | 'cancelled';
export type CanonicalAmendmentKind =
  | 'sum_change'
  | 'premium_change'
  | 'frequency_change'
  | 'agent_change'
  | 'termination'
  | 'cancellation'
  | 'reinstatement';

export interface CanonicalPerson {
  kind: 'individual' | 'company';
  fullName: string;
  /** РНОКПП (10 digits) of an individual, when known. */
  taxNumber: string | null;
  birthDate: string | null;
}

/** A contract (policy) in its latest state as the insurer reports it. */
export interface CanonicalPolicy {
  insurerCode: string;
  policyNumber: string;
  /** The intermediary's application number it was issued from, if any. */
  applicationNumber: string | null;
  issuedOn: string;
  coverStart: string;
  coverEnd: string;
  productCode: string;
  policyholder: CanonicalPerson;
  insured: CanonicalPerson | null;
  sumInsuredKop: number;
  annualPremiumKop: number;
  paymentFrequency: PaymentFrequency;
  /** The consultant code as the insurer sent it. */
  agentCode: string;
  status: CanonicalPolicyStatus;
  statusDate: string;
  /** The insurer's version number of the policy, when it sends one. */
  version: number | null;
  /** Endorsements the insurer sends inside the policy (Karpaty). */
  amendments: CanonicalAmendment[];
}

/** An amendment (supplementary agreement, endorsement) to a policy. */
export interface CanonicalAmendment {
  insurerCode: string;
  policyNumber: string;
  amendmentNo: string;
  signedOn: string;
  /** May lie in the past: closed production periods may need recalculation. */
  effectiveOn: string;
  changeKind: CanonicalAmendmentKind;
  /** The new value as text (new sum, premium, frequency or agent code); null for a termination. */
  newValue: string | null;
  sumInsuredKop: number | null;
  annualPremiumKop: number | null;
}

/**
 * A premium payment the insurer received; a negative amount corrects an earlier row. A reversal by
 * reference names the payment it reverses and must net to zero against it (its amount is the
 * negative of that payment's).
 */
export interface CanonicalPremiumPayment {
  insurerCode: string;
  policyNumber: string;
  paidOn: string;
  amountKop: number;
  coverFrom: string | null;
  coverTo: string | null;
  policyYear: number;
  /** The insurer's id of this payment, when it sends one: the same id is the same payment. */
  paymentId?: string | null;
  /** The insurer's id of the payment this one reverses. */
  reversesPaymentId?: string | null;
}

/** One line of the insurer's commission statement to the intermediary. */
export interface CanonicalCommissionLine {
  insurerCode: string;
  /** yyyy-mm */
  statementMonth: string;
  policyNumber: string;
  paidOn: string | null;
  premiumKop: number;
  /** Percent as exact decimal text, e.g. '25' or '15.0'. */
  ratePct: string;
  commissionKop: number;
}

/** The insurer's answer about one application of a register. */
export interface CanonicalRegisterAnswer {
  insurerCode: string;
  /** The register's file name or the insurer's batch id. */
  registerRef: string;
  applicationNumber: string;
  outcome: 'accepted' | 'rejected' | 'issued';
  reason: string | null;
  policyNumber: string | null;
}

/** One application as it goes out in a register. */
export interface CanonicalApplication {
  applicationNumber: string;
  signedOn: string;
  productCode: string;
  policyholder: CanonicalPerson;
  insured: CanonicalPerson | null;
  sumInsuredKop: number;
  /** Premium per payment. */
  premiumKop: number;
  paymentFrequency: PaymentFrequency;
  agentCode: string;
  /** Product-specific particulars, e.g. { vehicle: { vin, plate, year } } for motor cover. */
  details: Record<string, unknown> | null;
}

/** The message types an adapter can receive or send, and the record each maps to. */
export interface CanonicalRecordByMessage {
  contracts: CanonicalPolicy;
  amendments: CanonicalAmendment;
  payments: CanonicalPremiumPayment;
  commission: CanonicalCommissionLine;
  'register-answer': CanonicalRegisterAnswer;
  register: CanonicalApplication;
}
export type CanonicalMessageType = keyof CanonicalRecordByMessage;
