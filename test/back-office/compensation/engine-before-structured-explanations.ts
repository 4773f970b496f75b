/**
 * The engine as it was before explanations were stored as structured data (main at 5d6a7e5), kept
 * unchanged but for its import paths, so that a test can prove the ledger renders every line's
 * explanation byte for byte as this engine wrote it. Not used by the product.
 */
/**
 * The pure calculation of one production period, in the plan's order: metrics -> activity ->
 * careers -> personal commission -> structural commission (differential, compression, generation
 * override) -> bonuses -> chargebacks. It reads only its inputs (no database, no clock), so the same
 * inputs and plan give the same lines to the kopiyka. Money is integer kopiyky; every line is rounded
 * once, by the plan's rule, from the exact product of its base and rate.
 */
import { createHash } from 'node:crypto';
import { formatHryvnias } from '../../../src/db/money';
import type { IsoDate } from '../../../src/db/schema';
import {
  type Rational,
  divRound,
  divRoundNumber,
  mul,
  mulExact,
  rational,
  roundRational,
  toDecimalText,
  toPlainText,
} from '../../../back-office/compensation/exact';
import { evaluateCondition, evaluateNumber, type Scope } from '../../../back-office/compensation/expression';
import type { NetworkSnapshot } from '../../../back-office/network';
import { type CompiledLevel, type CompiledPlan, pointsFor } from '../../../back-office/compensation/plan';

export interface PeriodRef {
  code: string; // yyyy-mm
  startsOn: IsoDate;
  endsOn: IsoDate; // inclusive
}

export interface ConsultantRef {
  id: number;
  code: string;
}

export interface PaymentInput {
  id: number;
  policyId: number;
  policyNumber: string;
  productCode: string;
  productGroup: string;
  policyYear: number;
  paidOn: IsoDate;
  amountKop: number;
  /** The selling consultant per the policy version in force on the payment date; null when unknown. */
  consultantId: number | null;
  /** The policy's issue date (the date of sale). */
  soldOn: IsoDate;
}

export interface LapseInput {
  policyId: number;
  policyNumber: string;
  productCode: string;
  productGroup: string;
  /** When cover started (the months in force count from here). */
  startedOn: IsoDate;
  lapsedOn: IsoDate;
  status: string;
}

/** What a policy already earned in posted periods (for chargebacks). */
export interface EarningInput {
  policyId: number;
  consultantId: number;
  amountKop: number;
}

/** A consultant's volumes in one earlier period, for qualifications over a rolling window. */
export interface PeriodVolumes {
  personalVolumeU: number;
  groupVolumeU: number;
  personalPremiumKop: number;
  newPolicies: number;
}

/** An earlier period's volumes by consultant (as posted, or as recalculated in the same run). */
export interface PriorPeriod {
  code: string;
  volumes: Map<number, PeriodVolumes>;
}

export interface PeriodInputs {
  period: PeriodRef;
  /** The periods before this one, newest first, as many as the plan's longest window needs. */
  prior?: PriorPeriod[];
  consultants: ConsultantRef[];
  network: NetworkSnapshot;
  payments: PaymentInput[];
  lapses: LapseInput[];
  earnings: EarningInput[];
  /** Problems found while reading the inputs (e.g. a payment whose policy has no consultant). */
  missing?: MissingInput[];
  /**
   * A bounded recalculation reads only part of the network (a subtree and its uplines): these
   * complete the metrics and commissions of its consultants with what the rest contributes, known
   * from the period's stored metrics. Absent in a full calculation.
   */
  completion?: MetricsCompletion;
}

export interface MetricsCompletion {
  /** After the volumes are summed from the payments read, before activity is decided. */
  volumes(metrics: Map<number, ConsultantMetrics>): void;
  /** After directs and legs are counted, before qualification. */
  directs(metrics: Map<number, ConsultantMetrics>): void;
  /** Before bonuses: personal and structural commission per consultant, by id. */
  commissions(personal: Map<number, number>, structural: Map<number, number>): void;
}

export type AccrualKind = 'personal' | 'structural' | 'override' | 'bonus' | 'chargeback' | 'contest';
export type SourceKind = 'payment' | 'policy' | 'consultant' | 'contest';

export interface AccrualLine {
  lineNo: number;
  consultantId: number;
  periodCode: string;
  kind: AccrualKind;
  sourceKind: SourceKind;
  sourceId: number;
  policyId: number | null;
  /** The downline consultant whose sale this line comes from (structural lines, the seller on personal). */
  downlineConsultantId: number | null;
  rule: string;
  planVersion: string;
  baseKop: number;
  /** Percent with 6 decimals, e.g. '7.500000' (of the base). */
  rate: string;
  amountKop: number;
  explanation: string;
}

