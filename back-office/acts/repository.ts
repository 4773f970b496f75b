/**
 * Acts in the database: the gapless per-year number sequence, issuing an act (number, document and
 * rows in one transaction, so a failure gives the number back), the thin loader from the accrual
 * ledger, and the period register and its check against the ledger.
 *
 * Gapless under concurrency: the year's sequence row is locked with `select … for update` in the
 * transaction that stores the act. A second issuer waits on the lock; if the first rolls back, the
 * number was never taken. The row for a new year is created beforehand, outside that transaction, so
 * two issuers racing to create it cannot abort each other's transaction.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SqlDialect } from '../../src/db';
import { decimalFromKopiyky, kopiykyFromDecimal } from '../../src/db/money';
import {
  type Act,
  ActInputError,
  type ActInput,
  buildAct,
  type BuildActOptions,
  type CarriedBalance,
  formatActNumber,
  lastDayOfPeriod,
  type LedgerAccrual,
  planPeriodActs,
  withheldByTax,
} from './act';
import { ledgerExplanation } from '../compensation';
import { periodRegister, type PeriodRegister, type RegisterRow } from './exports';
import { type Intermediary, renderActPdf } from './pdf';
import type { ActsDB } from './tables';
import type { LegalForm } from './withholding';

export const actsDb = (database: Database) => database.db as unknown as Kysely<ActsDB>;

export class ActAlreadyIssuedError extends Error {
  constructor(
    readonly consultantCode: string,
    readonly period: string,
    readonly actNumber: string,
  ) {
    super(`consultant ${consultantCode} already has act ${actNumber} for ${period}`);
    this.name = 'ActAlreadyIssuedError';
  }
}

/** Makes sure the year has its sequence row; safe when several processes race to create it. */
export async function ensureActYear(db: Kysely<ActsDB>, dialect: SqlDialect, year: number): Promise<void> {
  const found = await db
    .selectFrom('act_number_sequence')
    .select('act_year')
    .where('act_year', '=', year)
    .executeTakeFirst();
  if (found) return;
  try {
    await db
      .insertInto('act_number_sequence')
      .values({ act_year: year, last_number: 0, updated_at: new Date() })
      .execute();
  } catch (error) {
    if (!dialect.isUniqueViolation(error)) throw error;
  }
}

/**
 * Takes the next number of the year inside the caller's transaction (the year's row stays locked
 * until it ends). Call ensureActYear first, outside the transaction.
 */
export async function takeActNumber(
  trx: Kysely<ActsDB>,
  year: number,
): Promise<{ sequenceNo: number; number: string }> {
  const row = await trx
    .selectFrom('act_number_sequence')
    .select('last_number')
    .where('act_year', '=', year)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new Error(`no act number sequence for ${year}: call ensureActYear first`);
  const sequenceNo = Number(row.last_number) + 1;
  await trx
    .updateTable('act_number_sequence')
    .set({ last_number: sequenceNo, updated_at: new Date() })
    .where('act_year', '=', year)
    .execute();
  return { sequenceNo, number: formatActNumber(year, sequenceNo) };
}

/**
 * Takes the next act number of a year in a transaction of its own. The number is spent when this
 * returns: to keep the sequence gapless, store the act in the same transaction (issueAct does).
 */
export async function allocateActNumber(database: Database, year: number): Promise<string> {
  const db = actsDb(database);
  await ensureActYear(db, database.dialect, year);
  return db.transaction().execute(async (trx) => (await takeActNumber(trx, year)).number);
}

export interface IssueActOptions extends Omit<BuildActOptions, 'number'> {
  intermediary: Intermediary;
  createdBy?: string;
}

export interface IssuedAct {
  id: number;
  act: Act;
  pdf: Buffer;
  pdfSha256: string;
}

async function consultantId(db: Kysely<ActsDB>, input: ActInput): Promise<number> {
  if (input.consultant.id !== undefined) return input.consultant.id;
  const row = await db
    .selectFrom('consultant')
    .select('id')
    .where('code', '=', input.consultant.code)
    .executeTakeFirst();
  if (!row)
    throw new ActInputError(
      `act input for ${input.period}: consultant.code '${input.consultant.code}' is not a known consultant`,
    );
  return Number(row.id);
}

