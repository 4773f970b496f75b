/**
 * The acts as data for the accountant: one act's lines, and the register of all acts of a period.
 * CSV is what Excel opens in a Ukrainian locale without an import dialog: UTF-8 with a BOM, `;`
 * between fields, decimal comma, dates dd.mm.yyyy, CRLF. XLSX carries real numbers (two decimals)
 * and real dates.
 */
import ExcelJS from 'exceljs';
import { decimalFromKopiyky } from '../../src/db/money';
import { type Act, type ActLine, LEGAL_FORM_NAMES, withheldByTax } from './act';
import { dateUa, periodShort } from './pdf';
import type { LegalForm } from './withholding';

const BOM = '\ufeff';
const MONEY_FORMAT = '#,##0.00';
const DATE_FORMAT = 'dd.mm.yyyy';

function csvField(value: string | number): string {
  const text = String(value);
  return /[;"\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csv(rows: (string | number)[][]): Buffer {
  return Buffer.from(BOM + rows.map((r) => r.map(csvField).join(';')).join('\r\n') + '\r\n', 'utf8');
}

/** 123456 → '1234,56' (no thousands separator: Excel reads it as a number). */
export function csvAmount(kop: number): string {
  return decimalFromKopiyky(kop).replace('.', ',');
}

/** An exact amount as the number a spreadsheet cell holds (two decimals, parsed from exact text). */
function cellAmount(kop: number): number {
  return Number(decimalFromKopiyky(kop));
}

function cellDate(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

const SECTION_NAMES = { period: 'Нарахування за період', correction: 'Коригування попередніх періодів' };

export const ACT_COLUMNS = [
  'Номер акта',
  'Дата акта',
  'Період акта',
  'Код консультанта',
  'Консультант',
  'РНОКПП',
  'Розділ',
  'Вид',
  'Найменування',
  'Період нарахування',
  'Кількість нарахувань',
  'Сума, грн',
];

interface ActRow {
  section: string;
  kind: string;
  name: string;
  periods: string;
  count: number | '';
  amountKop: number;
}

/** The rows of one act in the exports: lines, then gross, each withholding, and the net to pay. */
function actRows(act: Act): ActRow[] {
  const line = (l: ActLine): ActRow => ({
    section: SECTION_NAMES[l.section],
    kind: l.kind,
    name: l.kindName,
    periods: periodShort(l.accrualPeriod),
    count: l.accrualCount,
    amountKop: l.amountKop,
  });
  return [
    ...act.periodLines.map(line),
    ...act.correctionLines.map(line),
    {
      section: 'Усього нараховано',
      kind: 'gross',
      name: 'Усього нараховано винагороди',
      periods: '',
      count: '',
      amountKop: act.grossKop,
    },
    ...act.withholdings.map((w) => ({
      section: 'Утримано',
      kind: w.taxCode,
      name: `${w.shortName} ${w.ratePercent.replace('.', ',')} % з ${csvAmount(w.baseKop)}`,
      periods: w.accrualPeriods.map(periodShort).join(', '),
      count: '' as const,
      amountKop: w.amountKop,
    })),
    { section: 'До виплати', kind: 'net', name: 'До виплати', periods: '', count: '', amountKop: act.netKop },
  ];
}

/** One act's lines as CSV for Excel. */
export function actCsv(act: Act): Buffer {
  const c = act.consultant;
  const head = [act.number, dateUa(act.date), periodShort(act.period), c.code, c.fullName, c.taxNumber ?? ''];
  return csv([
    ACT_COLUMNS,
    ...actRows(act).map((r) => [
      ...head,
      r.section,
      r.kind,
      r.name,
      r.periods,
      r.count,
      csvAmount(r.amountKop),
    ]),
  ]);
}

function newWorkbook(date: string): ExcelJS.Workbook {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'eCSpert hub';
  // Fixed from the document's date so the same data gives the same workbook properties.
  workbook.created = cellDate(date);
  workbook.modified = cellDate(date);
  return workbook;
}

async function xlsxBuffer(workbook: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** One act's lines as XLSX: numbers with two decimals, dates as dates. */
export async function actXlsx(act: Act): Promise<Buffer> {
  const workbook = newWorkbook(act.date);
  const sheet = workbook.addWorksheet('Акт');
  const c = act.consultant;
  sheet.columns = [
    { width: 14 },
    { width: 12 },
    { width: 10 },
    { width: 14 },
    { width: 32 },
    { width: 13 },
    { width: 30 },
    { width: 14 },
    { width: 44 },
    { width: 22 },
    { width: 12 },
    { width: 16 },
  ];
  const header = sheet.addRow(ACT_COLUMNS);
  header.font = { bold: true };
  for (const r of actRows(act)) {
    sheet.addRow([
      act.number,
      cellDate(act.date),
      periodShort(act.period),
      c.code,
      c.fullName,
      c.taxNumber ?? '',
      r.section,
      r.kind,
      r.name,
      r.periods,
      r.count === '' ? null : r.count,
      cellAmount(r.amountKop),
    ]);
  }
  sheet.getColumn(2).numFmt = DATE_FORMAT;
  sheet.getColumn(12).numFmt = MONEY_FORMAT;
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return xlsxBuffer(workbook);
}

export interface RegisterRow {
  number: string;
  date: string;
  consultantCode: string;
  fullName: string;
  taxNumber: string | null;
  legalForm: LegalForm;
  grossKop: number;
  pdfoKop: number;
  militaryLevyKop: number;
  netKop: number;
}

export interface PeriodRegister {
  period: string;
  rows: RegisterRow[];
  totals: { acts: number; grossKop: number; pdfoKop: number; militaryLevyKop: number; netKop: number };
}

export function registerRowOf(act: Act): RegisterRow {
  const byTax = withheldByTax(act);
  return {
    number: act.number,
    date: act.date,
    consultantCode: act.consultant.code,
    fullName: act.consultant.fullName,
    taxNumber: act.consultant.taxNumber,
    legalForm: act.consultant.legalForm,
    grossKop: act.grossKop,
    pdfoKop: byTax.pdfo ?? 0,
    militaryLevyKop: byTax.military_levy ?? 0,
    netKop: act.netKop,
  };
}

/** The register of a period's acts, by act number, with its totals. */
export function periodRegister(period: string, rows: RegisterRow[]): PeriodRegister {
  const sorted = [...rows].sort((a, b) => a.number.localeCompare(b.number));
  const sum = (f: (r: RegisterRow) => number) => sorted.reduce((s, r) => s + f(r), 0);
  return {
    period,
    rows: sorted,
    totals: {
      acts: sorted.length,
      grossKop: sum((r) => r.grossKop),
      pdfoKop: sum((r) => r.pdfoKop),
      militaryLevyKop: sum((r) => r.militaryLevyKop),
      netKop: sum((r) => r.netKop),
    },
  };
}

export const REGISTER_COLUMNS = [
  'Номер акта',
  'Дата акта',
  'Код консультанта',
  'Консультант',
  'РНОКПП',
  'Правова форма',
  'Нараховано, грн',
  'ПДФО, грн',
  'ВЗ, грн',
  'До виплати, грн',
];

export function periodRegisterCsv(register: PeriodRegister): Buffer {
  const t = register.totals;
  return csv([
    REGISTER_COLUMNS,
    ...register.rows.map((r) => [
      r.number,
      dateUa(r.date),
      r.consultantCode,
      r.fullName,
      r.taxNumber ?? '',
      LEGAL_FORM_NAMES[r.legalForm],
      csvAmount(r.grossKop),
      csvAmount(r.pdfoKop),
      csvAmount(r.militaryLevyKop),
      csvAmount(r.netKop),
    ]),
    [
      `Разом за ${periodShort(register.period)}`,
      '',
      '',
      `актів: ${t.acts}`,
      '',
      '',
      csvAmount(t.grossKop),
      csvAmount(t.pdfoKop),
      csvAmount(t.militaryLevyKop),
      csvAmount(t.netKop),
    ],
  ]);
}

export async function periodRegisterXlsx(register: PeriodRegister): Promise<Buffer> {
  const lastDay =
    register.rows
      .map((r) => r.date)
      .sort()
      .pop() ?? `${register.period}-01`;
  const workbook = newWorkbook(lastDay);
  const sheet = workbook.addWorksheet(`Реєстр ${periodShort(register.period)}`);
  sheet.columns = [14, 12, 14, 34, 13, 28, 16, 14, 14, 16].map((width) => ({ width }));
  sheet.addRow(REGISTER_COLUMNS).font = { bold: true };
  for (const r of register.rows) {
    sheet.addRow([
      r.number,
      cellDate(r.date),
      r.consultantCode,
      r.fullName,
      r.taxNumber ?? '',
      LEGAL_FORM_NAMES[r.legalForm],
      cellAmount(r.grossKop),
      cellAmount(r.pdfoKop),
      cellAmount(r.militaryLevyKop),
      cellAmount(r.netKop),
    ]);
  }
  const t = register.totals;
  const first = 2;
  const last = register.rows.length + 1;
  // Totals as formulas over the rows, with the exact value cached so readers without a calc engine see it.
  const total = (column: string, kop: number) =>
    register.rows.length
      ? { formula: `SUM(${column}${first}:${column}${last})`, result: cellAmount(kop) }
      : 0;
  const totalsRow = sheet.addRow([
    `Разом за ${periodShort(register.period)}`,
    null,
    null,
    `актів: ${t.acts}`,
    null,
    null,
    total('G', t.grossKop),
    total('H', t.pdfoKop),
    total('I', t.militaryLevyKop),
    total('J', t.netKop),
  ]);
  totalsRow.font = { bold: true };
  sheet.getColumn(2).numFmt = DATE_FORMAT;
  for (const column of [7, 8, 9, 10]) sheet.getColumn(column).numFmt = MONEY_FORMAT;
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return xlsxBuffer(workbook);
}