export interface MissingInput {
  kind:
    'payment_without_consultant' | 'product_without_points' | 'consultant_without_level' | 'unknown_level';
  sourceKind: SourceKind;
  sourceId: number;
  reason: string;
}

export interface ConsultantMetrics {
  consultantId: number;
  /** Points in millionths (1 point = 1 UAH of commissionable base). */
  personalVolumeU: number;
  groupVolumeU: number;
  personalPremiumKop: number;
  newPolicies: number;
  activeDirects: number;
  legs: number;
  active: boolean;
  /** Active and meeting the plan's structural qualification: may earn structural commission. */
  qualified: boolean;
  careerLevel: string;
  paidLevel: string;
}

export interface CareerDecision {
  consultantId: number;
  kind: 'promotion' | 'demotion';
  fromLevel: string;
  toLevel: string;
  effectiveFrom: IsoDate;
  reason: string;
}

export interface CalculationResult {
  period: PeriodRef;
  planCode: string;
  planVersion: string;
  planSha256: string;
  fingerprint: string;
  lines: AccrualLine[];
  metrics: ConsultantMetrics[];
  careerDecisions: CareerDecision[];
  missing: MissingInput[];
  totalKop: number;
  timings: Record<string, number>;
}

const U = 1_000_000; // volume units per point