/** Issues one act: takes its number, renders the PDF and stores both, all in one transaction. */
export async function issueAct(
  database: Database,
  input: ActInput,
  options: IssueActOptions,
): Promise<IssuedAct> {
  const db = actsDb(database);
  const date = options.date ?? lastDayOfPeriod(input.period);
  const year = Number(date.slice(0, 4));
  // Refuse bad input before taking a number or a lock.
  buildAct(input, { ...options, date, number: formatActNumber(year, 1) });
  const consultant = await consultantId(db, input);
  await ensureActYear(db, database.dialect, year);
  return db.transaction().execute(async (trx) => {
    // Under the year's lock, so a concurrent issuer of the same act sees this one committed.
    const { sequenceNo, number } = await takeActNumber(trx, year);
    const existing = await trx
      .selectFrom('act')
      .select('act_number')
      .where('consultant_id', '=', consultant)
      .where('period_code', '=', input.period)
      .executeTakeFirst();
    if (existing) throw new ActAlreadyIssuedError(input.consultant.code, input.period, existing.act_number);
    const act = buildAct(
      { ...input, consultant: { ...input.consultant, id: consultant } },
      { ...options, date, number },
    );
    const pdf = await renderActPdf(act, options.intermediary);
    const pdfSha256 = createHash('sha256').update(pdf).digest('hex');
    const byTax = withheldByTax(act);
    const id = await database.dialect.insertReturningId(
      trx,
      'act',
      {
        act_number: number,
        act_year: year,
        sequence_no: sequenceNo,
        act_date: act.date,
        period_code: act.period,
        consultant_id: consultant,
        consultant_code: act.consultant.code,
        consultant_name: act.consultant.fullName,
        tax_number: act.consultant.taxNumber,
        legal_form: act.consultant.legalForm,
        period_total: decimalFromKopiyky(act.periodTotalKop),
        corrections_total: decimalFromKopiyky(act.correctionsTotalKop),
        gross: decimalFromKopiyky(act.grossKop),
        pdfo: decimalFromKopiyky(byTax.pdfo ?? 0),
        military_levy: decimalFromKopiyky(byTax.military_levy ?? 0),
        withheld: decimalFromKopiyky(act.withheldKop),
        net: decimalFromKopiyky(act.netKop),
        accrual_count: input.lines.length,
        pdf,
        pdf_sha256: pdfSha256,
        created_at: new Date(),
        created_by: options.createdBy ?? null,
      },
      { act_number: number },
    );
    const lines = [...act.periodLines, ...act.correctionLines];
    if (lines.length) {
      await trx
        .insertInto('act_line')
        .values(
          lines.map((l, i) => ({
            act_id: id,
            line_no: i + 1,
            section: l.section,
            kind: l.kind,
            accrual_period: l.accrualPeriod,
            accrual_count: l.accrualCount,
            amount: decimalFromKopiyky(l.amountKop),
          })),
        )
        .execute();
    }
    if (act.withholdings.length) {
      await trx
        .insertInto('act_withholding')
        .values(
          act.withholdings.map((w) => ({
            act_id: id,
            tax_code: w.taxCode,
            rate: w.ratePercent,
            rate_from: w.rateFrom,
            rate_to: w.rateTo,
            accrual_periods: w.accrualPeriods.join(','),
            base: decimalFromKopiyky(w.baseKop),
            amount: decimalFromKopiyky(w.amountKop),
          })),
        )
        .execute();
    }
    return { id, act, pdf, pdfSha256 };
  });
}

const LEDGER_PAGE = 5000;

/** The accrual lines posted in a period (posted runs only), as the acts read them. */
export async function loadPeriodLedger(database: Database, period: string): Promise<LedgerAccrual[]> {
  const db = actsDb(database);
  const accruals: LedgerAccrual[] = [];
  for (let offset = 0; ; offset += LEDGER_PAGE) {
    const rows = await db
      .selectFrom('accrual as a')
      .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
      .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
      .select([
        'a.id',
        'a.period_code',
        'a.kind',
        'a.corrects_period',
        'a.amount',
        'a.explanation',
        'a.explanation_data',
        'c.id as consultant_id',
        'c.code',
        'c.full_name',
        'c.tax_number',
        'c.legal_form',
      ])
      .where('a.period_code', '=', period)
      .where('r.status', '=', 'posted')
      .orderBy('a.id')
      .offset(offset)
      .fetch(LEDGER_PAGE)
      .execute();
    for (const r of rows) {
      accruals.push({
        consultant: {
          id: Number(r.consultant_id),
          code: r.code,
          fullName: r.full_name,
          taxNumber: r.tax_number,
          legalForm: r.legal_form as LegalForm,
        },
        periodCode: r.period_code,
        kind: r.kind,
        correctsPeriod: r.corrects_period,
        amountKop: kopiykyFromDecimal(r.amount),
        explanation: ledgerExplanation(r.explanation, r.explanation_data),
      });
    }
    if (rows.length < LEDGER_PAGE) return accruals;
  }
}

