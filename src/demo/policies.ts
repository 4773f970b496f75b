/**
 * The demo's book of business: policyholders and insured persons, applications (issued, rejected,
 * withdrawn and some still pending for the next register), policies numbered in each insurer's
 * style with their versions and amendments, the payment calendar, and the premiums received in
 * the six months before `today`. Money is integer kopiyky throughout.
 */
import type { AmendmentKind, ApplicationStatus, IsoDate, PolicyStatus } from '../db';
import { decimalFromKopiyky } from '../db/money';
import {
  addDays,
  addMonths,
  addYears,
  dateBetween,
  daysBetween,
  maxDate,
  minDate,
  momentOn,
} from './calendar';
import {
  birthDate,
  companyCode,
  type Family,
  randomCompanyName,
  randomFamily,
  randomName,
  randomVehicle,
  type Sex,
  taxNumber,
} from './names';
import type { DemoConsultant, DemoNetwork } from './network';
import { Random, WeightedIndex } from './random';
import {
  BRANCHES,
  type DemoProduct,
  type InsurerCode,
  PRODUCTS,
  SAMPLE_POLICY_NUMBERS,
  SAMPLE_TAX_NUMBERS,
} from './reference';

export interface DemoPerson {
  /** The tax number of an individual, the company code of a company: how the seed finds the row again. */
  key: string;
  kind: 'individual' | 'company';
  fullName: string;
  taxNumber: string | null;
  companyCode: string | null;
  birthDate: IsoDate | null;
  createdAt: Date;
}

