/**
 * The payment calendar of a policy against the premiums actually received. The instalments are the
 * stored schedule when there is one (the demo and some insurers give it), else they are derived
 * from the policy: every 12/frequency months from the cover start until the cover end, each the
 * annual premium of the version in effect on its due day divided by the frequency (the kopiyky
 * left over go on the year's last instalment, so a year sums to the annual premium exactly). What
 * was received up to the day (corrections included) pays the instalments oldest first.
 */
import type { ConsultantScope } from '../network';
import { type Database, type IsoDate, kopiykyFromDecimal } from '../../src/db';
import { addMonths } from '../../src/demo/calendar';
import {
  type AsOf,
  getPolicy,
  type PolicyVersionView,
  premiumPaymentView,
  reversedBySelection,
  type PremiumPaymentView,
} from './policies';

export type InstalmentStatus =
  /** Fully covered by what was received. */
  | 'paid'
  /** Due on the day and not yet (fully) paid. */
  | 'due'
  /** Its day has passed and it is not (fully) paid. */
  | 'overdue'
  /** Falls due later. */
  | 'upcoming';

export interface Instalment {
  no: number;
  dueOn: IsoDate;
  policyYear: number;
  amountKop: number;
  /** What of the received premiums went to this instalment. */
  paidKop: number;
  /** The day the received premiums first covered it. */
  paidOn: IsoDate | null;
  status: InstalmentStatus;
}

export interface PaymentCalendar {
  policyId: number;
  number: string;
  insurer: string;
  asOf: IsoDate;
  /** `schedule`: the stored payment schedule; `derived`: computed from the policy's versions. */
  source: 'schedule' | 'derived';
  instalments: Instalment[];
  payments: PremiumPaymentView[];
  totals: {
    /** Everything due up to and including the day. */
    dueToDateKop: number;
    /** Received up to the day, net of corrections. */
    receivedKop: number;
    /** The unpaid part of the instalments whose day has passed. */
    overdueKop: number;
    /** Received beyond what is due to date (paid in advance). */
    advanceKop: number;
    overdueCount: number;
  };
}

const ENDED = new Set(['terminated', 'cancelled', 'expired']);

function versionOn(versions: PolicyVersionView[], day: IsoDate): PolicyVersionView | null {
  let found: PolicyVersionView | null = null;
  for (const v of versions)
    if (
      v.validFrom <= day &&
      (!found ||
        v.validFrom > found.validFrom ||
        (v.validFrom === found.validFrom && v.versionNo > found.versionNo))
    )
      found = v;
  return found;
}

/** Instalments from the policy itself, when no schedule was stored. */
export function deriveInstalments(
  versions: PolicyVersionView[],
  basis: PolicyVersionView,
): { no: number; dueOn: IsoDate; policyYear: number; amountKop: number }[] {
  const frequency = basis.paymentFrequency;
  const step = 12 / frequency;
  const out: { no: number; dueOn: IsoDate; policyYear: number; amountKop: number }[] = [];
  for (let k = 0; k < 100 * frequency; k++) {
    const dueOn = addMonths(basis.coverStart, k * step);
    if (dueOn >= basis.coverEnd) break;
    const version = versionOn(versions, dueOn) ?? basis;
    const annual = version.annualPremiumKop;
    const share = Math.floor(annual / frequency);
    const lastOfYear = k % frequency === frequency - 1;
    out.push({
      no: k + 1,
      dueOn,
      policyYear: Math.floor(k / frequency) + 1,
      amountKop: lastOfYear ? annual - share * (frequency - 1) : share,
    });
  }
  return out;
}

type Planned = { no: number; dueOn: IsoDate; policyYear: number; amountKop: number };
type Received = Pick<PremiumPaymentView, 'paidOn' | 'amountKop' | 'coverFrom'>;

/**
 * Which instalment each received premium paid. A payment that names the period it covers
 * (cover_from, as insurers report it) goes to the instalment of that period, a correction with it
 * too; what is left over, and payments that name no period, pay the oldest unpaid instalments
 * first. So six months of receipts of a policy sold years ago pay the last six months, not the
 * first year.
 */
