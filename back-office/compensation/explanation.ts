/**
 * The explanation of a ledger line from a premium payment (personal, differential, generation
 * override) as structured data, and its Ukrainian text. A period has millions of these lines: the
 * ledger stores the parts (`accrual.explanation_data`, a compact JSON array) and the text is rendered
 * when a line is read, byte for byte the text the engine used to store. Lines of other kinds
 * (bonuses, chargebacks, contests, corrections), and every line written before the structured form,
 * keep their text in `accrual.explanation`; a reader calls `ledgerExplanation` with both columns.
 *
 * The data names consultants by their code as the calculation knew it (the text shows codes), so the
 * text read later is the one of the calculation, and rendering needs no look-up.
 */
import { formatHryvnias } from '../../src/db/money';
import { rational, toPlainText } from './exact';

/** The column's width: an explanation longer than this is stored cut, with '...' at the end. */
export const EXPLANATION_MAX = 2000;
/** The width of `accrual.explanation_data` in bytes (Oracle's VARCHAR2 limit); longer data is stored as text. */
export const EXPLANATION_DATA_MAX = 4000;

/** What the text of a payment line says, in numbers and codes. */
export interface PaymentExplanation {
  kind: 'personal' | 'structural' | 'override';
  amountKop: number;
  /** The payment: its amount, date, policy and product, the policy year. */
  paymentKop: number;
  paidOn: string;
  policyNumber: string;
  productCode: string;
  policyYear: number;
  /** Points per 100 UAH (hundredths). */
  pointsH: number;
  /** The level's rate, or the generation's rate on an override (hundredths of a percent). */
  rateH: number;
  /** Personal and structural: the level paid at. */
  levelCode: string;
  /** Structural and override: the seller's code. */
  sellerCode: string;
  /** Structural: the rate already paid below and who was paid it. */
  belowH: number;
  belowByCode: string;
  /** Override: the generation and the leader level it counts. */
  generation: number;
  leaderLevel: string;
  /** The uplines compression passed over just below this one: code, and whether it was active. */
  compressed: { code: string; active: boolean }[] | null;
}

const U = 1_000_000; // volume units per point
const pctCache = new Map<number, string>();
/** Hundredths of a percent as short text (3000 -> '30', 850 -> '8.5'). */
export const pct = (h: number): string => {
  let text = pctCache.get(h);
  if (text === undefined) {
    text = toPlainText(rational(BigInt(h), 100n));
    pctCache.set(h, text);
  }
  return text;
};
/** Points from millionths, e.g. 2500000000 -> '2 500'. */
export function points(u: number): string {
  const negative = u < 0;
  const a = Math.abs(u);
  const whole = Math.floor(a / U);
  let fraction = String(a - whole * U)
    .padStart(6, '0')
    .replace(/0+$/, '');
  if (fraction) fraction = `,${fraction}`;
  return `${negative ? '-' : ''}${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')}${fraction}`;
}
export const uah = (kop: number) => `${formatHryvnias(kop)} грн`;

/** The text of a payment line, as the engine has always written it. */
export function renderPaymentExplanation(e: PaymentExplanation): string {
  const payment = `платіж ${uah(e.paymentKop)} від ${e.paidOn} за полісом ${e.policyNumber} (${e.productCode}, рік ${e.policyYear}) = ${points(e.paymentKop * e.pointsH)} бал. (${pct(e.pointsH)} бал. на 100 грн)`;
  const compressed = e.compressed
    ? `; стиснення: пропущено ${e.compressed.map((c) => `${c.code} (${c.active ? 'не виконав кваліфікацію' : 'неактивний'})`).join(', ')}`
    : '';
  if (e.kind === 'personal')
    return `Особиста комісія: ${payment} × ${pct(e.rateH)}% (рівень ${e.levelCode}) = ${uah(e.amountKop)}`;
  if (e.kind === 'structural')
    return `Структурна комісія (диференціал) з продажу ${e.sellerCode}: ${payment} × (${pct(e.rateH)}% рівня ${e.levelCode} − ${pct(e.belowH)}% вже виплачено нижче, ${e.belowByCode}${compressed}) = ${uah(e.amountKop)}`;
  return `Поколінна винагорода, покоління ${e.generation} (нижче ${e.generation} лідер(и) рівня ${e.leaderLevel} і вище) з продажу ${e.sellerCode}${compressed}: ${payment} × ${pct(e.rateH)}% = ${uah(e.amountKop)}`;
}

const KIND = { personal: 'p', structural: 's', override: 'o' } as const;

/**
 * The stored form: a JSON array, version 1, the fields a kind's text needs and no more:
 *   [1, 'p', amount, payment, paidOn, policyNumber, productCode, policyYear, pointsH, rateH, level]
 *   [1, 's', …the same…, level, seller, belowH, belowBy, compressed]
 *   [1, 'o', amount, payment, paidOn, policyNumber, productCode, policyYear, pointsH, rateH,
 *    generation, leaderLevel, seller, compressed]
 * compressed is null or a flat [code, active (0|1), code, active, …].
 */
