/**
 * The act as a PDF in Ukrainian: DejaVu Sans (TrueType, from the dejavu-fonts-ttf package) is
 * embedded as a subset, because pdfkit's built-in fonts garble Cyrillic and woff2 renders blank.
 * The same act gives the same bytes: the document dates come from the act's date, and pdfkit
 * derives the file ID from them.
 */
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { formatHryvnias } from '../../src/db/money';
import { type Act, type ActLine, LEGAL_FORM_NAMES } from './act';

export interface Intermediary {
  /** The customer (Замовник) on the act, e.g. 'ТОВ «Страховий посередник»'. */
  name: string;
  /** Код ЄДРПОУ. */
  edrpou: string;
  address?: string;
  /** Where the act is drawn up, e.g. 'м. Київ'. */
  city?: string;
  /** Who signs for the intermediary, e.g. { position: 'Директор', name: 'Петренко П. П.' }. */
  signatory?: { position: string; name: string };
}

const FONT_DIR = path.join(path.dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const ACT_FONT_FILES = {
  regular: path.join(FONT_DIR, 'DejaVuSans.ttf'),
  bold: path.join(FONT_DIR, 'DejaVuSans-Bold.ttf'),
};

const MONTHS = [
  'січень',
  'лютий',
  'березень',
  'квітень',
  'травень',
  'червень',
  'липень',
  'серпень',
  'вересень',
  'жовтень',
  'листопад',
  'грудень',
];

/** '2026-03' → 'березень 2026 р.' */
export function periodName(period: string): string {
  const [year, month] = period.split('-');
  return `${MONTHS[Number(month) - 1]} ${year} р.`;
}

/** '2024-10' → '10.2024', as Ukrainian documents write a month. */
export function periodShort(period: string): string {
  const [year, month] = period.split('-');
  return `${month}.${year}`;
}

/** '2026-03-31' → '31.03.2026' */
export function dateUa(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}`;
}

const PAGE = { width: 595.28, height: 841.89, left: 50, right: 50, top: 45, bottom: 50 };
const CONTENT_WIDTH = PAGE.width - PAGE.left - PAGE.right;
const COLUMNS = [
  { title: '№', width: 26, align: 'center' as const },
  { title: 'Найменування послуг (вид винагороди)', width: 225, align: 'left' as const },
  { title: 'Період нарахування', width: 82, align: 'center' as const },
  { title: 'Кількість нарахувань', width: 70, align: 'center' as const },
  { title: 'Сума, грн', width: CONTENT_WIDTH - 26 - 225 - 82 - 70, align: 'right' as const },
];
const CELL_PAD = 4;

type Doc = PDFKit.PDFDocument;

function withFont<T>(doc: Doc, font: 'regular' | 'bold', size: number, draw: () => T): T {
  doc.font(font).fontSize(size);
  return draw();
}

/** Moves to a new page when `height` more points do not fit. */
function ensureRoom(doc: Doc, height: number, onNewPage?: () => void): void {
  if (doc.y + height > PAGE.height - PAGE.bottom) {
    doc.addPage();
    doc.y = PAGE.top;
    onNewPage?.();
  }
}

function drawRow(
  doc: Doc,
  cells: string[],
  options: { bold?: boolean; fill?: string; spanFrom?: number } = {},
): void {
  const font = options.bold ? 'bold' : 'regular';
  doc.font(font).fontSize(9);
  // A cell may span to the amount column (section headings and totals).
  const widths = COLUMNS.map((c) => c.width);
  const spans: { text: string; x: number; width: number; align: 'left' | 'center' | 'right' }[] = [];
  let x = PAGE.left;
  if (options.spanFrom !== undefined) {
    const spanWidth = widths.slice(options.spanFrom, COLUMNS.length - 1).reduce((a, b) => a + b, 0);
    for (let i = 0; i < options.spanFrom; i++) {
      spans.push({ text: cells[i] ?? '', x, width: widths[i], align: COLUMNS[i].align });
      x += widths[i];
    }
    spans.push({ text: cells[options.spanFrom] ?? '', x, width: spanWidth, align: 'left' });
    x += spanWidth;
    spans.push({ text: cells[cells.length - 1] ?? '', x, width: widths[widths.length - 1], align: 'right' });
  } else {
    COLUMNS.forEach((c, i) => {
      spans.push({ text: cells[i] ?? '', x, width: c.width, align: c.align });
      x += c.width;
    });
  }
  const height =
    Math.max(...spans.map((s) => doc.heightOfString(s.text || ' ', { width: s.width - 2 * CELL_PAD }))) +
    2 * CELL_PAD;
  ensureRoom(doc, height, () => drawHeader(doc));
  const top = doc.y;
  if (options.fill) doc.rect(PAGE.left, top, CONTENT_WIDTH, height).fill(options.fill).fillColor('black');
  doc.font(font).fontSize(9);
  for (const s of spans) {
    doc.text(s.text, s.x + CELL_PAD, top + CELL_PAD, {
      width: s.width - 2 * CELL_PAD,
      align: s.align,
      lineBreak: true,
    });
    doc.rect(s.x, top, s.width, height).lineWidth(0.5).stroke();
  }
  doc.x = PAGE.left;
  doc.y = top + height;
}

function drawHeader(doc: Doc): void {
  drawRow(
    doc,
    COLUMNS.map((c) => c.title),
    { bold: true, fill: '#e8e8e8' },
  );
}

function amount(kop: number): string {
  return formatHryvnias(kop);
}

function lineCells(line: ActLine, index: number): string[] {
  return [
    String(index),
    line.kindName,
    periodShort(line.accrualPeriod),
    String(line.accrualCount),
    amount(line.amountKop),
  ];
}

function paragraph(
  doc: Doc,
  text: string,
  options: {
    bold?: boolean;
    size?: number;
    align?: 'left' | 'center' | 'right' | 'justify';
    gap?: number;
  } = {},
): void {
  withFont(doc, options.bold ? 'bold' : 'regular', options.size ?? 10, () => {
    ensureRoom(doc, doc.heightOfString(text, { width: CONTENT_WIDTH }));
    doc.text(text, PAGE.left, doc.y, { width: CONTENT_WIDTH, align: options.align ?? 'left' });
  });
  doc.y += options.gap ?? 4;
}

/** Renders the act; the same act and intermediary give the same bytes. */
export function renderActPdf(act: Act, intermediary: Intermediary): Promise<Buffer> {
  const moment = new Date(`${act.date}T00:00:00Z`);
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.top, bottom: PAGE.bottom, left: PAGE.left, right: PAGE.right },
    info: {
      Title: `Акт виконаних робіт (наданих послуг) № ${act.number}`,
      Author: intermediary.name,
      Subject: `${act.consultant.fullName}, ${periodName(act.period)}`,
      Creator: 'eCSpert hub',
      Producer: 'eCSpert hub (pdfkit)',
      CreationDate: moment,
      ModDate: moment,
    },
    lang: 'uk-UA',
    pdfVersion: '1.7',
  });
  doc.registerFont('regular', ACT_FONT_FILES.regular);
  doc.registerFont('bold', ACT_FONT_FILES.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const consultant = act.consultant;
  const isIndividual = consultant.legalForm === 'individual';

  paragraph(doc, `Акт виконаних робіт (наданих послуг) № ${act.number}`, {
    bold: true,
    size: 14,
    align: 'center',
    gap: 2,
  });
  paragraph(doc, `за період: ${periodName(act.period)}`, { size: 10, align: 'center', gap: 10 });
  const dateTop = doc.y;
  withFont(doc, 'regular', 10, () => {
    doc.text(intermediary.city ?? '', PAGE.left, dateTop, { width: CONTENT_WIDTH / 2 });
    doc.text(`Дата складання: ${dateUa(act.date)}`, PAGE.left + CONTENT_WIDTH / 2, dateTop, {
      width: CONTENT_WIDTH / 2,
      align: 'right',
    });
  });
  doc.x = PAGE.left;
  doc.y += 8;

  const customer = `${intermediary.name}, код ЄДРПОУ ${intermediary.edrpou}${intermediary.address ? `, ${intermediary.address}` : ''}`;
  paragraph(doc, `Замовник: ${customer}`, { gap: 3 });
  const taxNumber = consultant.taxNumber ? `, РНОКПП ${consultant.taxNumber}` : '';
  paragraph(
    doc,
    `Виконавець: ${consultant.fullName}${taxNumber} (${LEGAL_FORM_NAMES[consultant.legalForm]}), код консультанта ${consultant.code}`,
    { gap: 8 },
  );
  paragraph(
    doc,
    `Виконавець надав, а Замовник прийняв послуги з посередництва у страхуванні (залучення страхувальників та супроводження договорів страхування) за ${periodName(act.period)} Винагорода за надані послуги:`,
    { align: 'justify', gap: 8 },
  );

  drawHeader(doc);
  let index = 0;
  drawRow(doc, ['', `Нарахування за ${periodName(act.period)}`, ''], { bold: true, spanFrom: 1 });
  for (const line of act.periodLines) drawRow(doc, lineCells(line, ++index));
  drawRow(doc, ['', 'Разом за період', amount(act.periodTotalKop)], { bold: true, spanFrom: 1 });
  if (act.correctionLines.length > 0) {
    drawRow(doc, ['', 'Коригування попередніх періодів (сторнування та донарахування)', ''], {
      bold: true,
      spanFrom: 1,
    });
    for (const line of act.correctionLines) drawRow(doc, lineCells(line, ++index));
    drawRow(doc, ['', 'Разом коригування', amount(act.correctionsTotalKop)], { bold: true, spanFrom: 1 });
  }
  drawRow(doc, ['', 'Усього нараховано винагороди', amount(act.grossKop)], {
    bold: true,
    spanFrom: 1,
    fill: '#f3f3f3',
  });
  for (const w of act.withholdings) {
    drawRow(
      doc,
      [
        '',
        `Утримано ${w.shortName} ${w.ratePercent.replace('.', ',')} % з ${amount(w.baseKop)} грн (нарахування за ${w.accrualPeriods.map(periodShort).join(', ')})`,
        amount(w.amountKop),
      ],
      { spanFrom: 1 },
    );
  }
  drawRow(doc, ['', 'До виплати', amount(act.netKop)], { bold: true, spanFrom: 1, fill: '#e8e8e8' });
  doc.y += 8;

  paragraph(doc, `До виплати: ${amount(act.netKop)} грн (${act.netInWords}).`, { bold: true, gap: 4 });
  if (isIndividual) {
    paragraph(
      doc,
      `Податок на доходи фізичних осіб і військовий збір утримано Замовником як податковим агентом за ставками, чинними в періоді, до якого належить кожне нарахування; усього утримано ${amount(act.withheldKop)} грн.`,
      { size: 9, align: 'justify', gap: 4 },
    );
  } else {
    paragraph(
      doc,
      'Виконавець є фізичною особою — підприємцем і сплачує податки самостійно; винагорода виплачується без утримання податку на доходи фізичних осіб і військового збору.',
      { size: 9, align: 'justify', gap: 4 },
    );
  }
  paragraph(doc, 'Послуги надано в повному обсязі. Сторони претензій одна до одної не мають.', {
    size: 9,
    gap: 24,
  });

  ensureRoom(doc, 90);
  const signTop = doc.y;
  const half = CONTENT_WIDTH / 2;
  withFont(doc, 'bold', 10, () => {
    doc.text('Від Замовника:', PAGE.left, signTop, { width: half - 20 });
    doc.text('Виконавець:', PAGE.left + half + 20, signTop, { width: half - 20 });
  });
  withFont(doc, 'regular', 9, () => {
    const signatory = intermediary.signatory;
    doc.text(signatory ? signatory.position : intermediary.name, PAGE.left, signTop + 16, {
      width: half - 20,
    });
    doc.text(consultant.fullName, PAGE.left + half + 20, signTop + 16, { width: half - 20 });
    const lineY = signTop + 58;
    doc
      .moveTo(PAGE.left, lineY)
      .lineTo(PAGE.left + 130, lineY)
      .lineWidth(0.5)
      .stroke();
    doc
      .moveTo(PAGE.left + half + 20, lineY)
      .lineTo(PAGE.left + half + 150, lineY)
      .stroke();
    doc.text(signatory ? `/ ${signatory.name} /` : '/                    /', PAGE.left + 135, lineY - 10, {
      width: half - 155,
    });
    doc.text('(підпис)', PAGE.left, lineY + 3, { width: 130, align: 'center' });
    doc.text('(підпис)', PAGE.left + half + 20, lineY + 3, { width: 130, align: 'center' });
    doc.text('М. П.', PAGE.left, lineY + 18, { width: 130 });
  });

  doc.end();
  return done;
}