export interface DemoApplication {
  number: string;
  insurer: InsurerCode;
  productCode: string;
  consultantCode: string;
  holderKey: string;
  insuredKey: string | null;
  signedOn: IsoDate;
  sumInsured: number;
  /** Premium per payment, kopiyky. */
  premium: number;
  frequency: number;
  status: ApplicationStatus;
  statusReason: string | null;
  details: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DemoPolicyVersion {
  versionNo: number;
  /** The day this state takes effect; the policy on day D is its latest version with validFrom <= D. */
  validFrom: IsoDate;
  recordedAt: Date;
  consultantCode: string;
  holderKey: string;
  insuredKey: string | null;
  issuedOn: IsoDate;
  coverStart: IsoDate;
  coverEnd: IsoDate;
  sumInsured: number;
  annualPremium: number;
  frequency: number;
  status: PolicyStatus;
  statusDate: IsoDate;
  /** Set when an amendment made this version. */
  amendmentNo: string | null;
}

export interface DemoAmendment {
  amendmentNo: string;
  signedOn: IsoDate;
  effectiveOn: IsoDate;
  kind: AmendmentKind;
  newValue: string | null;
  details: Record<string, unknown> | null;
  recordedAt: Date;
}

export interface DemoInstallment {
  installmentNo: number;
  dueOn: IsoDate;
  amount: number;
  policyYear: number;
}

export interface DemoPayment {
  paidOn: IsoDate;
  /** Kopiyky; negative for a reversal of an earlier row. */
  amount: number;
  coverFrom: IsoDate;
  coverTo: IsoDate;
  policyYear: number;
  externalKey: string;
  recordedAt: Date;
}

export interface DemoPolicy {
  number: string;
  insurer: InsurerCode;
  productCode: string;
  applicationNumber: string | null;
  createdAt: Date;
  versions: DemoPolicyVersion[];
  amendment: DemoAmendment | null;
  schedule: DemoInstallment[];
  payments: DemoPayment[];
}

export interface DemoBook {
  persons: DemoPerson[];
  applications: DemoApplication[];
  policies: DemoPolicy[];
}

/** The six whole months before `today`'s month that carry premium payments. */
export interface PaymentWindow {
  start: IsoDate;
  end: IsoDate;
}

interface Terms {
  sumInsured: number;
  installment: number;
  frequency: number;
}

const UAH = 100;

/** A whole multiple of `step` kopiyky near `value`. */
function roundTo(value: number, step: number): number {
  return Math.max(step, Math.round(value / step) * step);
}

function between(random: Random, min: number, max: number): number {
  return min + random.next() * (max - min);
}

/** Sum insured, premium per payment and frequency, in the ranges agents really quote. */
function quote(random: Random, product: DemoProduct, coverDays: number): Terms {
  const frequency = (choices: [number, number][]) => random.weighted(choices);
  const perPayment = (annual: number, freq: number) => roundTo(annual / freq, 50);
  switch (product.code) {
    case 'DL-SAV10':
    case 'DL-SAV20': {
      const freq = frequency([
        [12, 45],
        [4, 20],
        [2, 10],
        [1, 25],
      ]);
      const annual = roundTo(
        between(
          random,
          product.code === 'DL-SAV10' ? 6_000 : 4_000,
          product.code === 'DL-SAV10' ? 60_000 : 45_000,
        ) * UAH,
        100 * UAH,
      );
      const installment = perPayment(annual, freq);
      const sumInsured = roundTo(
        installment * freq * product.termYears! * between(random, 1.0, 1.6),
        10_000 * UAH,
      );
      return { sumInsured, installment, frequency: freq };
    }
    case 'DL-RISK1': {
      const sumInsured = roundTo(between(random, 100_000, 2_000_000) * UAH, 10_000 * UAH);
      const freq = frequency([
        [1, 70],
        [2, 15],
        [4, 15],
      ]);
      return {
        sumInsured,
        installment: perPayment(roundTo(sumInsured * between(random, 0.008, 0.012), 10 * UAH), freq),
        frequency: freq,
      };
    }
    case 'KASKO-STD':
    case 'KASKO-PRM': {
      const premium = product.code === 'KASKO-PRM';
      const sumInsured = roundTo(
        between(random, premium ? 800_000 : 300_000, premium ? 3_000_000 : 1_500_000) * UAH,
        10_000 * UAH,
      );
      const rate = premium ? between(random, 0.035, 0.05) : between(random, 0.025, 0.04);
      const freq = frequency([
        [1, 70],
        [2, 15],
        [4, 15],
      ]);
      return {
        sumInsured,
        installment: perPayment(roundTo(sumInsured * rate, 10 * UAH), freq),
        frequency: freq,
      };
    }
    case 'PROP-HOME': {
      const sumInsured = roundTo(between(random, 500_000, 3_000_000) * UAH, 50_000 * UAH);
      const freq = frequency([
        [1, 80],
        [4, 10],
        [12, 10],
      ]);
      return {
        sumInsured,
        installment: perPayment(roundTo(sumInsured * between(random, 0.003, 0.006), 10 * UAH), freq),
        frequency: freq,
      };
    }
    case 'ACC-FAM': {
      const sumInsured = roundTo(between(random, 100_000, 500_000) * UAH, 10_000 * UAH);
      const freq = frequency([
        [1, 85],
        [12, 15],
      ]);
      return {
        sumInsured,
        installment: perPayment(roundTo(sumInsured * between(random, 0.01, 0.02), 10 * UAH), freq),
        frequency: freq,
      };
    }
    case 'TRV-EU': {
      const sumInsured = random.chance(0.7) ? 1_500_000 * UAH : 3_000_000 * UAH;
      return {
        sumInsured,
        installment: roundTo(coverDays * between(random, 45, 120) * UAH, 50),
        frequency: 1,
      };
    }
    case 'ACC-IND': {
      const sumInsured = roundTo(between(random, 50_000, 300_000) * UAH, 10_000 * UAH);
      return {
        sumInsured,
        installment: roundTo(sumInsured * between(random, 0.012, 0.015), 10 * UAH),
        frequency: 1,
      };
    }
    case 'OSCPV':
      return {
        sumInsured: 250_000 * UAH,
        installment: roundTo(between(random, 1_500, 4_500) * UAH, 10 * UAH),
        frequency: 1,
      };
    default:
      throw new Error(`demo: no quote rule for product ${product.code}`);
  }
}

/**
 * Policy numbers in each insurer's style, rising with the issue date, with gaps for other agencies' sales.
 * Dnipro Life's and Karpaty's run from DEMO_POLICY_SEQUENCE_FROM: the sandbox insurers issue theirs
 * from 1 (Karpaty), 1001 (Dnipro Life) and 900001 (Karpaty's generated policies), so a policy the
 * sandbox issues in `ecspert start` never takes the number of a demo policy.
 */
class PolicyNumbers {
  private readonly last = new Map<string, number>();
  private readonly taken = new Set(SAMPLE_POLICY_NUMBERS);

