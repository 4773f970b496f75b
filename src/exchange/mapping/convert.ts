/** Conversion of one insurer value to its canonical form and back, per the field's declared type. */
import {
  dateOfTimestamp,
  dottedFromIsoDate,
  formatDecimalComma,
  formatDecimalPoint,
  intFromText,
  isoFromDottedDate,
  isoFromIsoDate,
  kopiykyFromDecimalComma,
  kopiykyFromDecimalPoint,
  percentText,
} from '../formats/values';
import type { DateStyle, DecimalStyle, MappingFile, ValueType } from './types';

export interface ValueStyle {
  type?: ValueType;
  decimal?: DecimalStyle;
  dateFormat?: DateStyle;
  timeZone?: string;
}

type Converted = { ok: true; value: unknown } | { ok: false; message: string };

/** Insurer text -> canonical value. */
export function toCanonical(text: string, style: ValueStyle, defaults: MappingFile['defaults']): Converted {
  const type = style.type ?? 'text';
  const decimal = style.decimal ?? defaults?.decimal ?? 'comma';
  const dateFormat = style.dateFormat ?? defaults?.dateFormat ?? 'dd.mm.yyyy';
  switch (type) {
    case 'text':
      return { ok: true, value: text };
    case 'int': {
      const n = intFromText(text);
      return n === null ? { ok: false, message: `'${text}' is not a whole number` } : { ok: true, value: n };
    }
    case 'kopiyky':
    case 'decimal': {
      const kop = decimal === 'comma' ? kopiykyFromDecimalComma(text) : kopiykyFromDecimalPoint(text);
      if (kop === null) {
        const example = decimal === 'comma' ? '12 345,67' : '12345.67';
        return { ok: false, message: `'${text}' is not an amount like ${example}` };
      }
      return { ok: true, value: type === 'kopiyky' ? kop : formatDecimalPoint(kop) };
    }
    case 'date': {
      if (dateFormat === 'timestamp') {
        const date = dateOfTimestamp(text, style.timeZone ?? defaults?.timeZone);
        return date === null
          ? { ok: false, message: `'${text}' is not a real date and time like 2026-03-01T23:30:00+02:00` }
          : { ok: true, value: date };
      }
      const iso = dateFormat === 'iso' ? isoFromIsoDate(text) : isoFromDottedDate(text);
      return iso === null
        ? { ok: false, message: `'${text}' is not a real date (${dateFormat})` }
        : { ok: true, value: iso };
    }
    case 'percent': {
      const pct = percentText(text);
      return pct === null ? { ok: false, message: `'${text}' is not a percent` } : { ok: true, value: pct };
    }
    case 'fraction': {
      const pct = percentFromFraction(text);
      return pct === null
        ? { ok: false, message: `'${text}' is not a rate written as a fraction like 0.35` }
        : { ok: true, value: pct };
    }
  }
}

/** '0.35' -> '35', '0.125' -> '12.5', '1' -> '100': the decimal point moved, never through a float. */
export function percentFromFraction(text: string): string | null {
  const m = /^(\d{1,2})(?:\.(\d{1,6}))?$/.exec(text.trim().replace(',', '.'));
  if (!m) return null;
  const frac = (m[2] ?? '').padEnd(2, '0');
  const whole = `${m[1]}${frac.slice(0, 2)}`.replace(/^0+(?=\d)/, '');
  const rest = frac.slice(2).replace(/0+$/, '');
  return percentText(rest ? `${whole}.${rest}` : whole);
}

/** Canonical value -> insurer text. */
export function toInsurer(value: unknown, style: ValueStyle, defaults: MappingFile['defaults']): string {
  if (value === null || value === undefined) return '';
  const type = style.type ?? 'text';
  const decimal = style.decimal ?? defaults?.decimal ?? 'comma';
  const dateFormat = style.dateFormat ?? defaults?.dateFormat ?? 'dd.mm.yyyy';
  switch (type) {
    case 'kopiyky':
      return decimal === 'comma'
        ? formatDecimalComma(Number(value), defaults?.thousands ?? ' ')
        : formatDecimalPoint(Number(value));
    case 'decimal': {
      const text = String(value);
      return decimal === 'comma' ? text.replace('.', ',') : text;
    }
    case 'date':
      return dateFormat === 'dd.mm.yyyy' ? dottedFromIsoDate(String(value)) : String(value);
    case 'percent':
      return decimal === 'comma' ? String(value).replace('.', ',') : String(value);
    case 'fraction':
      return fractionFromPercent(String(value));
    default:
      return String(value);
  }
}

/** '35' -> '0.35', '12.5' -> '0.125'. */
export function fractionFromPercent(pct: string): string {
  const [whole, frac = ''] = pct.split('.');
  const padded = whole.padStart(3, '0');
  const rest = `${padded.slice(-2)}${frac}`.replace(/0+$/, '');
  const head = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  return rest ? `${head}.${rest}` : head;
}
