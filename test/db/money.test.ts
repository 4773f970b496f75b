import { decimalFromKopiyky, formatHryvnias, kopiykyFromDecimal } from '../../src/db';

describe('money in kopiyky', () => {
  it('reads decimal text exactly', () => {
    expect(kopiykyFromDecimal('2450.50')).toBe(245050);
    expect(kopiykyFromDecimal('-2405.5')).toBe(-240550);
    expect(kopiykyFromDecimal('0.10')).toBe(10);
    expect(kopiykyFromDecimal('12345')).toBe(1234500);
    expect(kopiykyFromDecimal('25.000000')).toBe(2500);
  });
  it('refuses what is not an amount or has fractions of a kopiyka', () => {
    expect(() => kopiykyFromDecimal('12,50')).toThrow(/not a decimal amount/);
    expect(() => kopiykyFromDecimal('1.005')).toThrow(/more than two decimal places/);
  });
  it('writes decimal text and hryvnias for people', () => {
    expect(decimalFromKopiyky(245050)).toBe('2450.50');
    expect(decimalFromKopiyky(-5)).toBe('-0.05');
    expect(formatHryvnias(2023050)).toBe('20\u00a0230,50');
    expect(formatHryvnias(-240550)).toBe('-2\u00a0405,50');
  });
  it('adds ten thousand small amounts without drift', () => {
    let sum = 0;
    for (let i = 0; i < 10000; i++) sum += kopiykyFromDecimal('0.10');
    expect(decimalFromKopiyky(sum)).toBe('1000.00');
  });
});