  constructor(private readonly random: Random) {}

  next(product: DemoProduct, issuedOn: IsoDate): string {
    for (;;) {
      const number = this.format(product, issuedOn);
      if (!this.taken.has(number)) {
        this.taken.add(number);
        return number;
      }
    }
  }

  private advance(series: string, start: [number, number], step: number): number {
    const previous = this.last.get(series);
    const value =
      previous === undefined ? this.random.int(start[0], start[1]) : previous + this.random.int(1, step);
    this.last.set(series, value);
    return value;
  }

  private format(product: DemoProduct, issuedOn: IsoDate): string {
    const yyyy = issuedOn.slice(0, 4);
    const yy = issuedOn.slice(2, 4);
    switch (product.insurer) {
      // Dnipro Life spec §3: DL-2026-000123.
      case 'DNIPRO_LIFE':
        return `DL-${yyyy}-${String(this.advance(`DL-${yyyy}`, demoRange(150, 400), 12)).padStart(6, '0')}`;
      // Karpaty: KR-KS-26-004411, a series per line of business and year.
      case 'KARPATY': {
        const line =
          { 'KASKO-STD': 'KS', 'KASKO-PRM': 'KP', 'PROP-HOME': 'PH', 'ACC-FAM': 'AF' }[product.code] ?? 'XX';
        const series = `KR-${line}-${yy}`;
        return `${series}-${String(this.advance(series, demoRange(4_500, 5_200), 9)).padStart(6, '0')}`;
      }
      // Polissia: PL-ACC-0000452, one running series per product.
      case 'POLISSIA': {
        const line = { 'TRV-EU': 'TRV', 'ACC-IND': 'ACC', OSCPV: 'OSC' }[product.code] ?? 'XXX';
        const start: [number, number] =
          line === 'OSC' ? [78_000, 79_000] : line === 'TRV' ? [2_000, 2_600] : [1_000, 1_400];
        return `PL-${line}-${String(this.advance(`PL-${line}`, start, 12)).padStart(7, '0')}`;
      }
    }
  }
}

/** Where the demo's numbers start, clear of the sandbox insurers' (see PolicyNumbers). */
export const DEMO_POLICY_SEQUENCE_FROM = 500_000;
const demoRange = (from: number, to: number): [number, number] => [
  DEMO_POLICY_SEQUENCE_FROM + from,
  DEMO_POLICY_SEQUENCE_FROM + to,
];

const REJECTION_REASONS: Record<string, string[]> = {
  life: [
    'Страхова сума перевищує ліміт без медичного обстеження',
    'Вік застрахованої особи перевищує допустимий для продукту',
  ],
  motor: ['Транспортний засіб старший за 15 років', 'Не надано фото огляду транспортного засобу'],
  other: [
    'Неповний пакет документів: відсутня копія паспорта',
    'РНОКПП страхувальника не відповідає даним паспорта',
  ],
};

interface BookOptions {
  policyCount: number;
  today: IsoDate;
  window: PaymentWindow;
}

/** Builds persons, applications, policies, schedules and payments for the network's consultants. */
export function generateBook(random: Random, network: DemoNetwork, options: BookOptions): DemoBook {
  const { today, window } = options;
  const lastIssue = addDays(today, -2);
  const knownOn = (date: IsoDate, hour = 10) =>
    momentOn(minDate(date, addDays(today, -1)), hour, random.int(0, 59));
  const plateRegion = new Map(BRANCHES.map((b) => [b.code, b.plateRegion]));

  const persons: DemoPerson[] = [];
  const families = new Map<string, Family>();
  const usedKeys = new Set<string>(SAMPLE_TAX_NUMBERS);
  const clients = new Map<string, { individuals: string[]; companies: string[] }>();
  const clientsOf = (code: string) => {
    let list = clients.get(code);
    if (!list) clients.set(code, (list = { individuals: [], companies: [] }));
    return list;
  };

  const newIndividual = (
    onDate: IsoDate,
    minAge: number,
    maxAge: number,
    family?: Family,
    sex?: Sex,
  ): DemoPerson => {
    const personSex: Sex = sex ?? (random.chance(0.55) ? 'female' : 'male');
    const fam = family ?? randomFamily(random);
    const name = randomName(random, personSex, fam);
    const born = birthDate(random, onDate, minAge, maxAge);
    let tax = taxNumber(random, born, personSex);
    while (usedKeys.has(tax)) tax = taxNumber(random, born, personSex);
    usedKeys.add(tax);
    const person: DemoPerson = {
      key: tax,
      kind: 'individual',
      fullName: name.fullName,
      taxNumber: tax,
      companyCode: null,
      birthDate: born,
      createdAt: knownOn(onDate, 9),
    };
    persons.push(person);
    families.set(tax, fam);
    return person;
  };

  const newCompany = (onDate: IsoDate): DemoPerson => {
    let code = companyCode(random);
    while (usedKeys.has(code)) code = companyCode(random);
    usedKeys.add(code);
    const person: DemoPerson = {
      key: code,
      kind: 'company',
      fullName: randomCompanyName(random),
      taxNumber: null,
      companyCode: code,
      birthDate: null,
      createdAt: knownOn(onDate, 9),
    };
    persons.push(person);
    return person;
  };

  const holderFor = (
    consultant: DemoConsultant,
    product: DemoProduct,
    onDate: IsoDate,
  ): DemoPerson['key'] => {
    const own = clientsOf(consultant.code);
    if (['motor', 'mtpl', 'property'].includes(product.group) && random.chance(0.06)) {
      if (own.companies.length > 0 && random.chance(0.3)) return random.pick(own.companies);
      const company = newCompany(onDate);
      own.companies.push(company.key);
      return company.key;
    }
    if (own.individuals.length > 0 && random.chance(0.2)) return random.pick(own.individuals);
    const [minAge, maxAge] = product.group === 'savings' ? [25, 55] : [20, 70];
    const person = newIndividual(onDate, minAge, maxAge);
    own.individuals.push(person.key);
    return person.key;
  };

  const insuredFor = (holderKey: string, product: DemoProduct, onDate: IsoDate): string | null => {
    const family = families.get(holderKey);
    if (!family) return null; // a company insures a vehicle or property, not a person
    const relativeChance =
      { savings: 0.15, term_life: 0.15, accident: 0.15, travel: 0.1 }[product.group as string] ?? 0;
    if (!random.chance(relativeChance)) return holderKey;
    const child = random.chance(0.5);
    return newIndividual(onDate, child ? 3 : 25, child ? 17 : 60, family).key;
  };

  const detailsFor = (
    product: DemoProduct,
    consultant: DemoConsultant,
    onDate: IsoDate,
    coverDays: number,
  ) => {
    if (product.group === 'motor' || product.group === 'mtpl') {
      return { vehicle: randomVehicle(random, plateRegion.get(consultant.unitCode) ?? 'АА', onDate) };
    }
    if (product.group === 'travel') {
      return {
        destination: random.pick([
          'Польща',
          'Німеччина',
          'Італія',
          'Іспанія',
          'Чехія',
          'Хорватія',
          'Франція',
        ]),
        days: coverDays,
      };
    }
    if (product.group === 'property') {
      const city = BRANCHES.find((b) => b.code === consultant.unitCode)?.city ?? 'Київ';
      return {
        address: `м. ${city}, вул. ${random.pick(['Шевченка', 'Франка', 'Лесі Українки', 'Грушевського', 'Сагайдачного', 'Городоцька'])}, ${random.int(1, 120)}`,
      };
    }
    return null;
  };

  const consultants = network.consultants;
  const sellerIndex = new WeightedIndex(
    consultants.map((c) => {
      const last = c.statuses[c.statuses.length - 1].status;
      return Math.exp(random.normal(0, 0.8)) * (last === 'active' ? 1 : last === 'inactive' ? 0.6 : 0.5);
    }),
  );
  const productIndex = new WeightedIndex(PRODUCTS.map((p) => p.salesWeight));
  const earliestIssue = (product: DemoProduct): IsoDate =>
    product.group === 'savings'
      ? addYears(today, -6)
      : product.code === 'DL-RISK1'
        ? addYears(today, -3)
        : addMonths(today, -23);

  const applications: (Omit<DemoApplication, 'number'> & { policy?: DemoPolicy })[] = [];
  const policies: (DemoPolicy & { issuedOn: IsoDate })[] = [];

  for (let p = 0; p < options.policyCount; p++) {
    let consultant: DemoConsultant;
    let product: DemoProduct;
    let from: IsoDate;
    let to: IsoDate;
    do {
      consultant = consultants[sellerIndex.pick(random)];
      product = PRODUCTS[productIndex.pick(random)];
      from = maxDate(addDays(consultant.hiredOn, 7), earliestIssue(product));
      to = minDate(addDays(consultant.salesUntil, -1), lastIssue);
    } while (from > to);
    const issuedOn = dateBetween(random, from, to);

    let coverStart: IsoDate;
    let coverEnd: IsoDate;
    let coverDays = 0;
    if (product.group === 'travel') {
      coverStart = addDays(issuedOn, random.int(1, 30));
      coverDays = random.int(5, 30);
      coverEnd = addDays(coverStart, coverDays - 1);
    } else {
      coverStart = addDays(issuedOn, product.insurer === 'DNIPRO_LIFE' ? 1 : random.int(1, 5));
      let years = product.termYears!;
      // «Захист» renews yearly; most clients renew, so the cover runs to the current policy year's end.
      if (product.code === 'DL-RISK1' && random.chance(0.75)) {
        while (addDays(addYears(coverStart, years), -1) < today) years++;
      }
      coverEnd = addDays(addYears(coverStart, years), -1);
    }
    const terms = quote(random, product, coverDays);
    const holderKey = holderFor(consultant, product, issuedOn);
    const insuredKey = insuredFor(holderKey, product, issuedOn);

    const v1: DemoPolicyVersion = {
      versionNo: 1,
      validFrom: coverStart,
      recordedAt: knownOn(addDays(issuedOn, random.int(1, 3)), 8),
      consultantCode: consultant.code,
      holderKey,
      insuredKey,
      issuedOn,
      coverStart,
      coverEnd,
      sumInsured: terms.sumInsured,
      annualPremium: terms.installment * terms.frequency,
      frequency: terms.frequency,
      status: 'in_force',
      statusDate: coverStart,
      amendmentNo: null,
    };
    const policy: DemoPolicy & { issuedOn: IsoDate } = {
      number: '',
      insurer: product.insurer,
      productCode: product.code,
      applicationNumber: null,
      createdAt: v1.recordedAt,
      versions: [v1],
      amendment: null,
      schedule: [],
      payments: [],
      issuedOn,
    };

    // A few amendments in the recent months: terminations, and sum changes where the product allows.
    let endsEarly: IsoDate | null = null;
    let newInstallment: { from: IsoDate; amount: number } | null = null;
    const amendFrom = maxDate(addDays(coverStart, 20), window.start);
    const amendTo = minDate(addDays(today, -3), addDays(coverEnd, -1));
    const roll = random.next();
    if (coverEnd >= today && amendFrom <= amendTo && roll < 0.08) {
      const effectiveOn = dateBetween(random, amendFrom, amendTo);
      const signedOn = minDate(addDays(effectiveOn, random.int(-5, 20)), addDays(today, -1));
      const amendmentNo = product.insurer === 'KARPATY' ? '2' : '1'; // Karpaty numbers endorsements by policy version
      const recordedAt = knownOn(addDays(signedOn, 1), 10);
      const cancels = roll < 0.04;
      if (cancels) {
        const karpaty = product.insurer === 'KARPATY';
        policy.amendment = {
          amendmentNo,
          signedOn,
          effectiveOn,
          kind: karpaty ? 'cancellation' : 'termination',
          newValue: null,
          details: null,
          recordedAt,
        };
        policy.versions.push({
          ...v1,
          versionNo: 2,
          validFrom: effectiveOn,
          recordedAt,
          status: karpaty ? 'cancelled' : 'terminated',
          statusDate: effectiveOn,
          amendmentNo,
        });
        endsEarly = effectiveOn;
      } else if (['savings', 'term_life', 'motor', 'property'].includes(product.group)) {
        const sumInsured = roundTo(terms.sumInsured * between(random, 1.1, 1.5), 10_000 * UAH);
        const amount = roundTo((terms.installment * sumInsured) / terms.sumInsured, 50);
        policy.amendment = {
          amendmentNo,
          signedOn,
          effectiveOn,
          kind: 'sum_change',
          newValue: decimalFromKopiyky(sumInsured),
          details: { annualPremium: decimalFromKopiyky(amount * terms.frequency) },
          recordedAt,
        };
        policy.versions.push({
          ...v1,
          versionNo: 2,
          validFrom: effectiveOn,
          recordedAt,
          sumInsured,
          annualPremium: amount * terms.frequency,
          amendmentNo,
        });
        newInstallment = { from: effectiveOn, amount };
      }
    }
    if (!endsEarly && coverEnd < today) {
      const expiredOn = addDays(coverEnd, 1);
      policy.versions.push({
        ...v1,
        versionNo: 2,
        validFrom: expiredOn,
        recordedAt: knownOn(addDays(expiredOn, 1), 7),
        status: 'expired',
        statusDate: expiredOn,
      });
    }

    // The payment calendar: every installment of the term, up to an early end.
    const monthsPerPayment = 12 / terms.frequency;
    for (let i = 0; ; i++) {
      const dueOn = addMonths(coverStart, i * monthsPerPayment);
      if (dueOn > coverEnd || (endsEarly && dueOn >= endsEarly)) break;
      const amount =
        newInstallment && dueOn >= newInstallment.from ? newInstallment.amount : terms.installment;
      policy.schedule.push({
        installmentNo: i + 1,
        dueOn,
        amount,
        policyYear: Math.floor(i / terms.frequency) + 1,
      });
    }

    // Premiums received in the window: first payments at issue, later ones around their due dates.
    for (let k = 0; k < policy.schedule.length; k++) {
      const installment = policy.schedule[k];
      if (installment.dueOn < addDays(window.start, -45) || installment.dueOn > window.end) continue;
      let paidOn: IsoDate;
      if (k === 0) paidOn = addDays(issuedOn, random.int(0, Math.min(2, daysBetween(issuedOn, coverStart))));
      else {
        const behaviour = random.weighted([
          ['early', 20],
          ['onTime', 55],
          ['late', 20],
          ['missed', 5],
        ] as const);
        if (behaviour === 'missed') continue;
        const delay =
          behaviour === 'early'
            ? random.int(-7, -1)
            : behaviour === 'onTime'
              ? random.int(0, 5)
              : random.int(6, 25);
        paidOn = addDays(installment.dueOn, delay);
      }
      paidOn = minDate(paidOn, addDays(today, -1));
      if (paidOn < window.start || paidOn > window.end) continue;
      const next = policy.schedule[k + 1];
      const payment = {
        coverFrom: installment.dueOn,
        coverTo: next
          ? addDays(next.dueOn, -1)
          : minDate(coverEnd, addDays(addMonths(installment.dueOn, monthsPerPayment), -1)),
        policyYear: installment.policyYear,
        externalKey: '',
      };
      // Now and then a mistyped amount, reversed and entered again (as in Dnipro Life's samples).
      const correctedOn = addDays(paidOn, 12);
      if (random.chance(0.004) && correctedOn <= window.end) {
        const wrong = installment.amount + random.pick([-1, 1]) * random.int(1, 9) * 5 * UAH;
        policy.payments.push({
          ...payment,
          paidOn,
          amount: wrong,
          recordedAt: knownOn(addDays(paidOn, 1), 12),
        });
        policy.payments.push({
          ...payment,
          paidOn: correctedOn,
          amount: -wrong,
          recordedAt: knownOn(addDays(correctedOn, 1), 12),
        });
        policy.payments.push({
          ...payment,
          paidOn: correctedOn,
          amount: installment.amount,
          recordedAt: knownOn(addDays(correctedOn, 1), 12),
        });
      } else {
        policy.payments.push({
          ...payment,
          paidOn,
          amount: installment.amount,
          recordedAt: knownOn(addDays(paidOn, random.int(1, 3)), 12),
        });
      }
    }

    const applicationShare = { DNIPRO_LIFE: 0.75, KARPATY: 0.7, POLISSIA: 0.5 }[product.insurer];
    if (random.chance(applicationShare)) {
      const signedOn = maxDate(consultant.hiredOn, addDays(issuedOn, -random.int(1, 10)));
      applications.push({
        insurer: product.insurer,
        productCode: product.code,
        consultantCode: consultant.code,
        holderKey,
        insuredKey,
        signedOn,
        sumInsured: terms.sumInsured,
        premium: terms.installment,
        frequency: terms.frequency,
        status: 'issued',
        statusReason: null,
        details: detailsFor(product, consultant, signedOn, coverDays),
        createdAt: knownOn(signedOn, 15),
        updatedAt: v1.recordedAt,
        policy,
      });
    }
    policies.push(policy);
  }

  // Applications that never became policies: rejected, withdrawn, and pending for the next register.
  const unissued = (
    status: ApplicationStatus,
    count: number,
    from: IsoDate,
    to: IsoDate,
    insurers?: InsurerCode[],
  ) => {
    for (let k = 0; k < count; k++) {
      let consultant: DemoConsultant;
      let product: DemoProduct;
      let first: IsoDate;
      let last: IsoDate;
      const insurer = insurers?.[k % insurers.length];
      do {
        consultant = consultants[sellerIndex.pick(random)];
        product = insurer
          ? random.pick(PRODUCTS.filter((p) => p.insurer === insurer))
          : PRODUCTS[productIndex.pick(random)];
        first = maxDate(addDays(consultant.hiredOn, 7), from);
        last = minDate(addDays(consultant.salesUntil, -1), to);
      } while (first > last || (status === 'pending' && consultant.salesUntil < today));
      const signedOn = dateBetween(random, first, last);
      const coverDays = product.group === 'travel' ? random.int(5, 30) : 0;
      const terms = quote(random, product, coverDays);
      const holderKey = holderFor(consultant, product, signedOn);
      const reasons =
        product.group === 'savings' || product.group === 'term_life'
          ? REJECTION_REASONS.life
          : product.group === 'motor'
            ? REJECTION_REASONS.motor
            : REJECTION_REASONS.other;
      applications.push({
        insurer: product.insurer,
        productCode: product.code,
        consultantCode: consultant.code,
        holderKey,
        insuredKey: insuredFor(holderKey, product, signedOn),
        signedOn,
        sumInsured: terms.sumInsured,
        premium: terms.installment,
        frequency: terms.frequency,
        status,
        statusReason: status === 'rejected' ? random.pick(reasons) : null,
        details: detailsFor(product, consultant, signedOn, coverDays),
        createdAt: knownOn(signedOn, 15),
        updatedAt:
          status === 'pending' ? knownOn(signedOn, 15) : knownOn(addDays(signedOn, random.int(2, 6)), 11),
      });
    }
  };
  unissued('rejected', 45, addDays(today, -330), addDays(today, -20));
  unissued('withdrawn', 12, addDays(today, -330), addDays(today, -20));
  unissued('pending', 72, addDays(today, -14), addDays(today, -1), ['DNIPRO_LIFE', 'KARPATY', 'POLISSIA']);

  // Numbers are handed out in date order, as an insurer and an agency would.
  const byDate =
    <T>(date: (item: T) => IsoDate) =>
    (a: [T, number], b: [T, number]) =>
      date(a[0]) < date(b[0]) ? -1 : date(a[0]) > date(b[0]) ? 1 : a[1] - b[1];
  const numbers = new PolicyNumbers(random);
  const productByCode = new Map(PRODUCTS.map((p) => [p.code, p]));
  for (const [policy] of policies
    .map((p, i) => [p, i] as [DemoPolicy & { issuedOn: IsoDate }, number])
    .sort(byDate((p) => p.issuedOn))) {
    policy.number = numbers.next(productByCode.get(policy.productCode)!, policy.issuedOn);
    policy.payments.forEach((payment, n) => (payment.externalKey = `demo:${policy.number}:${n + 1}`));
  }
  const perYear = new Map<string, number>();
  const numbered: DemoApplication[] = [];
  for (const [application] of applications
    .map((a, i) => [a, i] as [(typeof applications)[number], number])
    .sort(byDate((a) => a.signedOn))) {
    const year = application.signedOn.slice(0, 4);
    // Start above the numbers the sample registers use (Z-2026-00301 …).
    const n = (perYear.get(year) ?? 1000) + 1;
    perYear.set(year, n);
    const { policy, ...rest } = application;
    const number = `Z-${year}-${String(n).padStart(5, '0')}`;
    if (policy) policy.applicationNumber = number;
    numbered.push({ ...rest, number });
  }

  return {
    persons,
    applications: numbered,
    policies: policies.map(({ issuedOn: _issuedOn, ...policy }) => policy),
  };
}
