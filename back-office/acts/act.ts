/**
 * The act of completed work as data: built from plain input (one consultant, one period, the
 * accrual lines), with no database and no rendering. The period's own accruals are grouped by kind;
 * corrections of earlier periods (storno, additional accruals that name the period they correct)
 * form a separate section grouped by corrected period and kind. Withholding follows the accrual
 * period of each line (see withholding.ts).
 */
import { amountInWords } from './amount-in-words';
import {
  computeWithholding,
  DEFAULT_RATE_TABLE,
  type LegalForm,
  type WithholdingLine,
  type WithholdingRateTable,
} from './withholding';

/**
 * The act line kind of a negative balance carried forward: a consultant whose period nets below
 * zero gets no act, and the debt is netted in the next act (planPeriodActs, loadCarriedBalances).
 */
export const CARRIED_FORWARD = 'carried_forward';

/** Ukrainian names of the accrual kinds of the ledger, in the order an act lists them. */
export const KIND_NAMES: Readonly<Record<string, string>> = {
  personal: 'Винагорода за особисті продажі',
  structural: 'Структурна винагорода (продажі структури)',
  override: 'Винагорода за поколіннями структури',
  bonus: 'Бонуси',
  contest: 'Призи за конкурсами',
  chargeback: 'Повернення винагороди за достроково припиненими договорами',
  storno: 'Сторнування',
  additional: 'Донарахування',
  // A negative balance of earlier periods (e.g. chargebacks above what was earned) netted here.
  [CARRIED_FORWARD]: 'Від’ємний залишок, перенесений з попереднього періоду',
};

export const LEGAL_FORM_NAMES: Readonly<Record<LegalForm, string>> = {
  individual: 'фізична особа',
  sole_proprietor: 'фізична особа — підприємець',
};

export interface ActConsultant {
  /** The consultant's surrogate key, when the input came from the database. */
  id?: number;
  code: string;
  fullName: string;
  /** РНОКПП. */
  taxNumber: string | null;
  legalForm: LegalForm;
}

export interface ActInputLine {
  kind: string;
  /** The production period the money belongs to (yyyy-mm); for a correction, the corrected period. */
  accrualPeriod: string;
  /** As the ledger names it on storno/additional lines; when given it must equal accrualPeriod. */
  correctsPeriod?: string | null;
  amountKop: number;
  explanation?: string;
}

export interface ActInput {
  /** The production period the act is for, yyyy-mm. */
  period: string;
  consultant: ActConsultant;
  lines: ActInputLine[];
}

export interface BuildActOptions {
  /** The act's number, e.g. '2026/000123' (allocateActNumber / formatActNumber). */
  number: string;
  /** The act's date, yyyy-mm-dd; by default the last day of the period. */
  date?: string;
  rateTable?: WithholdingRateTable;
  /** Names for kinds beyond KIND_NAMES, or to override them. */
  kindNames?: Record<string, string>;
}

export interface ActLine {
  section: 'period' | 'correction';
  kind: string;
  kindName: string;
  /** The period the amount belongs to: the act's period, or the corrected period. */
  accrualPeriod: string;
  /** How many ledger lines the row sums. */
  accrualCount: number;
  amountKop: number;
}

export interface Act {
  number: string;
  date: string;
  period: string;
  consultant: ActConsultant;
  /** The period's own accruals, one row per kind. */
  periodLines: ActLine[];
  /** Corrections of earlier periods, one row per corrected period and kind, oldest first. */
  correctionLines: ActLine[];
  periodTotalKop: number;
  correctionsTotalKop: number;
  grossKop: number;
  withholdings: WithholdingLine[];
  withheldKop: number;
  netKop: number;
  netInWords: string;
}

export class ActInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActInputError';
  }
}

/** Refused because the consultant has nothing to pay in the period (gross zero or negative). */
export class NothingToPayError extends Error {
  constructor(
    readonly consultantCode: string,
    readonly period: string,
    readonly grossKop: number,
  ) {
    super(`consultant ${consultantCode} has nothing to pay in ${period} (gross ${grossKop} kopiyky): no act`);
    this.name = 'NothingToPayError';
  }
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const NUMBER = /^\d{4}\/\d{6,}$/;

/** '2026/000123': the year of the act's date and its place in that year's sequence. */
export function formatActNumber(year: number, sequenceNo: number): string {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`${year} is not a year`);
  if (!Number.isSafeInteger(sequenceNo) || sequenceNo < 1)
    throw new RangeError(`${sequenceNo} is not a sequence number`);
  return `${year}/${String(sequenceNo).padStart(6, '0')}`;
}

