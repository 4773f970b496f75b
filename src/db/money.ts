/**
 * Money is integer kopiyky in code and exact decimal text at the database edge. Nothing here goes
 * through a binary float.
 */

/** Kopiyky from exact decimal text such as '2450.5', '-2405.50' or '12345'. */
export function kopiykyFromDecimal(text: string | number): number {
  const s = String(text).trim();
  const m = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(s);
  if (!m) throw new RangeError(`'${s}' is not a decimal amount`);
  const [, sign, whole, fraction = ''] = m;
  if (fraction.length > 2 && /[1-9]/.test(fraction.slice(2))) {
    throw new RangeError(`'${s}' has more than two decimal places`);
  }
  const kop = Number(whole) * 100 + Number((fraction + '00').slice(0, 2));
  if (!Number.isSafeInteger(kop)) throw new RangeError(`'${s}' is too large`);
  return sign === '-' ? -kop : kop;
}

/** Exact decimal text from kopiyky: 245050 → '2450.50'. */
export function decimalFromKopiyky(kopiyky: number): string {
  if (!Number.isSafeInteger(kopiyky)) throw new RangeError(`${kopiyky} is not a whole number of kopiyky`);
  const sign = kopiyky < 0 ? '-' : '';
  const abs = Math.abs(kopiyky);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Hryvnias for people: 1234567 → '12 345,67' (no-break space as thousands separator). */
export function formatHryvnias(kopiyky: number): string {
  const [whole, fraction] = decimalFromKopiyky(kopiyky).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  return `${negative ? '-' : ''}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0')},${fraction}`;
}