export function allocatePayments(planned: Planned[], payments: Received[], asOf: IsoDate): Instalment[] {
  const credited = planned.map(() => 0);
  const lastDate: (IsoDate | null)[] = planned.map(() => null);
  const completedOn: (IsoDate | null)[] = planned.map(() => null);
  /** Money not tied to an instalment, oldest first, with the day it arrived. */
  const pool: { on: IsoDate; kop: number }[] = [];
  const instalmentOf = (day: IsoDate): number => {
    let found = -1;
    for (let i = 0; i < planned.length && planned[i].dueOn <= day; i++) found = i;
    return found;
  };
  for (const p of payments) {
    const i = p.coverFrom ? instalmentOf(p.coverFrom) : -1;
    if (i < 0) {
      pool.push({ on: p.paidOn, kop: p.amountKop });
      continue;
    }
    credited[i] += p.amountKop;
    lastDate[i] = p.paidOn;
    if (completedOn[i] === null && credited[i] >= planned[i].amountKop) completedOn[i] = p.paidOn;
    if (credited[i] < planned[i].amountKop) completedOn[i] = null;
  }
  // Beyond an instalment's amount (or a reversal of a payment we never saw) goes to the pool.
  planned.forEach((p, i) => {
    if (credited[i] > p.amountKop) {
      pool.push({ on: lastDate[i]!, kop: credited[i] - p.amountKop });
      credited[i] = p.amountKop;
    } else if (credited[i] < 0) {
      pool.push({ on: lastDate[i]!, kop: credited[i] });
      credited[i] = 0;
    }
  });
  pool.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
  // A negative amount in the pool takes back the latest money before it.
  const chunks: { on: IsoDate; kop: number }[] = [];
  for (const c of pool) {
    if (c.kop >= 0) chunks.push({ ...c });
    else {
      let owed = -c.kop;
      for (let j = chunks.length - 1; j >= 0 && owed > 0; j--) {
        const take = Math.min(owed, chunks[j].kop);
        chunks[j].kop -= take;
        owed -= take;
      }
    }
  }
  let j = 0;
  planned.forEach((p, i) => {
    while (credited[i] < p.amountKop && j < chunks.length) {
      const take = Math.min(p.amountKop - credited[i], chunks[j].kop);
      credited[i] += take;
      chunks[j].kop -= take;
      if (credited[i] === p.amountKop) completedOn[i] = chunks[j].on;
      if (chunks[j].kop === 0) j++;
    }
  });
  return planned.map((p, i) => {
    const paidKop = credited[i];
    const status: InstalmentStatus =
      paidKop >= p.amountKop ? 'paid' : p.dueOn < asOf ? 'overdue' : p.dueOn === asOf ? 'due' : 'upcoming';
    return { ...p, paidKop, paidOn: status === 'paid' ? completedOn[i] : null, status };
  });
}

export async function paymentCalendar(
  database: Database,
  policyId: number,
  when: AsOf = {},
  /** The caller's scope: a policy outside it answers as one that does not exist (getPolicy). */
  scope: ConsultantScope | null = null,
): Promise<PaymentCalendar> {
  const card = await getPolicy(database, policyId, when, scope);
  const asOf = card.asOf;
  const stored = await database.db
    .selectFrom('payment_schedule')
    .select(['installment_no', 'due_on', 'amount', 'policy_year'])
    .where('policy_id', '=', policyId)
    .orderBy('installment_no')
    .execute();
  const basis = card.current ?? card.versions[0] ?? null;
  let planned =
    stored.length > 0
      ? stored.map((s) => ({
          no: Number(s.installment_no),
          dueOn: s.due_on,
          policyYear: Number(s.policy_year),
          amountKop: kopiykyFromDecimal(s.amount),
        }))
      : basis
        ? deriveInstalments(card.versions, basis)
        : [];
  // A policy that ended owes nothing that falls due after it ended.
  if (card.current && ENDED.has(card.current.status))
    planned = planned.filter((p) => p.dueOn <= card.current!.statusDate);

  const rows = await database.db
    .selectFrom('premium_payment')
    .selectAll()
    .select(reversedBySelection({ asOf, knownAt: card.knownAt }))
    .where('policy_id', '=', policyId)
    .where('paid_on', '<=', asOf)
    .where('recorded_at', '<=', card.knownAt)
    .orderBy('paid_on')
    .orderBy('id')
    .execute();
  const payments = rows.map(premiumPaymentView);
  const receivedKop = payments.reduce((sum, p) => sum + p.amountKop, 0);

  const instalments = allocatePayments(planned, payments, asOf);
  const dueToDateKop = instalments.filter((i) => i.dueOn <= asOf).reduce((s, i) => s + i.amountKop, 0);
  const overdue = instalments.filter((i) => i.status === 'overdue');
  return {
    policyId,
    number: card.number,
    insurer: card.insurer,
    asOf,
    source: stored.length ? 'schedule' : 'derived',
    instalments,
    payments,
    totals: {
      dueToDateKop,
      receivedKop,
      overdueKop: overdue.reduce((s, i) => s + i.amountKop - i.paidKop, 0),
      advanceKop: Math.max(0, receivedKop - dueToDateKop),
      overdueCount: overdue.length,
    },
  };
}
