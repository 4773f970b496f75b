/** Dnipro Life file conventions (spec v3.2 "Common conventions"): Windows-1251, CRLF, `;`, quotes doubled. */
import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';

export function decodeCsv(bytes: Buffer): string[][] {
  return parse(iconv.decode(bytes, 'win1251'), {
    delimiter: ';',
    relax_column_count: true,
    skip_empty_lines: true,
  });
}

function field(value: string): string {
  return /[;"\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Full names are quoted the way the insurer's own exports quote them. */
export function encodeCsv(header: string[], rows: string[][], quoteColumns: number[] = []): Buffer {
  const lines = [header.join(';')];
  for (const row of rows) {
    lines.push(
      row.map((v, i) => (quoteColumns.includes(i) ? `"${v.replace(/"/g, '""')}"` : field(v))).join(';'),
    );
  }
  return iconv.encode(lines.join('\r\n') + '\r\n', 'win1251');
}

/** `12 345,67` (space or no-break space as thousands separator) to kopiyky; null when not an amount. */
export function parseAmount(text: string): number | null {
  const compact = text.replace(/[\s\u00a0]/g, '');
  const m = /^(-?)(\d+)(?:,(\d{1,2}))?$/.exec(compact);
  if (!m) return null;
  const kop = Number(m[2]) * 100 + Number((m[3] ?? '0').padEnd(2, '0'));
  return m[1] ? -kop : kop;
}

export function formatAmount(kopiyky: number): string {
  const sign = kopiyky < 0 ? '-' : '';
  const abs = Math.abs(kopiyky);
  const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${sign}${whole},${String(abs % 100).padStart(2, '0')}`;
}

/** 'yyyy-mm-dd' to 'dd.mm.yyyy'. */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-');
  return `${d}.${m}.${y}`;
}

/** Calendar arithmetic on 'yyyy-mm-dd' strings, in UTC so no time zone shifts a date. */
export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

export function addYears(isoDate: string, years: number): string {
  const [y, m, d] = isoDate.split('-').map(Number);
  const date = new Date(Date.UTC(y + years, m - 1, d));
  return date.toISOString().slice(0, 10);
}