/**
 * The negative balances consultants carry into a period's act from the closed periods before it.
 * Per consultant, period by period: the balance carried in plus the period's ledger is what is due;
 * what is due above zero is the period's act (the balance starts again from zero), zero or below is
 * carried on. So a chargeback that exceeds what a consultant earned is netted in the next act with
 * anything to pay, never lost.
 */
export async function loadCarriedBalances(database: Database, period: string): Promise<CarriedBalance[]> {
  const db = actsDb(database);
  const rows = await db
    .selectFrom('accrual as a')
    .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
    .select(['a.consultant_id', 'a.period_code', (eb) => eb.fn.sum<string>('a.amount').as('total')])
    .where('a.period_code', '<', period)
    .where('r.status', '=', 'posted')
    .where('a.period_code', 'in', (eb) =>
      eb.selectFrom('production_period').select('code').where('status', '=', 'closed'),
    )
    .groupBy(['a.consultant_id', 'a.period_code'])
    .orderBy('a.consultant_id')
    .orderBy('a.period_code')
    .execute();
  const balances = new Map<number, { amountKop: number; fromPeriod: string }>();
  for (const r of rows) {
    const id = Number(r.consultant_id);
    const due = (balances.get(id)?.amountKop ?? 0) + kopiykyFromDecimal(String(r.total));
    balances.set(id, { amountKop: due > 0 ? 0 : due, fromPeriod: r.period_code });
  }
  const owing = [...balances.entries()].filter(([, b]) => b.amountKop < 0);
  const carried: CarriedBalance[] = [];
  for (let i = 0; i < owing.length; i += 500) {
    const chunk = owing.slice(i, i + 500);
    const people = await db
      .selectFrom('consultant')
      .select(['id', 'code', 'full_name', 'tax_number', 'legal_form'])
      .where(
        'id',
        'in',
        chunk.map(([id]) => id),
      )
      .execute();
    const byId = new Map(people.map((p) => [Number(p.id), p]));
    for (const [id, b] of chunk) {
      const p = byId.get(id)!;
      carried.push({
        consultant: {
          id,
          code: p.code,
          fullName: p.full_name,
          taxNumber: p.tax_number,
          legalForm: p.legal_form as LegalForm,
        },
        amountKop: b.amountKop,
        fromPeriod: b.fromPeriod,
      });
    }
  }
  return carried.sort((a, b) => a.consultant.code.localeCompare(b.consultant.code));
}

export interface PeriodIssue {
  issued: IssuedAct[];
  /** Consultants who already had the period's act (issuing again changes nothing). */
  alreadyIssued: string[];
  /** Consultants whose period (with any balance carried in) nets to zero or less: no act. */
  nothingToPay: { consultantCode: string; grossKop: number }[];
  ledgerTotalKop: number;
  /** Negative balances of earlier periods netted in (or carried on through) this period. */
  carriedInKop: number;
  /** Negative balances this period carries forward into the next act. */
  carriedOutKop: number;
}

/**
 * How far a period's acts are: 'issuing' after each act looked at (issued, or found issued already),
 * `done` of `total` (the consultants with anything to pay); then 'checking' (the acts against the
 * ledger, back-office/periods producePeriodActs).
 */
export type ActsProgress = (stage: 'issuing' | 'checking', done: number, total: number) => void;

/**
 * Issues the acts of a period from its ledger and the negative balances carried in, one per
 * consultant with anything to pay, by consultant code.
 */
export async function issuePeriodActs(
  database: Database,
  period: string,
  options: IssueActOptions,
  onProgress?: ActsProgress,
): Promise<PeriodIssue> {
  const plan = planPeriodActs(
    period,
    await loadPeriodLedger(database, period),
    await loadCarriedBalances(database, period),
  );
  const result: PeriodIssue = {
    issued: [],
    alreadyIssued: [],
    nothingToPay: plan.nothingToPay.map((n) => ({ consultantCode: n.consultant.code, grossKop: n.grossKop })),
    ledgerTotalKop: plan.ledgerTotalKop,
    carriedInKop: plan.carriedInKop,
    carriedOutKop: plan.carriedOutKop,
  };
  const total = plan.inputs.length;
  onProgress?.('issuing', 0, total);
  for (const [index, input] of plan.inputs.entries()) {
    try {
      result.issued.push(await issueAct(database, input, options));
    } catch (error) {
      if (!(error instanceof ActAlreadyIssuedError)) throw error;
      result.alreadyIssued.push(input.consultant.code);
    }
    onProgress?.('issuing', index + 1, total);
  }
  return result;
}

