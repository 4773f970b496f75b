/**
 * Withholding from an individual consultant's remuneration: personal income tax (ПДФО) and the
 * military levy (ВЗ) at the rates in force for the production period each accrual belongs to, not
 * the period it is paid in. A storno of October 2024 paid in January 2025 gives back the levy at
 * October's 1.5 %, not January's 5 %.
 *
 * Rounding rule: amounts are summed per tax and per rate period (one row of the rate table) first,
 * and that sum is rounded once, half away from zero, to the kopiyka. So 0.5 kopiyky rounds up, and a
 * storno gives back exactly what the original accrual withheld.
 */
import defaultRateDocument from './withholding-rates.json';

export type LegalForm = 'individual' | 'sole_proprietor';

export interface RatePeriod {
  /** First production period the rate applies to, yyyy-mm. */
  from: string;
  /** Last production period, inclusive; null while in force. */
  to: string | null;
  /** Exact decimal percent, e.g. '1.5'. */
  ratePercent: string;
}

export interface TaxDefinition {
  code: string;
  shortName: string;
  name: string;
  periods: RatePeriod[];
}

export interface WithholdingRateTable {
  taxes: TaxDefinition[];
}

export class WithholdingRateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WithholdingRateError';
  }
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const PERCENT = /^\d{1,3}(\.\d{1,6})?$/;

/** Checks a rate table document (e.g. a parsed withholding-rates.json) and answers it typed. */
export function loadRateTable(document: unknown, source = 'withholding-rates.json'): WithholdingRateTable {
  const fail = (where: string, message: string): never => {
    throw new WithholdingRateError(`${source}: ${where}: ${message}`);
  };
  const taxes = (document as { taxes?: unknown })?.taxes;
  if (!Array.isArray(taxes) || taxes.length === 0) fail('taxes', 'must be a non-empty list');
  const seen = new Set<string>();
  const result: TaxDefinition[] = (taxes as unknown[]).map((raw, t) => {
    const tax = raw as Partial<TaxDefinition>;
    const at = `taxes[${t}]`;
    for (const field of ['code', 'shortName', 'name'] as const) {
      if (typeof tax[field] !== 'string' || !tax[field]) fail(`${at}.${field}`, 'must be a non-empty text');
    }
    if (seen.has(tax.code!)) fail(`${at}.code`, `'${tax.code}' appears twice`);
    seen.add(tax.code!);
    if (!Array.isArray(tax.periods) || tax.periods.length === 0)
      fail(`${at}.periods`, 'must be a non-empty list');
    const periods = [...tax.periods!].map((p, i) => {
      const where = `${at}.periods[${i}]`;
      if (typeof p?.from !== 'string' || !PERIOD.test(p.from))
        fail(`${where}.from`, 'must be a period yyyy-mm');
      if (p.to !== null && (typeof p.to !== 'string' || !PERIOD.test(p.to))) {
        fail(`${where}.to`, 'must be a period yyyy-mm or null');
      }
      if (p.to !== null && p.to < p.from) fail(`${where}.to`, `${p.to} is before from ${p.from}`);
      if (typeof p.ratePercent !== 'string' || !PERCENT.test(p.ratePercent)) {
        fail(`${where}.ratePercent`, `'${String(p.ratePercent)}' is not a decimal percent such as '1.5'`);
      }
      return { from: p.from, to: p.to, ratePercent: p.ratePercent };
    });
    periods.sort((a, b) => a.from.localeCompare(b.from));
    for (let i = 1; i < periods.length; i++) {
      const previous = periods[i - 1];
      if (previous.to === null || previous.to >= periods[i].from) {
        fail(`${at}.periods`, `the rate from ${previous.from} overlaps the rate from ${periods[i].from}`);
      }
    }
    return { code: tax.code!, shortName: tax.shortName!, name: tax.name!, periods };
  });
  return { taxes: result };
}

export const DEFAULT_RATE_TABLE: WithholdingRateTable = loadRateTable(defaultRateDocument);

/** The rate period of a tax that covers an accrual period; refuses a period the table does not cover. */
export function rateFor(table: WithholdingRateTable, taxCode: string, accrualPeriod: string): RatePeriod {
  const tax = table.taxes.find((t) => t.code === taxCode);
  if (!tax) throw new WithholdingRateError(`no tax '${taxCode}' in the rate table`);
  const rate = tax.periods.find((p) => p.from <= accrualPeriod && (p.to === null || accrualPeriod <= p.to));
  if (!rate) {
    throw new WithholdingRateError(
      `the rate table has no ${tax.shortName} rate for accrual period ${accrualPeriod}`,
    );
  }
  return rate;
}

/** Percent of an amount in kopiyky, rounded once, half away from zero: exact integer arithmetic. */
export function percentOf(amountKop: number, ratePercent: string): number {
  if (!Number.isSafeInteger(amountKop)) throw new RangeError(`${amountKop} is not a whole number of kopiyky`);
  const m = PERCENT.exec(ratePercent);
  if (!m) throw new RangeError(`'${ratePercent}' is not a decimal percent`);
  const [whole, fraction = ''] = ratePercent.split('.');
  const rateMicro = BigInt(whole) * 1_000_000n + BigInt((fraction + '000000').slice(0, 6));
  const product = BigInt(amountKop) * rateMicro;
  const divisor = 100n * 1_000_000n;
  const magnitude = product < 0n ? -product : product;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return Number(product < 0n ? -quotient : quotient);
}

export interface WithholdingBase {
  /** The production period the amount belongs to, yyyy-mm. */
  accrualPeriod: string;
  amountKop: number;
}

export interface WithholdingLine {
  taxCode: string;
  shortName: string;
  name: string;
  ratePercent: string;
  rateFrom: string;
  rateTo: string | null;
  /** The accrual periods whose amounts make up the base, sorted. */
  accrualPeriods: string[];
  baseKop: number;
  amountKop: number;
}

/**
 * The withholding of one act: one line per tax and rate period that has a base, in the table's
 * order of taxes and periods. A sole proprietor is paid gross: no lines.
 */
export function computeWithholding(
  amounts: WithholdingBase[],
  legalForm: LegalForm,
  table: WithholdingRateTable = DEFAULT_RATE_TABLE,
): WithholdingLine[] {
  if (legalForm === 'sole_proprietor') return [];
  if (legalForm !== 'individual') throw new WithholdingRateError(`unknown legal form '${String(legalForm)}'`);
  const lines: WithholdingLine[] = [];
  for (const tax of table.taxes) {
    for (const rate of tax.periods) {
      const inPeriod = amounts.filter((a) => rateFor(table, tax.code, a.accrualPeriod) === rate);
      if (inPeriod.length === 0) continue;
      const baseKop = inPeriod.reduce((sum, a) => sum + a.amountKop, 0);
      lines.push({
        taxCode: tax.code,
        shortName: tax.shortName,
        name: tax.name,
        ratePercent: rate.ratePercent,
        rateFrom: rate.from,
        rateTo: rate.to,
        accrualPeriods: [...new Set(inPeriod.map((a) => a.accrualPeriod))].sort(),
        baseKop,
        amountKop: percentOf(baseKop, rate.ratePercent),
      });
    }
  }
  // Every amount must have found a rate for every tax (rateFor throws otherwise).
  return lines;
}
