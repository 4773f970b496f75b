/**
 * Policies, their versions, amendments, payment calendars and premium payments. A version is never
 * changed: a new fact is a new version; a payment is never changed: a correction is its own row.
 */
import type { Insertable } from 'kysely';
import {
  type AmendmentTable,
  markReportPeriods,
  type PaymentScheduleTable,
  type PolicyTable,
  type PolicyVersionTable,
  type PremiumPaymentTable,
} from '../db';
import type { Writer } from './writer';

export type NewPolicyRow = Omit<Insertable<PolicyTable>, 'id'>;
export type NewPolicyVersionRow = Omit<Insertable<PolicyVersionTable>, 'id'>;
export type NewAmendmentRow = Omit<Insertable<AmendmentTable>, 'id'>;
export type NewPremiumPaymentRow = Omit<Insertable<PremiumPaymentTable>, 'id'>;
export type NewInstalmentRow = Omit<Insertable<PaymentScheduleTable>, 'id'>;

/** Adds policies (their ids are read back by insurer and number). */
export async function insertPolicies({ trx, dialect }: Writer, rows: NewPolicyRow[]): Promise<void> {
  await dialect.bulkInsert(trx, 'policy', rows);
}

/** Links a policy to the application it came from, unless it is linked already. */
export async function linkPolicyToApplication(
  { trx }: Writer,
  policyId: number,
  applicationId: number,
): Promise<void> {
  await trx
    .updateTable('policy')
    .set({ application_id: applicationId })
    .where('id', '=', policyId)
    .where('application_id', 'is', null)
    .execute();
}

/** Adds policy versions, numbered by the caller after each policy's highest so far. */
export async function insertPolicyVersions(
  { trx, dialect }: Writer,
  rows: NewPolicyVersionRow[],
): Promise<void> {
  await dialect.bulkInsert(trx, 'policy_version', rows);
  // A later version may move the policy's sale, calendar and payments: all its periods change.
  await markReportPeriods(
    { trx, dialect },
    {
      dates: rows.map((r) => r.issued_on),
      policyIds: rows.filter((r) => r.version_no > 1).map((r) => r.policy_id),
    },
  );
}

/** Adds one amendment and answers its id (found again by policy and amendment number on Oracle). */
export async function insertAmendment({ trx, dialect }: Writer, row: NewAmendmentRow): Promise<number> {
  return dialect.insertReturningId(trx, 'amendment', row, {
    policy_id: row.policy_id,
    amendment_no: row.amendment_no,
  });
}

/** Loads many amendments at once (the demo's book); their ids are read back by policy and number. */
export async function loadAmendments({ trx, dialect }: Writer, rows: NewAmendmentRow[]): Promise<void> {
  await dialect.bulkInsert(trx, 'amendment', rows);
}

/** Records premium payments (and corrections, as negative rows). */
export async function insertPremiumPayments(
  { trx, dialect }: Writer,
  rows: NewPremiumPaymentRow[],
): Promise<void> {
  await dialect.bulkInsert(trx, 'premium_payment', rows);
  await markReportPeriods({ trx, dialect }, { dates: rows.map((r) => r.paid_on) });
}

/** Loads the payment calendars of policies (what is due when). */
export async function loadPaymentSchedule({ trx, dialect }: Writer, rows: NewInstalmentRow[]): Promise<void> {
  await dialect.bulkInsert(trx, 'payment_schedule', rows);
  await markReportPeriods({ trx, dialect }, { dates: rows.map((r) => r.due_on) });
}
