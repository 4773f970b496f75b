/** The act as data: sections, totals to the kopiyka, the period plan from a ledger, and the CSV/XLSX exports. */
import ExcelJS from 'exceljs';
import {
  actCsv,
  actXlsx,
  buildAct,
  NothingToPayError,
  periodRegister,
  periodRegisterCsv,
  periodRegisterXlsx,
  planPeriodActs,
  registerRowOf,
  type LedgerAccrual,
} from '../../../back-office/acts';
import { january2025, shevchenko } from './fixtures';

describe('buildAct', () => {
  it('groups the period by kind and the corrections by corrected period and kind; totals are the sum of lines', () => {
    const act = buildAct(
      {
        ...january2025,
        lines: [
          ...january2025.lines,
          { kind: 'personal', accrualPeriod: '2025-01', amountKop: 12_345 },
          { kind: 'storno', accrualPeriod: '2024-10', correctsPeriod: '2024-10', amountKop: -5 },
        ],
      },
      { number: '2025/000007', date: '2025-02-03' },
    );
    expect(act.number).toBe('2025/000007');
    expect(act.date).toBe('2025-02-03');
    expect(act.periodLines.map((l) => [l.kind, l.kindName, l.accrualCount, l.amountKop])).toEqual([
      ['personal', 'Винагорода за особисті продажі', 2, 1_012_345],
      ['structural', 'Структурна винагорода (продажі структури)', 1, 250_050],
    ]);
    expect(act.correctionLines.map((l) => [l.accrualPeriod, l.kind, l.accrualCount, l.amountKop])).toEqual([
      ['2024-10', 'storno', 2, -100_005],
      ['2024-11', 'additional', 1, 33_333],
    ]);
    const sum = (xs: { amountKop: number }[]) => xs.reduce((s, x) => s + x.amountKop, 0);
    expect(act.periodTotalKop).toBe(sum(act.periodLines));
    expect(act.correctionsTotalKop).toBe(sum(act.correctionLines));
    expect(act.grossKop).toBe(act.periodTotalKop + act.correctionsTotalKop);
    expect(act.grossKop).toBe(1_012_345 + 250_050 - 100_005 + 33_333);
    expect(act.netKop).toBe(act.grossKop - sum(act.withholdings));
  });

  it('dates the act on the last day of its period by default', () => {
    expect(
      buildAct(
        {
          ...january2025,
          period: '2024-02',
          lines: [{ kind: 'bonus', accrualPeriod: '2024-02', amountKop: 100 }],
        },
        { number: '2024/000001' },
      ).date,
    ).toBe('2024-02-29');
  });

  it('refuses an act with nothing to pay and names the field of bad input', () => {
    expect(() =>
      buildAct(
        { ...january2025, lines: [{ kind: 'storno', accrualPeriod: '2024-10', amountKop: -100 }] },
        { number: '2025/000001' },
      ),
    ).toThrow(NothingToPayError);
    expect(() =>
      buildAct(
        { ...january2025, lines: [{ kind: 'gift', accrualPeriod: '2025-01', amountKop: 100 }] },
        { number: '2025/000001' },
      ),
    ).toThrow(/consultant K-00012, lines\[0\].kind 'gift' has no Ukrainian name/);
    expect(() =>
      buildAct(
        { ...january2025, lines: [{ kind: 'bonus', accrualPeriod: '2025-02', amountKop: 100 }] },
        { number: '2025/000001' },
      ),
    ).toThrow(/lines\[0\].accrualPeriod 2025-02 is after the act's period 2025-01/);
    expect(() =>
      buildAct(
        { ...january2025, lines: [{ kind: 'bonus', accrualPeriod: '2025-01', amountKop: 10.5 }] },
        { number: '2025/000001' },
      ),
    ).toThrow(/lines\[0\].amountKop 10.5 is not a whole number/);
    expect(
      buildAct(
        { ...january2025, lines: [{ kind: 'gift', accrualPeriod: '2025-01', amountKop: 100 }] },
        { number: '2025/000001', kindNames: { gift: 'Подарунок' } },
      ).periodLines[0].kindName,
    ).toBe('Подарунок');
  });
});

describe('planPeriodActs', () => {
  const fop = {
    code: 'K-00020',
    fullName: 'Коваленко Олена Петрівна',
    taxNumber: '2345678901',
    legalForm: 'sole_proprietor' as const,
  };
  const debtor = {
    code: 'K-00030',
    fullName: 'Бондар Іван Іванович',
    taxNumber: null,
    legalForm: 'individual' as const,
  };
  const ledger: LedgerAccrual[] = [
    {
      consultant: shevchenko,
      periodCode: '2025-01',
      kind: 'personal',
      correctsPeriod: null,
      amountKop: 1_000_000,
    },
    { consultant: fop, periodCode: '2025-01', kind: 'personal', correctsPeriod: null, amountKop: 700_001 },
    {
      consultant: shevchenko,
      periodCode: '2025-01',
      kind: 'storno',
      correctsPeriod: '2024-10',
      amountKop: -100_000,
    },
    { consultant: debtor, periodCode: '2025-01', kind: 'personal', correctsPeriod: null, amountKop: 5_000 },
    {
      consultant: debtor,
      periodCode: '2025-01',
      kind: 'chargeback',
      correctsPeriod: null,
      amountKop: -20_000,
    },
    { consultant: fop, periodCode: '2025-01', kind: 'bonus', correctsPeriod: null, amountKop: 99 },
  ];

  it('nets a debt carried in from an earlier period in the act, on its own line naming that period, or carries it on', () => {
    const plan = planPeriodActs('2025-01', ledger, [
      { consultant: shevchenko, amountKop: -141_079, fromPeriod: '2024-12' }, // −1 410,79
      { consultant: debtor, amountKop: -1_000, fromPeriod: '2024-11' },
    ]);
    expect(plan.carriedInKop).toBe(-142_079);
    expect(plan.nothingToPay).toEqual([{ consultant: debtor, grossKop: -16_000 }]);
    expect(plan.carriedOutKop).toBe(-16_000);
    const act = buildAct(plan.inputs[0], { number: '2025/000001' });
    expect(act.grossKop).toBe(900_000 - 141_079);
    expect(act.correctionLines).toContainEqual(
      expect.objectContaining({
        section: 'correction',
        kind: 'carried_forward',
        kindName: 'Від’ємний залишок, перенесений з попереднього періоду',
        accrualPeriod: '2024-12',
        amountKop: -141_079,
      }),
    );
    const actsGross = plan.inputs
      .map((input, i) => buildAct(input, { number: `2025/00000${i + 1}` }).grossKop)
      .reduce((a, b) => a + b, 0);
    expect(actsGross + plan.carriedOutKop).toBe(plan.ledgerTotalKop + plan.carriedInKop);
  });

  it('carries only debts, from periods before the act', () => {
    expect(() =>
      planPeriodActs('2025-01', ledger, [{ consultant: debtor, amountKop: 500, fromPeriod: '2024-12' }]),
    ).toThrow('carried balance of consultant K-00030 is 500 kopiyky: only a debt (below zero) is carried');
    expect(() =>
      planPeriodActs('2025-01', ledger, [{ consultant: debtor, amountKop: -500, fromPeriod: '2025-01' }]),
    ).toThrow('carried balance of consultant K-00030 comes from 2025-01, not before 2025-01');
  });

  it('makes one act per consultant with anything to pay; acts and the rest sum to the ledger; the register sums the acts', () => {
    const plan = planPeriodActs('2025-01', ledger);
    expect(plan.inputs.map((i) => i.consultant.code)).toEqual(['K-00012', 'K-00020']);
    expect(plan.nothingToPay).toEqual([{ consultant: debtor, grossKop: -15_000 }]);
    const acts = plan.inputs.map((input, i) => buildAct(input, { number: `2025/00000${i + 1}` }));
    expect(acts[0].correctionLines).toMatchObject([
      { accrualPeriod: '2024-10', kind: 'storno', amountKop: -100_000 },
    ]);
    const actsGross = acts.reduce((s, a) => s + a.grossKop, 0);
    expect(actsGross + plan.nothingToPay.reduce((s, n) => s + n.grossKop, 0)).toBe(plan.ledgerTotalKop);
    expect(actsGross).toBe(900_000 + 700_100);

    const register = periodRegister('2025-01', acts.map(registerRowOf));
    expect(register.totals).toEqual({
      acts: 2,
      grossKop: actsGross,
      pdfoKop: acts.reduce(
        (s, a) => s + a.withholdings.filter((w) => w.taxCode === 'pdfo').reduce((x, w) => x + w.amountKop, 0),
        0,
      ),
      militaryLevyKop: acts.reduce(
        (s, a) =>
          s +
          a.withholdings.filter((w) => w.taxCode === 'military_levy').reduce((x, w) => x + w.amountKop, 0),
        0,
      ),
      netKop: acts.reduce((s, a) => s + a.netKop, 0),
    });
    // ПДФО 18 % of 9 000,00 = 1 620,00; ВЗ 5 % of 10 000,00 = 500,00 and 1.5 % of −1 000,00 = −15,00
    expect(register.rows[0]).toMatchObject({
      pdfoKop: 162_000,
      militaryLevyKop: 48_500,
      netKop: 900_000 - 162_000 - 48_500,
    });
    expect(register.rows[1]).toMatchObject({
      legalForm: 'sole_proprietor',
      pdfoKop: 0,
      militaryLevyKop: 0,
      netKop: 700_100,
    });
  });

  it('refuses a line posted in another period', () => {
    expect(() => planPeriodActs('2025-02', ledger)).toThrow(
      /ledger line 0 of consultant K-00012 is posted in 2025-01, not 2025-02/,
    );
  });
});

describe('exports', () => {
  const act = buildAct(january2025, { number: '2025/000001' });

  it('writes an act as CSV for Excel: BOM, semicolons, decimal comma, dd.mm.yyyy', () => {
    const text = actCsv(act).toString('utf8');
    expect(text.startsWith('\ufeffНомер акта;Дата акта;')).toBe(true);
    const rows = text
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .map((r) => r.split(';'));
    expect(rows[1]).toEqual([
      '2025/000001',
      '31.01.2025',
      '01.2025',
      'K-00012',
      'Шевченко Тарас Григорович',
      '1234567890',
      'Нарахування за період',
      'personal',
      'Винагорода за особисті продажі',
      '01.2025',
      '1',
      '10000,00',
    ]);
    const amountOf = (kind: string) => rows.find((r) => r[7] === kind)![11];
    expect(amountOf('storno')).toBe('-1000,00');
    expect(amountOf('gross')).toBe('11833,83');
    expect(amountOf('net')).toBe('9088,71');
    expect(rows.filter((r) => r[6] === 'Утримано').map((r) => [r[8], r[9], r[11]])).toEqual([
      ['ПДФО 18 % з 11833,83', '10.2024, 11.2024, 01.2025', '2130,09'],
      ['ВЗ 1,5 % з -666,67', '10.2024, 11.2024', '-10,00'],
      ['ВЗ 5 % з 12500,50', '01.2025', '625,03'],
    ]);
  });

  it('writes an act as XLSX with numbers and dates', async () => {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await actXlsx(act)) as any);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('Акт');
    const first = sheet.getRow(2);
    expect(first.getCell(2).value).toEqual(new Date(Date.UTC(2025, 0, 31)));
    expect(first.getCell(12).value).toBe(10000);
    expect(first.getCell(12).numFmt).toBe('#,##0.00');
    const net = sheet.getRow(sheet.rowCount);
    expect(net.getCell(9).value).toBe('До виплати');
    expect(net.getCell(12).value).toBe(9088.71);
  });

  it('writes the period register with totals as CSV and XLSX', async () => {
    const other = buildAct(
      {
        period: '2025-01',
        consultant: {
          ...shevchenko,
          code: 'K-00020',
          fullName: 'Коваленко Олена Петрівна',
          legalForm: 'sole_proprietor',
        },
        lines: [{ kind: 'personal', accrualPeriod: '2025-01', amountKop: 500_050 }],
      },
      { number: '2025/000002' },
    );
    const register = periodRegister('2025-01', [registerRowOf(other), registerRowOf(act)]);
    const rows = periodRegisterCsv(register)
      .toString('utf8')
      .slice(1)
      .trimEnd()
      .split('\r\n')
      .map((r) => r.split(';'));
    expect(rows.map((r) => r[0])).toEqual(['Номер акта', '2025/000001', '2025/000002', 'Разом за 01.2025']);
    expect(rows[2].slice(5)).toEqual(['фізична особа — підприємець', '5000,50', '0,00', '0,00', '5000,50']);
    // 11 833,83 + 5 000,50 = 16 834,33; ПДФО 2 130,09; ВЗ −10,00 + 625,03 = 615,03; net 9 088,71 + 5 000,50 = 14 089,21
    expect(rows[3].slice(6)).toEqual(['16834,33', '2130,09', '615,03', '14089,21']);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await periodRegisterXlsx(register)) as any);
    const sheet = workbook.worksheets[0];
    const totals = sheet.getRow(4);
    expect(totals.getCell(1).value).toBe('Разом за 01.2025');
    expect(totals.getCell(7).value).toMatchObject({ formula: 'SUM(G2:G3)', result: 16834.33 });
    expect(totals.getCell(10).value).toMatchObject({ formula: 'SUM(J2:J3)', result: 14089.21 });
    expect(sheet.getRow(2).getCell(2).value).toEqual(new Date(Date.UTC(2025, 0, 31)));
  });
});
