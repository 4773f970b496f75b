/**
 * Field values as insurers write them: decimal-comma amounts with space thousands, dd.mm.yyyy dates,
 * percents. Everything converts to exact integers or exact text; nothing passes through a float.
 */

/** Thousands separators insurers use: space, no-break space, narrow no-break space. */
const THOUSANDS = '[ \\u00a0\\u202f]';
const DECIMAL_COMMA = new RegExp(`^([+-]?)(\\d{1,3}(?:${THOUSANDS}\\d{3})+|\\d+)(?:,(\\d{1,2}))?$`);
const DECIMAL_POINT = /^([+-]?)(\d+)(?:\.(\d{1,2})0*)?$/;

/**
 * Kopiyky from an amount with a decimal comma: '12 345,67' -> 1234567, '-2 405,50' -> -240550.
 * Returns null when the text is not such an amount.
 */
export function kopiykyFromDecimalComma(text: string): number | null {
  const m = DECIMAL_COMMA.exec(text.trim());
  if (!m) return null;
  return toKopiyky(m[1], m[2].replace(/[ \u00a0\u202f]/g, ''), m[3] ?? '');
}

/** Kopiyky from an amount with a decimal point and no thousands separator: '18200.00' -> 1820000. */
export function kopiykyFromDecimalPoint(text: string): number | null {
  const m = DECIMAL_POINT.exec(text.trim());
  if (!m) return null;
  return toKopiyky(m[1], m[2], m[3] ?? '');
}

function toKopiyky(sign: string, whole: string, fraction: string): number | null {
  const kop = Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
  if (!Number.isSafeInteger(kop)) return null;
  return sign === '-' ? -kop || 0 : kop;
}

/** '20 230,50' from 2023050; the separator is what the insurer's files use (Dnipro Life: a plain space). */
export function formatDecimalComma(kopiyky: number, thousands = ' '): string {
  if (!Number.isSafeInteger(kopiyky)) throw new RangeError(`${kopiyky} is not a whole number of kopiyky`);
  const abs = Math.abs(kopiyky);
  const whole = String(Math.trunc(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, thousands);
  return `${kopiyky < 0 ? '-' : ''}${whole},${String(abs % 100).padStart(2, '0')}`;
}

/** '18200.00' from 1820000. */
export function formatDecimalPoint(kopiyky: number): string {
  if (!Number.isSafeInteger(kopiyky)) throw new RangeError(`${kopiyky} is not a whole number of kopiyky`);
  const abs = Math.abs(kopiyky);
  return `${kopiyky < 0 ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** True when y-m-d is a real calendar day (31.09.2026 is not). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1 || year < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** 'yyyy-mm-dd' from 'dd.mm.yyyy', or null when the text is not a real date. */
export function isoFromDottedDate(text: string): string | null {
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(text.trim());
  if (!m) return null;
  if (!isCalendarDate(Number(m[3]), Number(m[2]), Number(m[1]))) return null;
  return `${m[3]}-${m[2]}-${m[1]}`;
}

/** 'yyyy-mm-dd' checked against the calendar, or null. */
export function isoFromIsoDate(text: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return null;
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** 'dd.mm.yyyy' from 'yyyy-mm-dd'. */
export function dottedFromIsoDate(iso: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) throw new RangeError(`'${iso}' is not a yyyy-mm-dd date`);
  return `${m[3]}.${m[2]}.${m[1]}`;
}

/** Exact decimal text of a percent: '25' -> '25', '15,5' -> '15.5', '15.0' -> '15.0'. */
export function percentText(text: string): string | null {
  const s = text.trim().replace(/%$/, '').trim().replace(',', '.');
  return /^\d{1,3}(?:\.\d{1,4})?$/.test(s) ? s : null;
}

/** Whole number, or null. */
export function intFromText(text: string): number | null {
  const s = text.trim();
  if (!/^[+-]?\d{1,15}$/.test(s)) return null;
  return Number(s);
}

/**
 * A timestamp as insurers write it, with or without its offset: `2026-03-01T23:30:00+02:00`,
 * `2026-03-01 23:30:00 +0200`, `2026-03-01T21:30:00Z`, `2026-03-01T23:30` (seconds and a fraction
 * optional; the offset as `Z`, `±hh`, `±hhmm` or `±hh:mm`).
 */
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d{1,9})?)?(?:\s*(Z|[+-]\d{2}(?::?\d{2})?))?$/i;

export interface ParsedTimestamp {
  /** The calendar date as written, yyyy-mm-dd (the local date at the written offset). */
  writtenDate: string;
  /** The instant, when the timestamp carries an offset; null for a local time without one. */
  instant: Date | null;
}

/** Reads a timestamp; null when the text is not one or names a day or time that does not exist. */
export function parseTimestamp(text: string): ParsedTimestamp | null {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', offset] = m;
  if (!isCalendarDate(Number(y), Number(mo), Number(d))) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const writtenDate = `${y}-${mo}-${d}`;
  if (!offset) return { writtenDate, instant: null };
  let offsetMinutes = 0;
  if (offset.toUpperCase() !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) return null;
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  return { writtenDate, instant: new Date(utc - offsetMinutes * 60_000) };
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** An IANA time zone name Intl knows (e.g. `Europe/Kyiv`); throws RangeError otherwise. */
export function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/**
 * The calendar date (yyyy-mm-dd) of a timestamp, or null when the text is not a timestamp.
 *
 * Without `timeZone`: the date as written, that is the insurer's local date at the offset it wrote
 * (`2026-03-01T23:30:00+02:00` is 1 March, `2026-03-01T23:30:00Z` is 1 March too); it is never
 * shifted to UTC. With `timeZone` (an IANA name such as `Europe/Kyiv`): the date in that zone of the
 * instant written (`2026-03-01T23:30:00Z` is 2 March in Kyiv); a timestamp without an offset is a
 * local time there already and keeps its written date.
 */
export function dateOfTimestamp(text: string, timeZone?: string | null): string | null {
  const parsed = parseTimestamp(text);
  if (!parsed) return null;
  if (!timeZone || !parsed.instant) return parsed.writtenDate;
  const parts = dateFormatIn(timeZone).formatToParts(parsed.instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
