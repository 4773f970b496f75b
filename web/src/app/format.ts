/**
 * How figures read on screen, in both languages alike (the trade's own conventions): dates
 * `dd.mm.yyyy`, money `1 234,56 грн` from integer kopiyky — exact, no binary float on the way
 * (the digits are cut from the integer, never divided).
 */

/** `2026-11-30` or an ISO timestamp → `30.11.2026`; empty for null. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  return match ? `${match[3]}.${match[2]}.${match[1]}` : value;
}

/**
 * The end of an effective-dated row: `dd.mm.yyyy`, or `openEnded` (for example "безстроково") for
 * a row that has no end, which the database keeps as 9999-12-31.
 */
export function formatUntil(value: string | null | undefined, openEnded: string): string {
  if (!value || value.startsWith('9999-')) return openEnded;
  return formatDate(value);
}

/**
 * A rate in percent as the API gives it (a decimal string such as `10.000000` or `2.400000`) →
 * `10 %`, `2,4 %`: the digits as written, trailing zeros dropped, a decimal comma; never a float.
 */
export function formatPercent(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  return `${match[1]}${match[2]}${fraction ? `,${fraction}` : ''} %`;
}

/** An ISO timestamp → `30.11.2026 15:42` in the browser's time zone. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '';
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(at.getDate())}.${two(at.getMonth() + 1)}.${at.getFullYear()} ${two(at.getHours())}:${two(at.getMinutes())}`;
}

/** `dd.mm.yyyy` typed by a person → `yyyy-mm-dd` for the API, or null when it is not a date. */
export function parseDate(text: string): string | null {
  const match = /^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$/.exec(text);
  if (!match) return /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? text.trim() : null;
  const [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day)
    return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Groups of three digits split by a no-break space, as Ukrainian writes them. */
function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}

/** 123456 kopiyky → `1 234,56 грн`; negative with a minus sign; accepts a number, bigint or digit string. */
export function formatMoney(kopiyky: number | string | bigint | null | undefined, currency = 'грн'): string {
  if (kopiyky === null || kopiyky === undefined || kopiyky === '') return '';
  const text = String(kopiyky).trim();
  if (!/^-?\d+$/.test(text)) return text;
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/^0+(?=\d)/, '');
  const amount = `${groupDigits(whole)},${digits.slice(-2)}`;
  return `${negative ? '−' : ''}${amount}${currency ? `\u00a0${currency}` : ''}`;
}

/**
 * A count or a volume in points as the API gives it (`15804.375`, `180000`) → `15 804,375`,
 * `180 000`: the digits as written, grouped, with a decimal comma.
 */
export function formatDecimal(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const text = String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return text;
  return `${match[1] ? '−' : ''}${groupDigits(match[2])}${match[3] ? `,${match[3]}` : ''}`;
}

/** `1 234,56` or `1234.56` typed by a person → kopiyky, or null when it is not an amount. */
export function parseMoney(text: string): number | null {
  const clean = text
    .replace(/[\s\u00a0]/g, '')
    .replace(/грн\.?$/i, '')
    .replace(',', '.');
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(clean);
  if (!match) return null;
  const kopiyky = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0') || '0');
  return match[1] ? -kopiyky : kopiyky;
}

/** 1234 → `1 234`. */
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : groupDigits(String(value));
}