/** The last day of a production period, yyyy-mm-dd. */
export function lastDayOfPeriod(period: string): string {
  const [year, month] = period.split('-').map(Number);
  const day = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${period}-${String(day).padStart(2, '0')}`;
}

function kindOrder(kind: string): number {
  const i = Object.keys(KIND_NAMES).indexOf(kind);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}

function checkInput(input: ActInput): void {
  const who = `act input for consultant ${input?.consultant?.code ?? '?'}`;
  if (!PERIOD.test(input?.period ?? ''))
    throw new ActInputError(`${who}: period '${input?.period}' is not yyyy-mm`);
  const c = input.consultant;
  if (!c?.code) throw new ActInputError(`act input for ${input.period}: consultant.code is missing`);
  if (!c.fullName?.trim()) throw new ActInputError(`${who}: consultant.fullName is missing`);
  if (c.legalForm !== 'individual' && c.legalForm !== 'sole_proprietor') {
    throw new ActInputError(
      `${who}: consultant.legalForm '${String(c.legalForm)}' is not individual or sole_proprietor`,
    );
  }
  if (c.taxNumber != null && !/^\d{10}$/.test(c.taxNumber)) {
    throw new ActInputError(`${who}: consultant.taxNumber '${c.taxNumber}' is not a 10-digit РНОКПП`);
  }
  if (!Array.isArray(input.lines)) throw new ActInputError(`${who}: lines is not a list`);
  input.lines.forEach((line, i) => {
    const at = `${who}, lines[${i}]`;
    if (!line.kind) throw new ActInputError(`${at}.kind is missing`);
    if (!PERIOD.test(line.accrualPeriod ?? '')) {
      throw new ActInputError(`${at}.accrualPeriod '${line.accrualPeriod}' is not yyyy-mm`);
    }
    if (line.accrualPeriod > input.period) {
      throw new ActInputError(
        `${at}.accrualPeriod ${line.accrualPeriod} is after the act's period ${input.period}`,
      );
    }
    if (line.correctsPeriod != null && line.correctsPeriod !== line.accrualPeriod) {
      throw new ActInputError(
        `${at}.correctsPeriod ${line.correctsPeriod} differs from accrualPeriod ${line.accrualPeriod}`,
      );
    }
    if (!Number.isSafeInteger(line.amountKop)) {
      throw new ActInputError(`${at}.amountKop ${String(line.amountKop)} is not a whole number of kopiyky`);
    }
  });
}

/** The gross of an input (what buildAct would total), to decide whether there is anything to pay. */
export function grossOf(input: ActInput): number {
  return input.lines.reduce((sum, l) => sum + l.amountKop, 0);
}

export function buildAct(input: ActInput, options: BuildActOptions): Act {
  checkInput(input);
  if (!NUMBER.test(options.number))
    throw new ActInputError(`act number '${options.number}' is not yyyy/nnnnnn`);
  const date = options.date ?? lastDayOfPeriod(input.period);
  if (!DATE.test(date)) throw new ActInputError(`act date '${date}' is not yyyy-mm-dd`);
  if (date.slice(0, 7) < input.period) {
    throw new ActInputError(`act date ${date} is before the end of its period ${input.period}`);
  }
  const names = { ...KIND_NAMES, ...options.kindNames };
  const grossKop = grossOf(input);
  if (grossKop <= 0) throw new NothingToPayError(input.consultant.code, input.period, grossKop);

  const groups = new Map<string, ActLine>();
  input.lines.forEach((line, i) => {
    const kindName = names[line.kind];
    if (!kindName) {
      throw new ActInputError(
        `act input for consultant ${input.consultant.code}, lines[${i}].kind '${line.kind}' has no Ukrainian name (kindNames)`,
      );
    }
    const section = line.accrualPeriod === input.period ? 'period' : 'correction';
    const key = `${section}|${line.accrualPeriod}|${line.kind}`;
    const group = groups.get(key);
    if (group) {
      group.amountKop += line.amountKop;
      group.accrualCount += 1;
    } else {
      groups.set(key, {
        section,
        kind: line.kind,
        kindName,
        accrualPeriod: line.accrualPeriod,
        accrualCount: 1,
        amountKop: line.amountKop,
      });
    }
  });
  const ordered = [...groups.values()].sort(
    (a, b) =>
      a.accrualPeriod.localeCompare(b.accrualPeriod) ||
      kindOrder(a.kind) - kindOrder(b.kind) ||
      a.kind.localeCompare(b.kind),
  );
  const periodLines = ordered.filter((l) => l.section === 'period');
  const correctionLines = ordered.filter((l) => l.section === 'correction');
  const sum = (lines: ActLine[]) => lines.reduce((s, l) => s + l.amountKop, 0);

  const withholdings = computeWithholding(
    input.lines.map((l) => ({ accrualPeriod: l.accrualPeriod, amountKop: l.amountKop })),
    input.consultant.legalForm,
    options.rateTable ?? DEFAULT_RATE_TABLE,
  );
  const withheldKop = withholdings.reduce((s, w) => s + w.amountKop, 0);
  const netKop = grossKop - withheldKop;
  if (netKop < 0) {
    throw new ActInputError(
      `act for consultant ${input.consultant.code} in ${input.period}: withholding exceeds the gross (net ${netKop} kopiyky)`,
    );
  }
  return {
    number: options.number,
    date,
    period: input.period,
    consultant: { ...input.consultant },
    periodLines,
    correctionLines,
    periodTotalKop: sum(periodLines),
    correctionsTotalKop: sum(correctionLines),
    grossKop,
    withholdings,
    withheldKop,
    netKop,
    netInWords: amountInWords(netKop),
  };
}

