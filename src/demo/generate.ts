/**
 * Builds the whole demo agency in memory, without a database: the same seed and `today` always give
 * the same data, so tests can compare what was written with what was meant.
 */
import type { IsoDate } from '../db';
import { addMonths, isIsoDate, monthEnd, monthStart } from './calendar';
import { type DemoNetwork, generateNetwork } from './network';
import { type DemoBook, generateBook, type PaymentWindow } from './policies';
import { Random } from './random';

export const DEFAULT_SEED = 20261127;
export const DEFAULT_TODAY = '2026-11-27';
export const CONSULTANT_COUNT = 200;
export const POLICY_COUNT = 2000;

export interface DemoPeriod {
  code: string;
  startsOn: IsoDate;
  endsOn: IsoDate;
}

export interface DemoData extends DemoBook {
  seed: number;
  today: IsoDate;
  /** The six whole months before today's month; premium payments fall in them. */
  window: PaymentWindow;
  network: DemoNetwork;
  /** The six months of the window and the current month, all open. */
  periods: DemoPeriod[];
}

export function buildDemoData(options: { seed?: number; today?: IsoDate } = {}): DemoData {
  const seed = options.seed ?? DEFAULT_SEED;
  const today = options.today ?? DEFAULT_TODAY;
  if (!Number.isSafeInteger(seed)) throw new RangeError(`demo seed: ${seed} is not a whole number`);
  if (!isIsoDate(today)) throw new RangeError(`demo seed: today '${today}' is not a yyyy-mm-dd date`);
  const random = new Random(seed);
  const window = { start: addMonths(monthStart(today), -6), end: monthEnd(addMonths(monthStart(today), -1)) };
  const network = generateNetwork(random, CONSULTANT_COUNT, today, window.start);
  const book = generateBook(random, network, { policyCount: POLICY_COUNT, today, window });
  const periods = Array.from({ length: 7 }, (_, k) => {
    const startsOn = addMonths(window.start, k);
    return { code: startsOn.slice(0, 7), startsOn, endsOn: monthEnd(startsOn) };
  });
  return { seed, today, window, network, periods, ...book };
}
