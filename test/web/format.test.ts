/**
 * How the web application writes figures: rates as the API gives them (decimal strings) and the end
 * of an effective-dated row, the trade's way, with no float on the way.
 */
import { formatDecimal, formatPercent, formatUntil } from '../../web/src/app/format';

describe('formatPercent', () => {
  it('writes a rate with a decimal comma and no trailing zeros', () => {
    expect(formatPercent('10.000000')).toBe('10 %');
    expect(formatPercent('2.400000')).toBe('2,4 %');
    expect(formatPercent('7.500000')).toBe('7,5 %');
    expect(formatPercent('0.333333')).toBe('0,333333 %');
    expect(formatPercent('-1.250000')).toBe('-1,25 %');
    expect(formatPercent(null)).toBe('');
  });

  it('leaves what is not a decimal as it came', () => {
    expect(formatPercent('n/a')).toBe('n/a');
  });
});

describe('formatUntil', () => {
  it('says an open-ended row has no end instead of 31.12.9999', () => {
    expect(formatUntil('9999-12-31', 'безстроково')).toBe('безстроково');
    expect(formatUntil(null, 'безстроково')).toBe('безстроково');
    expect(formatUntil('2026-06-01', 'безстроково')).toBe('01.06.2026');
  });
});

describe('formatDecimal', () => {
  it('groups the digits as written (a no-break space) and puts a decimal comma', () => {
    expect(formatDecimal('15804.375')).toBe('15\u00a0804,375');
    expect(formatDecimal(180000)).toBe('180\u00a0000');
    expect(formatDecimal('2263.375')).toBe('2\u00a0263,375');
    expect(formatDecimal('-5')).toBe('−5');
    expect(formatDecimal(null)).toBe('');
  });
});
