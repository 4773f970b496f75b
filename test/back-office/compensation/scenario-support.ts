/** Small builders for hand-computed scenarios: a plan with round numbers and a network by codes. */
import { kopiykyFromDecimal } from '../../../src/db/money';
import type {
  PaymentInput,
  PeriodInputs,
  PeriodRef,
  LapseInput,
  EarningInput,
} from '../../../back-office/compensation/engine';
import { emptyNetwork, type ActivityFact } from '../../../back-office/network';
import { compilePlan, type PlanDocument } from '../../../back-office/compensation/plan';

/**
 * Rates 10/20/30/40/50 % for the five levels; savings earn 100 points per 100 UAH in year 1 (so
 * points = premium) and 50 in renewal years; motor earns 10. Everyone counts as active unless a
 * manual status says otherwise.
 */
export function testPlanDocument(overrides: Partial<PlanDocument> = {}): PlanDocument {
  return {
    plan: 'TEST',
    version: 't1',
    effectiveFrom: '2026-01',
    rounding: 'half_up',
    levels: [
      { code: 'CONSULTANT', name: 'Консультант', personalRate: 10 },
      { code: 'SENIOR_CONSULTANT', name: 'Старший консультант', personalRate: 20 },
      { code: 'MANAGER', name: 'Менеджер', personalRate: 30 },
      { code: 'SENIOR_MANAGER', name: 'Старший менеджер', personalRate: 40 },
      { code: 'DIRECTOR', name: 'Директор', personalRate: 50 },
    ],
    points: {
      groups: {
        savings: { firstYear: 100, renewal: 50 },
        term_life: { firstYear: 100, renewal: 100 },
        motor: { firstYear: 10, renewal: 10 },
        property: { firstYear: 10, renewal: 10 },
        accident: { firstYear: 10, renewal: 10 },
        travel: { firstYear: 10, renewal: 10 },
        mtpl: { firstYear: 10, renewal: 10 },
      },
    },
    structural: { method: 'differential', compression: { skipInactive: true } },
    activity: { condition: 'personalVolume >= 0' },
    careers: { promotionTakesEffect: 'next_period', qualifications: [] },
    bonuses: [],
    chargebacks: [],
    ...overrides,
  };
}

export const testPlan = (overrides: Partial<PlanDocument> = {}) =>
  compilePlan(testPlanDocument(overrides), 'test-plan');

export function periodOf(code: string): PeriodRef {
  const [y, m] = code.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { code, startsOn: `${code}-01`, endsOn: `${code}-${String(last).padStart(2, '0')}` };
}

export interface Member {
  code: string;
  sponsor: string | null;
  level: string;
  status?: ActivityFact['status'];
}

/** A network where consultant ids are 1, 2, 3… in the order given; facts hold from 2020 on. */
export class Scenario {
  readonly ids = new Map<string, number>();
  readonly network = emptyNetwork();
  payments: PaymentInput[] = [];
  lapses: LapseInput[] = [];
  earnings: EarningInput[] = [];
  private nextPaymentId = 1;

  constructor(members: Member[]) {
    members.forEach((m, i) => this.ids.set(m.code, i + 1));
    for (const m of members) {
      const id = this.id(m.code);
      this.network.sponsors.add(id, '2020-01-01', '9999-12-31', m.sponsor ? this.id(m.sponsor) : null);
      this.network.careers.add(id, '2020-01-01', '9999-12-31', m.level);
      if (m.status)
        this.network.statuses.add(id, '2020-01-01', '9999-12-31', { status: m.status, source: 'manual' });
    }
  }

  id(code: string): number {
    const id = this.ids.get(code);
    if (!id) throw new Error(`no consultant ${code}`);
    return id;
  }

  code(id: number): string {
    for (const [code, i] of this.ids) if (i === id) return code;
    return String(id);
  }

  /** Replaces the career from `from` on (the earlier segment ends there). */
  changeLevel(code: string, from: string, level: string): void {
    const id = this.id(code);
    const timeline = this.network.careers as any;
    const list = timeline.segments.get(id) as { from: string; to: string; value: string }[];
    const open = list.find((s) => s.to === '9999-12-31')!;
    open.to = from;
    list.push({ from, to: '9999-12-31', value: level });
  }

  pay(seller: string | null, amount: string, options: Partial<PaymentInput> = {}): PaymentInput {
    const id = this.nextPaymentId++;
    const payment: PaymentInput = {
      id,
      policyId: options.policyId ?? 1000 + id,
      policyNumber: options.policyNumber ?? `P-${1000 + id}`,
      productCode: 'DL-SAV10',
      productGroup: 'savings',
      policyYear: 1,
      paidOn: '2026-03-10',
      amountKop: kopiykyFromDecimal(amount),
      consultantId: seller ? this.id(seller) : null,
      soldOn: '2026-03-01',
      ...options,
    };
    this.payments.push(payment);
    return payment;
  }

  inputs(periodCode = '2026-03'): PeriodInputs {
    return {
      period: periodOf(periodCode),
      consultants: [...this.ids].map(([code, id]) => ({ id, code })),
      network: this.network,
      payments: this.payments,
      lapses: this.lapses,
      earnings: this.earnings,
    };
  }
}

/** Amount per consultant code and kind, in kopiyky: { 'U1 structural': 20000 } */
export function amountsBy(
  scenario: Scenario,
  lines: { consultantId: number; kind: string; amountKop: number }[],
) {
  const out: Record<string, number> = {};
  for (const l of lines) {
    const key = `${scenario.code(l.consultantId)} ${l.kind}`;
    out[key] = (out[key] ?? 0) + l.amountKop;
  }
  return out;
}
