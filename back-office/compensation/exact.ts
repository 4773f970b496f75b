/**
 * Exact arithmetic for the compensation engine. Plan formulas work on exact rationals (bigint
 * numerator and denominator), so a rate like 2.5 % or a threshold like 1/3 never passes through a
 * binary float; money leaves this module as integer kopiyky, rounded once by the plan's rule.
 */

export type RoundingMode = 'half_up' | 'half_even' | 'down';

export interface Rational {
  readonly n: bigint;
  /** Always positive. */
  readonly d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

export function rational(n: bigint, d: bigint = 1n): Rational {
  if (d === 0n) throw new RangeError('division by zero');
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

/** Parses exact decimal text ('12.5', '-0.125', '3') into a rational. */
export function fromDecimal(text: string | number): Rational {
  const s = String(text).trim();
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new RangeError(`'${s}' is not a decimal number`);
  const [, sign, whole, fraction = ''] = m;
  const n = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  return rational(n, 10n ** BigInt(fraction.length));
}

export const add = (a: Rational, b: Rational) => rational(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rational, b: Rational) => rational(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rational, b: Rational) => rational(a.n * b.n, a.d * b.d);
export const div = (a: Rational, b: Rational) => {
  if (b.n === 0n) throw new RangeError('division by zero');
  return rational(a.n * b.d, a.d * b.n);
};
export const neg = (a: Rational) => rational(-a.n, a.d);
export const cmp = (a: Rational, b: Rational) => {
  const l = a.n * b.d;
  const r = b.n * a.d;
  return l < r ? -1 : l > r ? 1 : 0;
};

/** Integer division of n by positive d, rounded by the mode (half away from zero for half_up). */
export function divRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d <= 0n) throw new RangeError('divisor must be positive');
  const negative = n < 0n;
  const abs = negative ? -n : n;
  let q = abs / d;
  const r = abs % d;
  if (mode !== 'down' && r * 2n >= d) {
    if (r * 2n > d || mode === 'half_up' || q % 2n === 1n) q += 1n;
  }
  return negative ? -q : q;
}

/** Rounds a rational to an integer by the mode. */
export function roundRational(a: Rational, mode: RoundingMode): bigint {
  return divRound(a.n, a.d, mode);
}

/**
 * Number fast path of divRound for the hot loop: exact while the numerator is a safe integer,
 * bigint otherwise.
 */
export function divRoundNumber(n: number, d: number, mode: RoundingMode): number {
  if (Number.isSafeInteger(n)) {
    const negative = n < 0;
    const abs = negative ? -n : n;
    let q = Math.floor(abs / d);
    const r = abs - q * d;
    if (mode !== 'down' && r * 2 >= d) {
      if (r * 2 > d || mode === 'half_up' || q % 2 === 1) q += 1;
    }
    return negative ? -q : q;
  }
  return Number(divRound(BigInt(n), BigInt(d), mode));
}

/** Exact product a*b*c as bigint when it would leave the safe range, else a number. */
export function mulExact(...factors: number[]): number | bigint {
  let p = 1;
  for (const f of factors) p *= f;
  if (Number.isSafeInteger(p)) return p;
  return factors.reduce((acc, f) => acc * BigInt(f), 1n);
}

/** Exact decimal text of a rational with `places` decimals, rounded by mode if it does not terminate. */
export function toDecimalText(a: Rational, places: number, mode: RoundingMode = 'half_up'): string {
  const scale = 10n ** BigInt(places);
  const scaled = divRound(a.n * scale, a.d, mode);
  const negative = scaled < 0n;
  const digits = (negative ? -scaled : scaled).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = places ? `.${digits.slice(digits.length - places)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Shortest exact decimal text, for explanations ('2.5', '30'); falls back to 6 places. */
export function toPlainText(a: Rational): string {
  for (let places = 0; places <= 6; places++) {
    const scale = 10n ** BigInt(places);
    if ((a.n * scale) % a.d === 0n) return toDecimalText(a, places);
  }
  return toDecimalText(a, 6);
}

/** Hundredths (2-decimal fixed point) from a plan number such as 8.5 or '8.50'; refuses more decimals. */
export function hundredthsFrom(value: number | string): number {
  const r = fromDecimal(typeof value === 'number' ? numberText(value) : value);
  const h = mul(r, rational(100n));
  if (h.d !== 1n) throw new RangeError(`${value} has more than two decimal places`);
  return Number(h.n);
}

/** Decimal text of a JS number as written in a plan file (no exponent form for plan-sized values). */
export function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`${value} is not a finite number`);
  const s = String(value);
  if (/e/i.test(s)) return value.toFixed(20).replace(/\.?0+$/, '');
  return s;
}