/** Withholding of one act by tax code (e.g. pdfo, military_levy), summed over its rate periods. */
export function withheldByTax(act: Act): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const w of act.withholdings) totals[w.taxCode] = (totals[w.taxCode] ?? 0) + w.amountKop;
  return totals;
}

/** A ledger accrual as the acts read it: plain data, whichever store it came from. */
export interface LedgerAccrual {
  consultant: ActConsultant;
  /** The period the line is posted in. */
  periodCode: string;
  kind: string;
  /** Set on storno/additional lines of a recalculation: the closed period they correct. */
  correctsPeriod: string | null;
  amountKop: number;
  explanation?: string;
}

/** A consultant's negative balance from earlier periods, carried into this period's act. */
export interface CarriedBalance {
  consultant: ActConsultant;
  /** Below zero: what earlier periods left the consultant owing. */
  amountKop: number;
  /** The last period whose balance was carried on (the act's line names it). */
  fromPeriod: string;
}

export interface PeriodActPlan {
  period: string;
  /** One input per consultant with a positive gross, by consultant code. */
  inputs: ActInput[];
  /**
   * Consultants whose lines (with any balance carried in) net to zero or less: no act this
   * period; a negative balance carries forward into the next act.
   */
  nothingToPay: { consultant: ActConsultant; grossKop: number }[];
  ledgerTotalKop: number;
  /** The negative balances carried in from earlier periods, summed (zero or below). */
  carriedInKop: number;
  /** The negative balances this period carries forward, summed (zero or below). */
  carriedOutKop: number;
}

/**
 * Splits a period's ledger into act inputs, one per consultant with anything to pay. A negative
 * balance carried in from earlier periods becomes a line of the consultant's input, so it is netted
 * in the act, or carried on when the period still nets below zero.
 */
export function planPeriodActs(
  period: string,
  accruals: LedgerAccrual[],
  carried: CarriedBalance[] = [],
): PeriodActPlan {
  const byConsultant = new Map<string, ActInput>();
  let ledgerTotalKop = 0;
  let carriedInKop = 0;
  accruals.forEach((a, i) => {
    if (a.periodCode !== period) {
      throw new ActInputError(
        `ledger line ${i} of consultant ${a.consultant.code} is posted in ${a.periodCode}, not ${period}`,
      );
    }
    ledgerTotalKop += a.amountKop;
    let input = byConsultant.get(a.consultant.code);
    if (!input)
      byConsultant.set(a.consultant.code, (input = { period, consultant: a.consultant, lines: [] }));
    input.lines.push({
      kind: a.kind,
      accrualPeriod: a.correctsPeriod ?? a.periodCode,
      correctsPeriod: a.correctsPeriod,
      amountKop: a.amountKop,
      explanation: a.explanation,
    });
  });
  for (const c of carried) {
    if (c.amountKop >= 0 || !Number.isSafeInteger(c.amountKop))
      throw new ActInputError(
        `carried balance of consultant ${c.consultant.code} is ${c.amountKop} kopiyky: only a debt (below zero) is carried`,
      );
    if (c.fromPeriod >= period)
      throw new ActInputError(
        `carried balance of consultant ${c.consultant.code} comes from ${c.fromPeriod}, not before ${period}`,
      );
    carriedInKop += c.amountKop;
    let input = byConsultant.get(c.consultant.code);
    if (!input)
      byConsultant.set(c.consultant.code, (input = { period, consultant: c.consultant, lines: [] }));
    input.lines.push({
      kind: CARRIED_FORWARD,
      accrualPeriod: c.fromPeriod,
      correctsPeriod: null,
      amountKop: c.amountKop,
      explanation: `Від’ємний залишок на кінець ${c.fromPeriod} утримується з цього акта`,
    });
  }
  const all = [...byConsultant.values()].sort((a, b) => a.consultant.code.localeCompare(b.consultant.code));
  const nothingToPay = all
    .filter((input) => grossOf(input) <= 0)
    .map((input) => ({ consultant: input.consultant, grossKop: grossOf(input) }));
  return {
    period,
    inputs: all.filter((input) => grossOf(input) > 0),
    nothingToPay,
    ledgerTotalKop,
    carriedInKop,
    carriedOutKop: nothingToPay.reduce((s, n) => s + n.grossKop, 0),
  };
}
