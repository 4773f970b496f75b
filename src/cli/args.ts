/**
 * Command-line values checked where commander reads them (argParser): a bad one is refused in one
 * line naming the option or argument and the value, before any database is opened.
 */
import { InvalidArgumentError } from 'commander';
import { isIsoDate } from '../demo/calendar';

/** A whole number from `min` to `max` (ids, pages, limits). */
export function wholeNumber(min = 0, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError(`'${value}' is not a whole number`);
    const n = Number(value);
    if (n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER ? `${n} is less than ${min}` : `${n} is not from ${min} to ${max}`,
      );
    return n;
  };
}

/** The id of a record: a whole number from 1. */
export const recordId = wholeNumber(1);

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

/** A production period, yyyy-mm. */
export function periodCode(value: string): string {
  if (!PERIOD.test(value)) throw new InvalidArgumentError(`'${value}' is not a period yyyy-mm`);
  return value;
}

/** A calendar date, yyyy-mm-dd. */
export function isoDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError(`'${value}' is not a yyyy-mm-dd date`);
  return value;
}

/** One of a list of words. */
export function oneOf<T extends string>(allowed: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidArgumentError(`'${value}' is not one of ${allowed.join(', ')}`);
    return value as T;
  };
}