/** The register of a period's issued acts, from the act table. */
export async function loadPeriodRegister(database: Database, period: string): Promise<PeriodRegister> {
  const rows = await actsDb(database)
    .selectFrom('act')
    .select([
      'act_number',
      'act_date',
      'consultant_code',
      'consultant_name',
      'tax_number',
      'legal_form',
      'gross',
      'pdfo',
      'military_levy',
      'net',
    ])
    .where('period_code', '=', period)
    .orderBy('act_number')
    .execute();
  return periodRegister(
    period,
    rows.map((r): RegisterRow => ({
      number: r.act_number,
      date: isoDate(r.act_date),
      consultantCode: r.consultant_code,
      fullName: r.consultant_name,
      taxNumber: r.tax_number,
      legalForm: r.legal_form,
      grossKop: kopiykyFromDecimal(r.gross),
      pdfoKop: kopiykyFromDecimal(r.pdfo),
      militaryLevyKop: kopiykyFromDecimal(r.military_levy),
      netKop: kopiykyFromDecimal(r.net),
    })),
  );
}

/** DATE columns come back as yyyy-mm-dd text on PostgreSQL and PGlite; a Date elsewhere. */
function isoDate(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

/** The PDF of an issued act, byte for byte as issued. */
export async function loadActPdf(database: Database, actNumber: string): Promise<Buffer | null> {
  const row = await actsDb(database)
    .selectFrom('act')
    .select('pdf')
    .where('act_number', '=', actNumber)
    .executeTakeFirst();
  return row ? Buffer.from(row.pdf) : null;
}

export interface LedgerCheck {
  period: string;
  ledgerTotalKop: number;
  actsGrossKop: number;
  /** Negative balances carried in from earlier periods, summed (zero or below). */
  carriedInKop: number;
  /** Negative balances carried forward to the next act, summed (zero or below). */
  carriedOutKop: number;
  /** How many consultants the check counted: everyone with a ledger line, an act or a balance. */
  consultants: number;
  /**
   * Consultants whose act gross differs from what is due (their ledger plus the balance carried
   * in), who are due something and have no act, or who have an act and are due nothing.
   */
  differences: { consultantCode: string; ledgerKop: number; carriedInKop: number; actKop: number | null }[];
  /** Consultants who end the period owing: no act, the balance carries forward. */
  carriedForward: { consultantCode: string; ledgerKop: number; carriedInKop: number; balanceKop: number }[];
  /** True when every consultant's act equals what is due and acts + carried forward = ledger + carried in. */
  balanced: boolean;
}

/**
 * The invariant a closed period keeps, per consultant and in total: its acts plus the negative
 * balances carried forward equal its ledger plus the negative balances carried in. Every consultant
 * counts, the ones who end the period owing too.
 */
export async function checkActsAgainstLedger(database: Database, period: string): Promise<LedgerCheck> {
  const ledger = await loadPeriodLedger(database, period);
  const byConsultant = new Map<string, number>();
  for (const a of ledger)
    byConsultant.set(a.consultant.code, (byConsultant.get(a.consultant.code) ?? 0) + a.amountKop);
  const carriedIn = new Map(
    (await loadCarriedBalances(database, period)).map((c) => [c.consultant.code, c.amountKop]),
  );
  const register = await loadPeriodRegister(database, period);
  const acts = new Map(register.rows.map((r) => [r.consultantCode, r.grossKop]));
  const codes = [...new Set([...byConsultant.keys(), ...carriedIn.keys(), ...acts.keys()])].sort((a, b) =>
    a.localeCompare(b),
  );
  const differences: LedgerCheck['differences'] = [];
  const carriedForward: LedgerCheck['carriedForward'] = [];
  for (const code of codes) {
    const ledgerKop = byConsultant.get(code) ?? 0;
    const carriedInKop = carriedIn.get(code) ?? 0;
    const actKop = acts.get(code) ?? null;
    const due = ledgerKop + carriedInKop;
    if (due > 0 ? actKop !== due : actKop !== null)
      differences.push({ consultantCode: code, ledgerKop, carriedInKop, actKop });
    else if (due < 0) carriedForward.push({ consultantCode: code, ledgerKop, carriedInKop, balanceKop: due });
  }
  const ledgerTotalKop = ledger.reduce((s, a) => s + a.amountKop, 0);
  const carriedInKop = [...carriedIn.values()].reduce((s, v) => s + v, 0);
  const carriedOutKop = carriedForward.reduce((s, c) => s + c.balanceKop, 0);
  const actsGrossKop = register.totals.grossKop;
  return {
    period,
    ledgerTotalKop,
    actsGrossKop,
    carriedInKop,
    carriedOutKop,
    consultants: codes.length,
    differences,
    carriedForward,
    balanced: differences.length === 0 && actsGrossKop + carriedOutKop === ledgerTotalKop + carriedInKop,
  };
}
