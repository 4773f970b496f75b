/**
 * The act's PDF: DejaVu Sans embedded, the text extractable, and page 1 rendered to an image that OCR
 * reads back with the consultant's name and the amount to pay. Needs poppler-utils, tesseract-ocr and
 * tesseract-ocr-ukr; skipped with a note when they are missing outside CI, fails in CI.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildAct, renderActPdf } from '../../../back-office/acts';
import { intermediary, january2025 } from './fixtures';

function has(binary: string): boolean {
  try {
    execFileSync('which', [binary], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const tools = ['pdftoppm', 'pdffonts', 'pdftotext', 'tesseract'];
const missing = tools.filter((t) => !has(t));
const ukrainianOcr = missing.includes('tesseract')
  ? false
  : /\bukr\b/.test(execFileSync('tesseract', ['--list-langs'], { encoding: 'utf8' }));
if (!ukrainianOcr && !missing.includes('tesseract')) missing.push('tesseract-ocr-ukr');
if (missing.length && process.env.CI === 'true') {
  throw new Error(
    `CI=true but ${missing.join(', ')} missing: apt-get install -y poppler-utils tesseract-ocr tesseract-ocr-ukr`,
  );
}
if (missing.length)
  console.log(
    `act PDF checks skipped: ${missing.join(', ')} missing (apt-get install -y poppler-utils tesseract-ocr tesseract-ocr-ukr)`,
  );
const describeWithTools = missing.length ? describe.skip : describe;

/** Collapses spaces of every kind, so OCR's and pdftotext's spacing does not matter. */
const squeeze = (text: string) => text.replace(/[\s\u00a0]+/g, '');

describeWithTools('act PDF', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'act-pdf-'));
  const act = buildAct(january2025, { number: '2025/000017' });
  let pdfPath: string;

  beforeAll(async () => {
    pdfPath = path.join(dir, 'act.pdf');
    fs.writeFileSync(pdfPath, await renderActPdf(act, intermediary));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('embeds DejaVu Sans', () => {
    const fonts = execFileSync('pdffonts', [pdfPath], { encoding: 'utf8' });
    const rows = fonts.split('\n').filter((l) => /DejaVuSans/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const row of rows) expect(row).toMatch(/\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes/);
    expect(fonts).not.toMatch(/Helvetica/);
  });

  it('carries the title, the parties, the lines, the totals and the sum in words as text', () => {
    const text = execFileSync('pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' }).replace(
      /\u00a0/g,
      ' ',
    );
    expect(text).toContain('Акт виконаних робіт (наданих послуг) № 2025/000017');
    expect(text).toContain('ТОВ «Страховий посередник Експерт», код ЄДРПОУ 12345678');
    expect(text).toContain('Шевченко Тарас Григорович, РНОКПП 1234567890');
    expect(text).toMatch(/Сторнування\s+10\.2024\s+1\s+-1 000,00/);
    expect(text).toMatch(/Коригування попередніх періодів/);
    expect(text).toMatch(/Усього нараховано винагороди\s+11 833,83/);
    expect(text).toMatch(/Утримано ВЗ 1,5 % з -666,67 грн/);
    expect(text).toMatch(/До виплати\s+9 088,71/);
    expect(squeeze(text)).toContain(squeeze("Дев'ять тисяч вісімдесят вісім гривень 71 копійка"));
  });

  it('renders page 1 so that OCR reads the consultant and the amount to pay', () => {
    const prefix = path.join(dir, 'page');
    execFileSync('pdftoppm', ['-png', '-r', '150', '-f', '1', '-l', '1', pdfPath, prefix]);
    const png = fs.readdirSync(dir).find((f) => f.startsWith('page') && f.endsWith('.png'))!;
    const ocr = execFileSync('tesseract', [path.join(dir, png), '-', '-l', 'ukr'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const read = squeeze(ocr);
    expect(read).toContain('ШевченкоТарасГригорович');
    expect(read).toContain('Довиплати');
    expect(read).toContain('9088,71');
  });

  it('gives the same bytes for the same act', async () => {
    const again = await renderActPdf(act, intermediary);
    expect(again.equals(fs.readFileSync(pdfPath))).toBe(true);
    const other = await renderActPdf({ ...act, number: '2025/000018' }, intermediary);
    expect(other.equals(again)).toBe(false);
  });
});
