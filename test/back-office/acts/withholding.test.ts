/**
 * Withholding at the rates of each line's accrual period: ПДФО 18 %, military levy 1.5 % up to
 * 2024-11 and 5 % from 2024-12; rounded once per tax and rate period, half away from zero.
 */
import {
  buildAct,
  computeWithholding,
  loadRateTable,
  percentOf,
  rateFor,
  DEFAULT_RATE_TABLE,
} from '../../../back-office/acts';
import { january2025, shevchenko } from './fixtures';

const consultant = shevchenko;

describe('rate table', () => {
  it('looks the military levy up by the accrual period', () => {
    expect(rateFor(DEFAULT_RATE_TABLE, 'military_levy', '2024-11').ratePercent).toBe('1.5');
    expect(rateFor(DEFAULT_RATE_TABLE, 'military_levy', '2024-12').ratePercent).toBe('5');
    expect(rateFor(DEFAULT_RATE_TABLE, 'military_levy', '2026-03').ratePercent).toBe('5');
    expect(rateFor(DEFAULT_RATE_TABLE, 'pdfo', '2024-10').ratePercent).toBe('18');
    expect(rateFor(DEFAULT_RATE_TABLE, 'pdfo', '2026-03').ratePercent).toBe('18');
  });

  it('refuses a period the table does not cover and a table with overlapping rates', () => {
    expect(() => rateFor(DEFAULT_RATE_TABLE, 'military_levy', '2014-07')).toThrow(
      /no ВЗ rate for accrual period 2014-07/,
    );
    expect(() =>
      loadRateTable(
        {
          taxes: [
            {
              code: 'x',
              shortName: 'X',
              name: 'X',
              periods: [
                { from: '2024-01', to: null, ratePercent: '1' },
                { from: '2024-06', to: null, ratePercent: '2' },
              ],
            },
          ],
        },
        'rates.json',
      ),
    ).toThrow(/rates.json: taxes\[0\].periods: the rate from 2024-01 overlaps the rate from 2024-06/);
    expect(() =>
      loadRateTable({
        taxes: [
          {
            code: 'x',
            shortName: 'X',
            name: 'X',
            periods: [{ from: '2024-01', to: null, ratePercent: '1,5' }],
          },
        ],
      }),
    ).toThrow(/taxes\[0\].periods\[0\].ratePercent: '1,5' is not a decimal percent/);
  });
});

describe('percentOf', () => {
  it.each([
    [10, '5', 1], // 0.5 → 1: half rounds up
    [-10, '5', -1], // and a storno gives back exactly the same
    [9, '5', 0], // 0.45 → 0
    [100, '1.5', 2], // 1.5 → 2
    [1, '1.5', 0], // 0.015 → 0
    [1_000_000, '18', 180_000],
    [123_456_789, '18', 22_222_222], // 22 222 222.02
  ])('%d kopiyky at %s %% = %d', (amount, rate, expected) => {
    expect(percentOf(amount, rate)).toBe(expected);
  });
});

describe('withholding of an act', () => {
  it('withholds the levy of a 2024-10 correction at 1.5 % and of 2025 lines at 5 %, rounding once per rate period', () => {
    const act = buildAct(january2025, { number: '2025/000001' });
    // Gross: 10 000,00 + 2 500,50 − 1 000,00 + 333,33 = 11 833,83
    expect(act.grossKop).toBe(1_183_383);
    // ПДФО 18 % of 11 833,83 = 2 130,0894 → 2 130,09
    // ВЗ 1.5 % of (−1 000,00 + 333,33 = −666,67) = −10,00005 → −10,00 (the levy over-withheld in October comes back)
    // ВЗ 5 % of (10 000,00 + 2 500,50 = 12 500,50) = 625,025 → 625,03 (half up)
    expect(
      act.withholdings.map((w) => [w.shortName, w.ratePercent, w.accrualPeriods, w.baseKop, w.amountKop]),
    ).toEqual([
      ['ПДФО', '18', ['2024-10', '2024-11', '2025-01'], 1_183_383, 213_009],
      ['ВЗ', '1.5', ['2024-10', '2024-11'], -66_667, -1_000],
      ['ВЗ', '5', ['2025-01'], 1_250_050, 62_503],
    ]);
    expect(act.withheldKop).toBe(274_512); // 2 130,09 − 10,00 + 625,03 = 2 745,12
    expect(act.netKop).toBe(908_871); // 11 833,83 − 2 745,12 = 9 088,71
    expect(act.netInWords).toBe("Дев'ять тисяч вісімдесят вісім гривень 71 копійка");
  });

  it('rounds the sum of a rate period once, not each line', () => {
    const lines = [1, 2, 3].map(() => ({ accrualPeriod: '2025-03', amountKop: 10 }));
    // per line 0,005 would round to 0,01 three times; the sum 30 kopiyky at 5 % is 1,5 → 2
    const levy = computeWithholding(lines, 'individual').find((w) => w.taxCode === 'military_levy')!;
    expect(levy.amountKop).toBe(2);
  });

  it('pays a sole proprietor gross', () => {
    const act = buildAct(
      { ...january2025, consultant: { ...consultant, legalForm: 'sole_proprietor' } },
      { number: '2025/000002' },
    );
    expect(act.withholdings).toEqual([]);
    expect(act.withheldKop).toBe(0);
    expect(act.netKop).toBe(1_183_383);
    expect(act.netInWords).toBe('Одинадцять тисяч вісімсот тридцять три гривні 83 копійки');
  });

  it('applies a rate table given as data', () => {
    const table = loadRateTable({
      taxes: [
        {
          code: 'pdfo',
          shortName: 'ПДФО',
          name: 'ПДФО',
          periods: [{ from: '2020-01', to: null, ratePercent: '20' }],
        },
      ],
    });
    expect(
      computeWithholding([{ accrualPeriod: '2025-01', amountKop: 10_000 }], 'individual', table),
    ).toMatchObject([{ taxCode: 'pdfo', baseKop: 10_000, amountKop: 2_000 }]);
  });
});
