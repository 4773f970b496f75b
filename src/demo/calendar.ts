/** Calendar arithmetic on 'yyyy-mm-dd' strings, in UTC so no time zone shifts a date. */
import type { IsoDate } from '../db';

const DAY_MS = 86_400_000;

// The generator does tens of thousands of date steps; parsed dates are remembered.
const parsed = new Map<string, number>();

function toUtc(date: IsoDate): number {
  const known = parsed.get(date);
  if (known !== undefined) return known;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`'${date}' is not a yyyy-mm-dd date`);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(year, month - 1, day);
  if (month < 1 || month > 12 || day < 1 || new Date(ms).getUTCDate() !== day) {
    throw new RangeError(`'${date}' is not a calendar date`);
  }
  if (parsed.size > 50_000) parsed.clear();
  parsed.set(date, ms);
  return ms;
}

function fromUtc(ms: number): IsoDate {
  const d = new Date(ms);
  const month = d.getUTCMonth() + 1;
  const day = d.getUTCDate();
  return `${d.getUTCFullYear()}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
}

export function isIsoDate(date: string): boolean {
  try {
    toUtc(date);
    return true;
  } catch {
    return false;
  }
}

export function addDays(date: IsoDate, days: number): IsoDate {
  return fromUtc(toUtc(date) + days * DAY_MS);
}

/** Days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((toUtc(to) - toUtc(from)) / DAY_MS);
}

/** Adds calendar months; the 31st becomes the last day of a shorter month. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const d = new Date(toUtc(date));
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return fromUtc(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)));
}

export function addYears(date: IsoDate, years: number): IsoDate {
  return addMonths(date, years * 12);
}

/** First day of the month of `date`. */
export function monthStart(date: IsoDate): IsoDate {
  return `${date.slice(0, 7)}-01`;
}

/** Last day of the month of `date`. */
export function monthEnd(date: IsoDate): IsoDate {
  return addDays(addMonths(monthStart(date), 1), -1);
}

/** A moment on the given date: `hour` o'clock UTC plus `minute`. */
export function momentOn(date: IsoDate, hour = 9, minute = 0): Date {
  return new Date(toUtc(date) + hour * 3_600_000 + minute * 60_000);
}

/** A date between `from` and `to`, both inclusive. */
export function dateBetween(
  random: { int(min: number, max: number): number },
  from: IsoDate,
  to: IsoDate,
): IsoDate {
  return addDays(from, random.int(0, Math.max(0, daysBetween(from, to))));
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return a < b ? a : b;
}

export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return a > b ? a : b;
}