export function encodePaymentExplanation(e: PaymentExplanation): string {
  const head: unknown[] = [
    1,
    KIND[e.kind],
    e.amountKop,
    e.paymentKop,
    e.paidOn,
    e.policyNumber,
    e.productCode,
    e.policyYear,
    e.pointsH,
    e.rateH,
  ];
  const compressed = e.compressed ? e.compressed.flatMap((c) => [c.code, c.active ? 1 : 0]) : null;
  if (e.kind === 'personal') head.push(e.levelCode);
  else if (e.kind === 'structural') head.push(e.levelCode, e.sellerCode, e.belowH, e.belowByCode, compressed);
  else head.push(e.generation, e.leaderLevel, e.sellerCode, compressed);
  return JSON.stringify(head);
}

/** A string as JSON: itself in quotes when it has nothing to escape (codes, dates, policy numbers). */
export function jsonString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/**
 * The stored form written fast, for the millions of lines of a period: the payment's part (the same
 * for every line of one payment) and the consultants' codes come already as JSON, so a line is one
 * string concatenation. Gives exactly what encodePaymentExplanation gives for the same parts.
 */
export class PaymentExplanationWriter {
  private readonly payments = new Map<object, string>();
  private readonly codes = new Map<number, string>();
  constructor(
    private readonly codeOf: Map<number, string>,
    private readonly leaderLevel: string,
  ) {}
  /** `paymentKop,"paidOn","policyNumber","productCode",policyYear,pointsH` */
  private payment(
    key: object,
    p: { amountKop: number; paidOn: string; policyNumber: string; productCode: string; policyYear: number },
    pointsH: number,
  ): string {
    let text = this.payments.get(key);
    if (text === undefined) {
      text = `${p.amountKop},${jsonString(p.paidOn)},${jsonString(p.policyNumber)},${jsonString(p.productCode)},${p.policyYear},${pointsH}`;
      this.payments.set(key, text);
    }
    return text;
  }
  private code(id: number): string {
    let text = this.codes.get(id);
    if (text === undefined) {
      text = jsonString(this.codeOf.get(id) ?? String(id));
      this.codes.set(id, text);
    }
    return text;
  }
  /** compressed: ids, an active upline's as its complement (~id), or null. */
  write(
    kind: PaymentExplanation['kind'],
    amountKop: number,
    payment: {
      amountKop: number;
      paidOn: string;
      policyNumber: string;
      productCode: string;
      policyYear: number;
    },
    pointsH: number,
    rateH: number,
    levelCode: string,
    seller: number,
    belowH: number,
    belowBy: number,
    generation: number,
    compressed: readonly number[] | null,
  ): string {
    const head = `[1,"${KIND[kind]}",${amountKop},${this.payment(payment, payment, pointsH)},${rateH},`;
    if (kind === 'personal') return `${head}${jsonString(levelCode)}]`;
    let skipped = 'null';
    if (compressed) {
      skipped = '[';
      for (let i = 0; i < compressed.length; i++) {
        const id = compressed[i];
        skipped += `${i ? ',' : ''}${this.code(id < 0 ? ~id : id)},${id < 0 ? 1 : 0}`;
      }
      skipped += ']';
    }
    if (kind === 'structural')
      return `${head}${jsonString(levelCode)},${this.code(seller)},${belowH},${this.code(belowBy)},${skipped}]`;
    return `${head}${generation},${jsonString(this.leaderLevel)},${this.code(seller)},${skipped}]`;
  }
}

/** The parts back from the stored form. */
export function decodePaymentExplanation(data: string): PaymentExplanation {
  const a = JSON.parse(data) as unknown[];
  if (a[0] !== 1) throw new Error(`accrual.explanation_data of an unknown version: ${data.slice(0, 40)}`);
  const kind = a[1] === 'p' ? 'personal' : a[1] === 's' ? 'structural' : 'override';
  const flat = (kind === 'structural' ? a[14] : kind === 'override' ? a[13] : null) as
    (string | number)[] | null;
  const compressed: PaymentExplanation['compressed'] = flat ? [] : null;
  if (flat)
    for (let i = 0; i < flat.length; i += 2)
      compressed!.push({ code: String(flat[i]), active: flat[i + 1] === 1 });
  return {
    kind,
    amountKop: a[2] as number,
    paymentKop: a[3] as number,
    paidOn: a[4] as string,
    policyNumber: a[5] as string,
    productCode: a[6] as string,
    policyYear: a[7] as number,
    pointsH: a[8] as number,
    rateH: a[9] as number,
    levelCode: kind === 'override' ? '' : (a[10] as string),
    sellerCode: kind === 'structural' ? (a[11] as string) : kind === 'override' ? (a[12] as string) : '',
    belowH: kind === 'structural' ? (a[12] as number) : 0,
    belowByCode: kind === 'structural' ? (a[13] as string) : '',
    generation: kind === 'override' ? (a[10] as number) : 0,
    leaderLevel: kind === 'override' ? (a[11] as string) : '',
    compressed,
  };
}

/** An explanation as the ledger column holds it: cut to the column's width. */
export function storedExplanation(text: string): string {
  return text.length > EXPLANATION_MAX ? `${text.slice(0, EXPLANATION_MAX - 3)}...` : text;
}

/**
 * A ledger line's explanation from its two columns: the stored text (lines of other kinds, and lines
 * written before the structured form), else the text rendered from the data, cut as the column cut it.
 */
export function ledgerExplanation(text: string | null, data: string | null | undefined): string {
  if (data === null || data === undefined || data === '') return text ?? '';
  return storedExplanation(renderPaymentExplanation(decodePaymentExplanation(data)));
}