/** First day of the month after the period. */
export function nextPeriodStart(period: PeriodRef): IsoDate {
  const [y, m] = period.code.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Whole months from `from` to `to` (a policy started 2026-01-15 and lapsed 2026-03-14 was in force 1 month). */
export function monthsBetween(from: IsoDate, to: IsoDate): number {
  const [y1, m1, d1] = from.split('-').map(Number);
  const [y2, m2, d2] = to.split('-').map(Number);
  return (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
}

const ratePercentText = (micro: number): string => {
  const neg = micro < 0;
  const a = Math.abs(micro);
  return `${neg ? '-' : ''}${Math.trunc(a / U)}.${String(a % U).padStart(6, '0')}`;
};
const pctCache = new Map<number, string>();
/** Hundredths of a percent as short text (3000 -> '30', 850 -> '8.5'); plain integer arithmetic. */
const pct = (h: number): string => {
  let text = pctCache.get(h);
  if (text === undefined) {
    text = toPlainText(rational(BigInt(h), 100n));
    pctCache.set(h, text);
  }
  return text;
};
/** Points from millionths, e.g. 2500000000 -> '2 500'; the hot loop formats millions of these. */
function points(u: number): string {
  const negative = u < 0;
  const a = Math.abs(u);
  const whole = Math.floor(a / U);
  let fraction = String(a - whole * U)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction) fraction = `,${fraction}`;
  return `${negative ? '-' : ''}${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')}${fraction}`;
}
const uah = (kop: number) => `${formatHryvnias(kop)} грн`;

/** sha256 over the canonical inputs and the plan: what makes two runs comparable. */
export function fingerprintInputs(inputs: PeriodInputs, plan: CompiledPlan): string {
  const h = createHash('sha256');
  h.update(`plan:${plan.code}:${plan.version}:${plan.sha256}\n`);
  h.update(`period:${inputs.period.code}:${inputs.period.startsOn}:${inputs.period.endsOn}\n`);
  for (const c of [...inputs.consultants].sort((a, b) => a.id - b.id)) h.update(`c:${c.id}:${c.code}\n`);
  for (const [name, timeline] of [
    ['s', inputs.network.sponsors],
    ['l', inputs.network.careers],
    ['a', inputs.network.statuses],
  ] as const) {
    for (const [id, segments] of (timeline as NetworkSnapshot['sponsors']).entries()) {
      for (const s of segments) h.update(`${name}:${id}:${s.from}:${s.to}:${JSON.stringify(s.value)}\n`);
    }
  }
  const payments = [...inputs.payments].sort((a, b) => a.id - b.id);
  let chunk = '';
  for (const p of payments) {
    chunk += `p:${p.id}:${p.policyId}:${p.productCode}:${p.productGroup}:${p.policyYear}:${p.paidOn}:${p.amountKop}:${p.consultantId}:${p.soldOn}\n`;
    if (chunk.length > 65536) {
      h.update(chunk);
      chunk = '';
    }
  }
  h.update(chunk);
  for (const prior of inputs.prior ?? []) {
    for (const [id, v] of [...prior.volumes.entries()].sort(([a], [b]) => a - b))
      h.update(
        `w:${prior.code}:${id}:${v.personalVolumeU}:${v.groupVolumeU}:${v.personalPremiumKop}:${v.newPolicies}\n`,
      );
  }
  for (const l of [...inputs.lapses].sort((a, b) => a.policyId - b.policyId)) {
    h.update(`x:${l.policyId}:${l.productCode}:${l.startedOn}:${l.lapsedOn}:${l.status}\n`);
  }
  for (const e of [...inputs.earnings].sort(
    (a, b) => a.policyId - b.policyId || a.consultantId - b.consultantId || a.amountKop - b.amountKop,
  )) {
    h.update(`e:${e.policyId}:${e.consultantId}:${e.amountKop}\n`);
  }
  return h.digest('hex');
}

interface LineContext {
  periodCode: string;
  planVersion: string;
  codeOf: Map<number, string>;
  leaderLevel: string;
}

const describePayment = (p: PaymentInput, pointsH: number) =>
  `платіж ${uah(p.amountKop)} від ${p.paidOn} за полісом ${p.policyNumber} (${p.productCode}, рік ${p.policyYear}) = ${points(p.amountKop * pointsH)} бал. (${pct(pointsH)} бал. на 100 грн)`;

/**
 * A line that comes from a premium payment (personal, differential, generation override). A period
 * has millions of these, so a line keeps only numbers and references; its rule, rate and
 * explanation are derived when read (the ledger writes them).
 */
export function toPlainLine(line: AccrualLine): AccrualLine {
  const {
    lineNo,
    consultantId,
    periodCode,
    kind,
    sourceKind,
    sourceId,
    policyId,
    downlineConsultantId,
    rule,
  } = line;
  const { planVersion, baseKop, rate, amountKop, explanation } = line;
  return {
    lineNo,
    consultantId,
    periodCode,
    kind,
    sourceKind,
    sourceId,
    policyId,
    downlineConsultantId,
    rule,
    planVersion,
    baseKop,
    rate,
    amountKop,
    explanation,
  };
}

class PaymentLine implements AccrualLine {
  lineNo = 0;
  constructor(
    private readonly ctx: LineContext,
    readonly kind: 'personal' | 'structural' | 'override',
    readonly consultantId: number,
    private readonly payment: PaymentInput,
    private readonly pointsH: number,
    private readonly seller: number,
    private readonly levelCode: string,
    /** The level's rate, or the generation's rate on an override (hundredths of a percent). */
    private readonly rateH: number,
    /** Differential only: the highest rate already paid below, and who was paid it. */
    private readonly belowH: number,
    private readonly belowBy: number,
    private readonly generation: number,
    readonly amountKop: number,
    /** Uplines passed over by compression just below this one (code and why), or null. */
    private readonly compressed: string[] | null = null,
  ) {}
  get periodCode(): string {
    return this.ctx.periodCode;
  }
  get planVersion(): string {
    return this.ctx.planVersion;
  }
  get sourceKind(): SourceKind {
    return 'payment';
  }
  get sourceId(): number {
    return this.payment.id;
  }
  get policyId(): number {
    return this.payment.policyId;
  }
  get downlineConsultantId(): number | null {
    return this.kind === 'personal' ? null : this.seller;
  }
  get baseKop(): number {
    return this.payment.amountKop;
  }
  get rule(): string {
    return this.kind === 'personal'
      ? `personal.${this.levelCode}`
      : this.kind === 'structural'
        ? `differential.${this.levelCode}`
        : `generation.${this.generation}`;
  }
  get rate(): string {
    return ratePercentText(this.pointsH * (this.rateH - this.belowH));
  }
  /** The plain line (JSON.stringify, API answers): the derived fields, not the references. */
  toJSON(): AccrualLine {
    return toPlainLine(this);
  }
  get explanation(): string {
    const { codeOf } = this.ctx;
    const payment = describePayment(this.payment, this.pointsH);
    const seller = codeOf.get(this.seller) ?? String(this.seller);
    const compressed = this.compressed ? `; стиснення: пропущено ${this.compressed.join(', ')}` : '';
    if (this.kind === 'personal') {
      return `Особиста комісія: ${payment} × ${pct(this.rateH)}% (рівень ${this.levelCode}) = ${uah(this.amountKop)}`;
    }
    if (this.kind === 'structural') {
      return `Структурна комісія (диференціал) з продажу ${seller}: ${payment} × (${pct(this.rateH)}% рівня ${this.levelCode} − ${pct(this.belowH)}% вже виплачено нижче, ${codeOf.get(this.belowBy) ?? this.belowBy}${compressed}) = ${uah(this.amountKop)}`;
    }
    return `Поколінна винагорода, покоління ${this.generation} (нижче ${this.generation} лідер(и) рівня ${this.ctx.leaderLevel} і вище) з продажу ${seller}${compressed}: ${payment} × ${pct(this.rateH)}% = ${uah(this.amountKop)}`;
  }
}

/** Adds lines computed outside the engine (contest prizes) to a result, numbered after its own. */
export function appendLines(result: CalculationResult, extra: Omit<AccrualLine, 'lineNo'>[]): void {
  for (const line of extra) {
    result.lines.push({ ...line, lineNo: result.lines.length + 1 });
    result.totalKop += line.amountKop;
  }
}

export function calculate(plan: CompiledPlan, inputs: PeriodInputs): CalculationResult {
  const timings: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string) => {
    const t = performance.now();
    timings[name] = Math.round(t - t0);
    t0 = t;
  };
  const { period, network } = inputs;
  const missing: MissingInput[] = [...(inputs.missing ?? [])];
  const codeOf = new Map<number, string>();
  for (const c of inputs.consultants) codeOf.set(c.id, c.code);
  const consultantIds = inputs.consultants.map((c) => c.id).sort((a, b) => a - b);
  const entry = plan.levels[0];
  const endDate = period.endsOn;
  const fingerprint = fingerprintInputs(inputs, plan);
  lap('fingerprint');

  const reportedLevels = new Set<string>();
  const careerOn = (id: number, date: IsoDate): CompiledLevel => {
    const code = network.careers.at(id, date);
    if (code === undefined) return entry;
    const level = plan.levelByCode.get(code);
    if (!level) {
      if (reportedLevels.has(`${id}:${code}`)) return entry;
      reportedLevels.add(`${id}:${code}`);
      missing.push({
        kind: 'unknown_level',
        sourceKind: 'consultant',
        sourceId: id,
        reason: `consultant ${codeOf.get(id) ?? id} has level ${code} on ${date}, which plan ${plan.code} ${plan.version} does not know; paid at ${entry.code}`,
      });
      return entry;
    }
    return level;
  };
  const sponsorOn = (id: number, date: IsoDate) => network.sponsors.at(id, date) ?? null;

  // The hot walks up the sponsor line read per-date views: a period has a few dozen payment dates
  // and millions of steps, so each (date, consultant) is looked up in the timelines only once.
  // Ids above `dense` (none in practice) are looked up directly.
  const maxId = consultantIds.length ? consultantIds[consultantIds.length - 1] : 0;
  const dense = maxId <= 20_000_000 ? maxId : -1;
  const UNSET = -2;
  interface DayView {
    /** Sponsor id, -1 at the top, UNSET not looked up yet. */
    parent: Int32Array;
    /** Index of the level paid at (rank - 1), -1 not looked up yet. */
    paid: Int8Array;
  }
  const views = new Map<IsoDate, DayView>();
  const viewOn = (date: IsoDate): DayView => {
    let view = views.get(date);
    if (!view) {
      if (views.size >= 64) views.clear(); // sale-date networks span many dates: keep memory bounded
      view = { parent: new Int32Array(dense + 1).fill(UNSET), paid: new Int8Array(dense + 1).fill(-1) };
      views.set(date, view);
    }
    return view;
  };
  const sponsorIn = (view: DayView, id: number, date: IsoDate): number => {
    if (id > dense) return sponsorOn(id, date) ?? -1;
    let parent = view.parent[id];
    if (parent === UNSET) view.parent[id] = parent = sponsorOn(id, date) ?? -1;
    return parent;
  };

  // Payments that can be calculated, in a stable order.
  interface Usable {
    p: PaymentInput;
    pointsH: number;
    seller: number;
  }
  const usable: Usable[] = [];
  const payments = [...inputs.payments].sort((a, b) =>
    a.paidOn < b.paidOn ? -1 : a.paidOn > b.paidOn ? 1 : a.id - b.id,
  );
  for (const p of payments) {
    if (p.consultantId === null) {
      missing.push({
        kind: 'payment_without_consultant',
        sourceKind: 'payment',
        sourceId: p.id,
        reason: `payment ${p.id} of ${uah(p.amountKop)} on ${p.paidOn} for policy ${p.policyNumber}: the policy has no consultant on that date; not calculated`,
      });
      continue;
    }
    const pointsH = pointsFor(plan, p.productCode, p.productGroup, p.policyYear);
    if (pointsH === null) {
      missing.push({
        kind: 'product_without_points',
        sourceKind: 'payment',
        sourceId: p.id,
        reason: `payment ${p.id} for policy ${p.policyNumber}: product ${p.productCode} (group ${p.productGroup}) earns no points in plan ${plan.code} ${plan.version}; not calculated`,
      });
      continue;
    }
    usable.push({ p, pointsH, seller: p.consultantId });
  }

  // 1. Metrics: personal and group volume up the sponsor line in force on the payment date.
  const metrics = new Map<number, ConsultantMetrics>();
  const metric = (id: number): ConsultantMetrics => {
    let m = metrics.get(id);
    if (!m) {
      m = {
        consultantId: id,
        personalVolumeU: 0,
        groupVolumeU: 0,
        personalPremiumKop: 0,
        newPolicies: 0,
        activeDirects: 0,
        legs: 0,
        active: false,
        qualified: false,
        careerLevel: entry.code,
        paidLevel: entry.code,
      };
      metrics.set(id, m);
    }
    return m;
  };
  for (const id of consultantIds) metric(id);
  const newPolicySeen = new Set<number>();
  // Group volume by id (exact: whole numbers of millionths stay below 2^53, checked after).
  const groupU = new Float64Array(dense + 1);
  for (const { p, pointsH, seller } of usable) {
    const volume = p.amountKop * pointsH; // millionths of a point
    const m = metric(seller);
    m.personalVolumeU += volume;
    m.personalPremiumKop += p.amountKop;
    if (
      p.soldOn >= period.startsOn &&
      p.soldOn <= period.endsOn &&
      p.amountKop > 0 &&
      !newPolicySeen.has(p.policyId)
    ) {
      newPolicySeen.add(p.policyId);
      m.newPolicies += 1;
    }
    const view = viewOn(p.paidOn);
    for (let cur = seller, guard = 0; cur !== -1; guard++) {
      if (guard > 10000)
        throw new Error(`sponsor cycle above consultant ${codeOf.get(seller) ?? seller} on ${p.paidOn}`);
      if (cur <= dense) groupU[cur] += volume;
      else metric(cur).groupVolumeU += volume;
      cur = sponsorIn(view, cur, p.paidOn);
    }
  }
  for (let id = 0; id <= dense; id++) if (groupU[id] !== 0) metric(id).groupVolumeU += groupU[id];
  for (const m of metrics.values()) {
    if (!Number.isSafeInteger(m.groupVolumeU))
      throw new RangeError(`group volume of ${codeOf.get(m.consultantId)} exceeds the exact range`);
  }
  inputs.completion?.volumes(metrics);

  const vol = (u: number): Rational => rational(BigInt(u), BigInt(U));
  const hryv = (kop: number): Rational => rational(BigInt(kop), 100n);
  const scopeOf = (m: ConsultantMetrics, extra: Record<string, Rational> = {}): Scope => ({
    personalVolume: vol(m.personalVolumeU),
    groupVolume: vol(m.groupVolumeU),
    personalPremium: hryv(m.personalPremiumKop),
    newPolicies: rational(BigInt(m.newPolicies)),
    activeDirects: rational(BigInt(m.activeDirects)),
    legs: rational(BigInt(m.legs)),
    levelRank: rational(BigInt(plan.levelByCode.get(m.careerLevel)?.rank ?? 1)),
    ...extra,
  });

  // 2. Activity: a manual status, or terminated/suspended, stands; otherwise the plan's rule decides.
  for (const id of consultantIds) {
    const m = metric(id);
    m.careerLevel = careerOn(id, endDate).code;
    const stored = network.statuses.at(id, endDate);
    if (
      stored &&
      (stored.source === 'manual' || stored.status === 'terminated' || stored.status === 'suspended')
    ) {
      m.active = stored.status === 'active';
    } else {
      m.active = evaluateCondition(plan.activity, scopeOf(m));
    }
  }
  // Directs and legs by the network at the end of the period.
  for (const id of consultantIds) {
    const sponsor = sponsorOn(id, endDate);
    if (sponsor === null || !metrics.has(sponsor)) continue;
    const m = metric(id);
    const s = metric(sponsor);
    if (m.active) s.activeDirects += 1;
    if (m.groupVolumeU > 0) s.legs += 1;
  }
  inputs.completion?.directs(metrics);
  for (const id of consultantIds) {
    const m = metric(id);
    m.qualified =
      m.active &&
      (!plan.structuralQualification || evaluateCondition(plan.structuralQualification, scopeOf(m)));
  }
  lap('metrics');

  // 3. Careers: promotion (one or more steps), maintenance (the level paid at), demotion.
  const careerDecisions: CareerDecision[] = [];
  const next = nextPeriodStart(period);
  const promotedNow = new Map<number, CompiledLevel>();
  const maintenanceFailed = new Set<number>();
  const prior = inputs.prior ?? [];
  /** The consultant's volumes summed over a window of `size` periods ending with this one. */
  const windowed = (m: ConsultantMetrics, size: number): ConsultantMetrics => {
    if (size <= 1) return m;
    const sum = { ...m };
    for (const p of prior.slice(0, size - 1)) {
      const v = p.volumes.get(m.consultantId);
      if (!v) continue;
      sum.personalVolumeU += v.personalVolumeU;
      sum.groupVolumeU += v.groupVolumeU;
      sum.personalPremiumKop += v.personalPremiumKop;
      sum.newPolicies += v.newPolicies;
    }
    return sum;
  };
  /** What the reason of a career step quotes: the window and the figures the rule read. */
  const evidence = (m: ConsultantMetrics, size: number) => {
    const w = windowed(m, size);
    const counted = [period.code, ...prior.slice(0, size - 1).map((p) => p.code)];
    const span =
      size <= 1
        ? period.code
        : `вікно ${size} період(и): ${counted.join(', ')}${counted.length < size ? ' (раніших розрахунків немає)' : ''}`;
    return `${span}: особистий обсяг ${points(w.personalVolumeU)}, груповий ${points(w.groupVolumeU)}, нових полісів ${w.newPolicies}, активних прямих ${m.activeDirects}, гілок ${m.legs}`;
  };
  const scopes = new Map<number, Scope>();
  const windowScope = (m: ConsultantMetrics, size: number): Scope => {
    let scope = scopes.get(size);
    if (!scope) scopes.set(size, (scope = scopeOf(windowed(m, size))));
    return scope;
  };
  for (const id of consultantIds) {
    const m = metric(id);
    scopes.clear();
    const level = plan.levelByCode.get(m.careerLevel) ?? entry;
    let reached = level;
    for (let r = level.rank; r < plan.levels.length; r++) {
      const candidate = plan.levels[r];
      if (!candidate.promote || !evaluateCondition(candidate.promote, windowScope(m, candidate.window)))
        break;
      reached = candidate;
    }
    if (reached !== level) {
      const effectiveFrom = plan.promotionTakesEffect === 'current_period' ? period.startsOn : next;
      careerDecisions.push({
        consultantId: id,
        kind: 'promotion',
        fromLevel: level.code,
        toLevel: reached.code,
        effectiveFrom,
        reason: `${reached.promote!.source} holds (${evidence(m, reached.window)})`,
      });
      if (plan.promotionTakesEffect === 'current_period') promotedNow.set(id, reached);
      continue;
    }
    const scope = windowScope(m, level.window);
    if (level.maintain && level.rank > 1 && !evaluateCondition(level.maintain, scope))
      maintenanceFailed.add(id);
    if (level.demote && level.rank > 1 && evaluateCondition(level.demote, scope)) {
      careerDecisions.push({
        consultantId: id,
        kind: 'demotion',
        fromLevel: level.code,
        toLevel: plan.levels[level.rank - 2].code,
        effectiveFrom: next,
        reason: `${level.demote.source} holds (${evidence(m, level.window)})`,
      });
    }
  }
  /** The level a consultant is paid at on a date: the career level, adjusted by this period's career step. */
  const paidOn = (id: number, date: IsoDate): CompiledLevel => {
    const promoted = promotedNow.get(id);
    const career = careerOn(id, date);
    if (promoted && promoted.rank > career.rank) return promoted;
    if (maintenanceFailed.has(id) && career.rank > 1) return plan.levels[career.rank - 2];
    return career;
  };
  for (const id of consultantIds) metric(id).paidLevel = paidOn(id, endDate).code;
  /** paidOn through a day view. */
  const paidIn = (view: DayView, id: number, date: IsoDate): CompiledLevel => {
    if (id > dense) return paidOn(id, date);
    const index = view.paid[id];
    if (index >= 0) return plan.levels[index];
    const level = paidOn(id, date);
    view.paid[id] = level.rank - 1;
    return level;
  };
  lap('careers');

  const lines: AccrualLine[] = [];
  const push = (line: Omit<AccrualLine, 'lineNo' | 'periodCode' | 'planVersion'>) => {
    lines.push({ lineNo: 0, periodCode: period.code, planVersion: plan.version, ...line });
  };
  const personalKop = new Map<number, number>();
  const structuralKop = new Map<number, number>();
  const bump = (map: Map<number, number>, id: number, kop: number) => map.set(id, (map.get(id) ?? 0) + kop);
  const rounding = plan.rounding;
  /** amount = premium x points/100 x rate/100, rounded once. */
  const amountOf = (amountKop: number, pointsH: number, rateH: number): number => {
    const product = mulExact(amountKop, pointsH, rateH);
    return typeof product === 'number'
      ? divRoundNumber(product, 100_000_000, rounding)
      : Number(divRound(product, 100_000_000n, rounding));
  };
  const ctx: LineContext = {
    periodCode: period.code,
    planVersion: plan.version,
    codeOf,
    leaderLevel: plan.generationOverride
      ? (plan.levels[plan.generationOverride.fromRank - 1]?.code ?? '')
      : '',
  };

  // 4. Personal commission.
  for (const { p, pointsH, seller } of usable) {
    const date = plan.personalNetwork === 'sale_date' ? p.soldOn : p.paidOn;
    const level = paidIn(viewOn(date), seller, date);
    const amount = amountOf(p.amountKop, pointsH, level.personalRateH);
    bump(personalKop, seller, amount);
    lines.push(
      new PaymentLine(
        ctx,
        'personal',
        seller,
        p,
        pointsH,
        seller,
        level.code,
        level.personalRateH,
        0,
        0,
        0,
        amount,
      ),
    );
  }
  lap('personal');

  // 5. Structural commission: differential up the sponsor line, compression, generation override.
  const go = plan.generationOverride;
  if (plan.differential) {
    const topRateH = Math.max(...plan.levels.map((l) => l.structuralRateH));
    // Activity and qualification by id for the walk: bit 1 active, bit 2 qualified.
    const flags = new Uint8Array(dense + 1);
    for (const m of metrics.values())
      if (m.consultantId <= dense) flags[m.consultantId] = (m.active ? 1 : 0) | (m.qualified ? 2 : 0);
    for (const { p, pointsH, seller } of usable) {
      const date = plan.structuralNetwork === 'sale_date' ? p.soldOn : p.paidOn;
      const view = viewOn(date);
      const sellerLevel = paidIn(view, seller, date);
      let paidBelowH = sellerLevel.structuralRateH;
      let paidBelowBy = seller;
      let leaders = go && sellerLevel.rank >= go.fromRank ? 1 : 0;
      let cur = sponsorIn(view, seller, date);
      let compressed: string[] | null = null;
      for (let guard = 0; cur !== -1; guard++) {
        if (guard > 10000)
          throw new Error(`sponsor cycle above consultant ${codeOf.get(seller) ?? seller} on ${date}`);
        if (paidBelowH >= topRateH && (!go || leaders > go.ratesH.length)) break;
        const upline = cur;
        cur = sponsorIn(view, upline, date);
        let active: boolean;
        let qualified: boolean;
        if (upline <= dense) {
          active = (flags[upline] & 1) !== 0;
          qualified = (flags[upline] & 2) !== 0;
        } else {
          const um = metrics.get(upline);
          active = um?.active ?? false;
          qualified = um?.qualified ?? false;
        }
        if ((!active && plan.skipInactive) || (active && !qualified && plan.skipUnqualified)) {
          // Compression: as if the upline were not there; the next line up says whom it passed over.
          (compressed ??= []).push(
            `${codeOf.get(upline) ?? upline} (${active ? 'не виконав кваліфікацію' : 'неактивний'})`,
          );
          continue;
        }
        const level = paidIn(view, upline, date);
        const isLeader = !!go && level.rank >= go.fromRank;
        if (!qualified) {
          // Without compression the upline's difference is forfeited, not passed up.
          paidBelowH = Math.max(paidBelowH, level.structuralRateH);
          if (isLeader) leaders += 1;
          continue;
        }
        const diffH = level.structuralRateH - paidBelowH;
        if (diffH > 0) {
          const amount = amountOf(p.amountKop, pointsH, diffH);
          bump(structuralKop, upline, amount);
          lines.push(
            new PaymentLine(
              ctx,
              'structural',
              upline,
              p,
              pointsH,
              seller,
              level.code,
              level.structuralRateH,
              paidBelowH,
              paidBelowBy,
              0,
              amount,
              compressed,
            ),
          );
          compressed = null;
          paidBelowH = level.structuralRateH;
          paidBelowBy = upline;
        }
        if (isLeader) {
          if (leaders >= 1 && leaders <= go!.ratesH.length) {
            const rateH = go!.ratesH[leaders - 1];
            const amount = amountOf(p.amountKop, pointsH, rateH);
            bump(structuralKop, upline, amount);
            lines.push(
              new PaymentLine(
                ctx,
                'override',
                upline,
                p,
                pointsH,
                seller,
                level.code,
                rateH,
                0,
                0,
                leaders,
                amount,
                compressed,
              ),
            );
            compressed = null;
          }
          leaders += 1;
        }
      }
    }
  }
  lap('structural');

  inputs.completion?.commissions(personalKop, structuralKop);
  // 6. Bonuses, on the period's metrics and commissions.
  for (const id of consultantIds) {
    if (!plan.bonuses.length) break;
    const m = metric(id);
    const paid = plan.levelByCode.get(m.paidLevel) ?? entry;
    let scope: Scope | null = null;
    for (const bonus of plan.bonuses) {
      if (bonus.levels && !bonus.levels.has(paid.code)) continue;
      scope ??= scopeOf(m, {
        paidLevelRank: rational(BigInt(paid.rank)),
        personalCommission: hryv(personalKop.get(id) ?? 0),
        structuralCommission: hryv(structuralKop.get(id) ?? 0),
      });
      if (!evaluateCondition(bonus.condition, scope)) continue;
      const base = evaluateNumber(bonus.base, scope);
      const rate = evaluateNumber(bonus.rate, scope);
      // base (UAH) x rate (%) = kopiyky exactly: UAH x 100 kop x rate / 100.
      const amount = Number(roundRational(mul(base, rate), rounding));
      if (amount === 0) continue;
      push({
        consultantId: id,
        kind: 'bonus',
        sourceKind: 'consultant',
        sourceId: id,
        policyId: null,
        downlineConsultantId: null,
        rule: `bonus.${bonus.code}`,
        baseKop: Number(roundRational(mul(base, rational(100n)), rounding)),
        rate: toDecimalText(rate, 6),
        amountKop: amount,
        explanation: `${bonus.name} (${bonus.code}): умова «${bonus.condition.source}» виконана (особистий обсяг ${points(m.personalVolumeU)}, груповий ${points(m.groupVolumeU)}, нових полісів ${m.newPolicies}, активних прямих ${m.activeDirects}); база «${bonus.base.source}» = ${toPlainText(base)} грн × ${toPlainText(rate)}% = ${uah(amount)}`,
      });
    }
  }
  lap('bonuses');

  // 7. Chargebacks: a policy that lapsed within the window gives back what it earned.
  if (inputs.lapses.length && plan.chargebacks.length) {
    const earnedByPolicy = new Map<number, Map<number, number>>();
    const addEarned = (policyId: number, consultantId: number, kop: number) => {
      let byConsultant = earnedByPolicy.get(policyId);
      if (!byConsultant) earnedByPolicy.set(policyId, (byConsultant = new Map()));
      byConsultant.set(consultantId, (byConsultant.get(consultantId) ?? 0) + kop);
    };
    const lapsed = new Set(inputs.lapses.map((l) => l.policyId));
    for (const e of inputs.earnings)
      if (lapsed.has(e.policyId)) addEarned(e.policyId, e.consultantId, e.amountKop);
    for (const line of lines) {
      if (line.policyId !== null && lapsed.has(line.policyId) && line.kind !== 'chargeback') {
        addEarned(line.policyId, line.consultantId, line.amountKop);
      }
    }
    for (const lapse of [...inputs.lapses].sort((a, b) => a.policyId - b.policyId)) {
      const rule = plan.chargebacks.find(
        (c) =>
          (!c.groups || c.groups.has(lapse.productGroup)) &&
          (!c.products || c.products.has(lapse.productCode)),
      );
      if (!rule) continue;
      const months = monthsBetween(lapse.startedOn, lapse.lapsedOn);
      if (months >= rule.withinMonths) continue;
      const fraction =
        rule.mode === 'full'
          ? rational(1n)
          : rational(BigInt(rule.withinMonths - months), BigInt(rule.withinMonths));
      const earned = earnedByPolicy.get(lapse.policyId);
      if (!earned) continue;
      for (const [consultantId, earnedKop] of [...earned.entries()].sort(([a], [b]) => a - b)) {
        if (earnedKop <= 0) continue;
        const amount = -Number(roundRational(mul(rational(BigInt(earnedKop)), fraction), rounding));
        push({
          consultantId,
          kind: 'chargeback',
          sourceKind: 'policy',
          sourceId: lapse.policyId,
          policyId: lapse.policyId,
          downlineConsultantId: null,
          rule: `chargeback.${rule.code}`,
          baseKop: earnedKop,
          rate: toDecimalText(mul(fraction, rational(100n)), 6),
          amountKop: amount,
          explanation: `Повернення (chargeback ${rule.code}): поліс ${lapse.policyNumber} (${lapse.productCode}) припинено ${lapse.lapsedOn} (${lapse.status}) через ${months} міс. дії, вікно ${rule.withinMonths} міс.; заробленого ${uah(earnedKop)} × ${rule.mode === 'full' ? '100%' : `${rule.withinMonths - months}/${rule.withinMonths}`} = ${uah(-amount)} до повернення`,
        });
      }
    }
  }
  lap('chargebacks');

  lines.forEach((line, i) => (line.lineNo = i + 1));
  let totalKop = 0;
  for (const line of lines) totalKop += line.amountKop;
  return {
    period,
    planCode: plan.code,
    planVersion: plan.version,
    planSha256: plan.sha256,
    fingerprint,
    lines,
    metrics: consultantIds.map((id) => metric(id)),
    careerDecisions,
    missing,
    totalKop,
    timings,
  };
}
