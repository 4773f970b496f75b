/**
 * A report as XLSX (exceljs: money as hryvnias with two decimals, a totals row) and as PDF (pdfkit,
 * DejaVu Sans for the Cyrillic headings, landscape A4, the table across pages), both in Ukrainian.
 */
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { ACT_FONT_FILES } from '../acts';
import type { Report, ReportColumn, ReportRow } from './report';

const money = (kop: number) => {
  const sign = kop < 0 ? '-' : '';
  const abs = Math.abs(kop);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')}`;
};

/** A cell as text, the way the PDF and the web table show it. */
export function cellText(column: ReportColumn, value: ReportRow[string]): string {
  if (value === null || value === undefined) return '';
  if (column.kind === 'money' && typeof value === 'number') return money(value);
  if (column.kind === 'pct' && typeof value === 'number') return value.toFixed(1).replace('.', ',');
  return String(value);
}

function filterLine(report: Report): string {
  const f = report.filters;
  const parts = [
    `Періоди ${f.from} – ${f.to}`,
    `станом на ${f.asOf}`,
    `за даними на ${f.knownAt.slice(0, 16).replace('T', ' ')} UTC`,
  ];
  if (f.unit) parts.push(`підрозділ ${f.unit} з підпорядкованими`);
  if (f.insurer) parts.push(`страховик ${f.insurer}`);
  if (f.product) parts.push(`продукт ${f.product}`);
  if (f.level) parts.push(`рівень ${f.level}`);
  return parts.join('; ');
}

/** A report as a workbook; several reports (a consultant's sections) as one sheet each. */
export async function reportXlsx(reports: Report | Report[]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'eCSpert hub';
  const used = new Set<string>();
  for (const report of Array.isArray(reports) ? reports : [reports]) {
    let name = report.title.replace(/[\\/?*[\]:]/g, ' ').slice(0, 28);
    while (used.has(name)) name = `${name.slice(0, 26)} ${used.size}`;
    used.add(name);
    addSheet(book.addWorksheet(name), report);
  }
  return Buffer.from(await book.xlsx.writeBuffer());
}

function addSheet(sheet: ExcelJS.Worksheet, report: Report): void {
  sheet.addRow([report.title]).font = { bold: true, size: 14 };
  sheet.addRow([filterLine(report)]);
  sheet.addRow([]);
  const header = sheet.addRow(report.columns.map((c) => c.label));
  header.font = { bold: true };
  const value = (c: ReportColumn, v: ReportRow[string]) =>
    v === null || v === undefined ? null : c.kind === 'money' && typeof v === 'number' ? v / 100 : v;
  for (const row of report.rows) sheet.addRow(report.columns.map((c) => value(c, row[c.key])));
  const totals = sheet.addRow(report.columns.map((c) => value(c, report.totals[c.key])));
  totals.font = { bold: true };
  report.columns.forEach((c, i) => {
    const column = sheet.getColumn(i + 1);
    column.width = Math.max(12, Math.min(40, c.label.length + 2));
    if (c.kind === 'money') column.numFmt = '#,##0.00';
    if (c.kind === 'pct') column.numFmt = '0.0';
  });
  if (report.summary.length) {
    sheet.addRow([]);
    for (const s of report.summary) sheet.addRow([s.label, s.value]);
  }
}

/** A report as a PDF; several reports (a consultant's sections) one after another, each from a new page. */
export async function reportPdf(reports: Report | Report[], moment: Date = new Date()): Promise<Buffer> {
  const list = Array.isArray(reports) ? reports : [reports];
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: 30,
    info: { Title: list[0]?.title ?? 'Звіт', Creator: 'eCSpert hub', CreationDate: moment },
    lang: 'uk-UA',
  });
  doc.registerFont('regular', ACT_FONT_FILES.regular);
  doc.registerFont('bold', ACT_FONT_FILES.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  list.forEach((report, i) => {
    if (i > 0) doc.addPage();
    drawReport(doc, report);
  });
  doc.end();
  return done;
}

function drawReport(doc: PDFKit.PDFDocument, report: Report): void {
  const left = 30;
  const width = doc.page.width - 60;
  doc.font('bold').fontSize(14).text(report.title, left, 30);
  doc
    .font('regular')
    .fontSize(8)
    .text(filterLine(report), left, doc.y + 4, { width });
  for (const s of report.summary) doc.text(`${s.label}: ${s.value}`, left, doc.y + 2);
  // Column widths: text columns wider than figures.
  const weights = report.columns.map((c) => (c.kind === 'text' ? (c.key === 'levels' ? 3 : 1.4) : 1));
  const sum = weights.reduce((s, w) => s + w, 0);
  const widths = weights.map((w) => (w / sum) * width);
  const fontSize = report.columns.length > 10 ? 6.5 : 7.5;
  const drawRow = (cells: string[], bold: boolean, y: number): number => {
    doc.font(bold ? 'bold' : 'regular').fontSize(fontSize);
    let x = left;
    let height = 0;
    cells.forEach((text, i) => {
      const c = report.columns[i];
      const options = {
        width: widths[i] - 4,
        align: c.kind === 'text' ? ('left' as const) : ('right' as const),
      };
      height = Math.max(height, doc.heightOfString(text, options));
      doc.text(text, x + 2, y, options);
      x += widths[i];
    });
    return y + height + 3;
  };
  const headerCells = report.columns.map((c) => c.label);
  let y = drawRow(headerCells, true, doc.y + 10);
  doc
    .moveTo(left, y - 1)
    .lineTo(left + width, y - 1)
    .lineWidth(0.5)
    .stroke();
  const bottom = doc.page.height - 40;
  const all: { cells: string[]; bold: boolean }[] = [
    ...report.rows.map((r) => ({ cells: report.columns.map((c) => cellText(c, r[c.key])), bold: false })),
    { cells: report.columns.map((c) => cellText(c, report.totals[c.key])), bold: true },
  ];
  for (const row of all) {
    if (y > bottom) {
      doc.addPage();
      y = drawRow(headerCells, true, 30);
      doc
        .moveTo(left, y - 1)
        .lineTo(left + width, y - 1)
        .lineWidth(0.5)
        .stroke();
    }
    if (row.bold)
      doc
        .moveTo(left, y - 1)
        .lineTo(left + width, y - 1)
        .lineWidth(0.5)
        .stroke();
    y = drawRow(row.cells, row.bold, y);
  }
}
