/**
 * XLSX reading (bordereaux sent by e-mail): one sheet by name, a header row, then data rows. Cells
 * come back as text so the mapping engine converts them the same way as CSV fields: real dates as
 * yyyy-mm-dd, numbers in their shortest exact decimal form (never re-rounded here).
 *
 * The reader inflates whole entries into memory, so the zip is checked first (zip-guard.ts): declared
 * sizes and ratios, then a counting pass that stops a lying header at the limit.
 */
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { ExchangeError } from '../errors';
import { headerProblem } from './header';
import { checkZipInflation, type ZipLimits } from './zip-guard';

/**
 * What a workbook may inflate to: 100 MiB of sheet XML is far more than any bordereau, and the
 * reader holds it all. Real sheets compress 5–30 times; a ratio over 200 is a bomb.
 */
export const XLSX_LIMITS: ZipLimits = { maxInflatedBytes: 100 * 1024 * 1024, maxCompressionRatio: 200 };

export interface XlsxReadOptions {
  file: string;
  /** Sheet name; the first sheet when absent. */
  sheet?: string | null;
  /** 1-based row of the header; default 1. */
  headerRow?: number;
  expectedColumns?: readonly string[] | null;
  /** The message type the file is read as, e.g. `commission`, for a header that does not fit. */
  messageType?: string | null;
  /** Default XLSX_LIMITS. */
  limits?: ZipLimits;
}

export interface XlsxRow {
  rowNo: number;
  fields: Record<string, string>;
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'object') {
    if ('richText' in value)
      return value.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text).trim();
    if ('error' in value) return '';
  }
  return String(value);
}

export async function readXlsx(source: string | Buffer, options: XlsxReadOptions): Promise<XlsxRow[]> {
  const bytes = typeof source === 'string' ? await readFile(source) : source;
  await checkZipInflation(bytes, options.file, options.limits ?? XLSX_LIMITS);
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own Buffer type; a Node Buffer is what it reads.
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new ExchangeError({
      kind: 'parse',
      file: options.file,
      message: `not a readable XLSX workbook: ${(err as Error).message}`,
      cause: err,
    });
  }
  const sheet = options.sheet ? workbook.getWorksheet(options.sheet) : workbook.worksheets[0];
  if (!sheet) {
    throw new ExchangeError({
      kind: 'parse',
      file: options.file,
      message: `sheet '${options.sheet}' not found (sheets: ${workbook.worksheets.map((w) => w.name).join(', ')})`,
    });
  }
  const headerRowNo = options.headerRow ?? 1;
  const header: string[] = [];
  sheet
    .getRow(headerRowNo)
    .eachCell({ includeEmpty: true }, (cell, col) => (header[col - 1] = cellText(cell.value)));
  while (header.length && header[header.length - 1] === '') header.pop();
  if (options.expectedColumns) {
    const problem = headerProblem({
      file: options.file,
      row: headerRowNo,
      found: header,
      expected: options.expectedColumns,
      messageType: options.messageType,
      allowExtra: true,
    });
    if (problem) throw problem;
  }
  const rows: XlsxRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNo) => {
    if (rowNo <= headerRowNo) return;
    const fields: Record<string, string> = {};
    header.forEach((name, i) => {
      if (name) fields[name] = cellText(row.getCell(i + 1).value);
    });
    if (Object.values(fields).every((v) => v === '')) return;
    rows.push({ rowNo, fields });
  });
  return rows;
}
