/**
 * Over the database: a qualification counted over a rolling window of periods (the earlier periods'
 * stored metrics), and a contest's money prizes posted to the ledger by the calculation of its last
 * period. DL-SAV10 earns 25 points per 100 UAH in year 1 under the default plan, so 4 000.00 of
 * premium is 1 000 points.
 */
import { calculatePeriod, listAccruals } from '../../../back-office/compensation';
import { createContest } from '../../../back-office/contests';
import { describeEachEngine } from '../../support/engines';
import { defaultPlanVariant, seedNetwork, seedSale, type Seeded } from './db-support';

const windowPlanFile = (window: number) =>
  defaultPlanVariant(`2026.1-window${window}`, (doc) => {
    doc.careers.qualifications = [{ level: 'MANAGER', promote: 'groupVolume >= 4000', window }];
  });

describeEachEngine('rolling-window qualification and contest prizes', (ctx) => {
  let s: Seeded;
  const planFile = windowPlanFile(3);

  beforeAll(async () => {
    const database = ctx.database;
    s = await seedNetwork(database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'SENIOR_CONSULTANT'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    const sale = (who: string, issuedOn: string, paidOn: string, amount: string) =>
      seedSale(database, s, who, issuedOn, paidOn, amount);
    // M's group volume: February 2 000, March 1 000, April 1 000 points (all from S's sales).
    await sale('S', '2026-02-01', '2026-02-10', '8000.00');
    await sale('S', '2026-03-01', '2026-03-10', '4000.00');
    await sale('S', '2026-04-01', '2026-04-10', '4000.00');
    // D's own sale in March: 2 000 points, the same contest score as S's 1 000 + 1 000.
    await sale('D', '2026-03-01', '2026-03-20', '8000.00');
    await createContest(database, {
      code: 'Q2-CASH',
      name: 'Весняний кубок',
      firstPeriod: '2026-03',
      lastPeriod: '2026-04',
      metric: { kind: 'plan_metric', name: 'personalVolume' },
      tieBreak: ['code'],
      prizes: {
        top: [
          { place: 1, prize: 'Грошова премія', amount: '5000' },
          { place: 2, prize: 'Сертифікат', amount: '1500.50' },
        ],
      },
    });
  });

  it('does not promote while the window of three periods falls short', async () => {
    await calculatePeriod(ctx.database, '2026-02', { planFile, createdBy: 'test' });
    const march = await calculatePeriod(ctx.database, '2026-03', { planFile, createdBy: 'test' });
    // March window: 1 000 (March) + 2 000 (February) + nothing (January) = 3 000 < 4 000
    expect(march.careerDecisions).toEqual([]);
    // The contest ends in April: March posts no prize.
    expect(march.lines.filter((l) => l.kind === 'contest')).toEqual([]);
  });

  it('promotes on the window: 1 000 + 1 000 + 2 000 points over April, March and February', async () => {
    const april = await calculatePeriod(ctx.database, '2026-04', { planFile, createdBy: 'test' });
    expect(april.careerDecisions).toEqual([
      expect.objectContaining({
        consultantId: s.consultant.M,
        kind: 'promotion',
        fromLevel: 'SENIOR_CONSULTANT',
        toLevel: 'MANAGER',
        effectiveFrom: '2026-05-01',
      }),
    ]);
    expect(april.careerDecisions[0].reason).toContain('вікно 3 період(и): 2026-04, 2026-03, 2026-02');
    expect(april.careerDecisions[0].reason).toContain('груповий 4\u00a0000');
  });

  it('does not promote on April alone when the window is one period', async () => {
    const single = await calculatePeriod(ctx.database, '2026-04', {
      planFile: windowPlanFile(1),
      preview: true,
    });
    expect(single.careerDecisions).toEqual([]);
  });

  it("posts the contest's money prizes with the calculation of its last period, tie broken by code", async () => {
    const prizes = await listAccruals(ctx.database, { periodCode: '2026-04', kind: 'contest' });
    // D 2 000 points (March) and S 1 000 + 1 000 tie; the stated tie-break 'code' puts D first.
    expect(prizes.map((l) => [l.consultantCode, l.rule, l.sourceKind, l.baseKop, l.amountKop])).toEqual([
      ['D', 'contest.Q2-CASH', 'contest', 500_000, 500_000],
      ['S', 'contest.Q2-CASH', 'contest', 150_050, 150_050],
    ]);
    expect(prizes[0].explanation).toContain('Приз конкурсу «Весняний кубок» (Q2-CASH, 2026-03…2026-04)');
    expect(prizes[0].explanation).toContain('1 місце з 2 учасників, результат 2000');
    expect(prizes[1].explanation).toContain('порядок вирішено за code');
    expect(prizes[1].explanation).toContain('приз «Сертифікат» = 1\u00a0500,50 грн');
  });

  it('posts the prizes once: a second calculation of the period supersedes the first run', async () => {
    await calculatePeriod(ctx.database, '2026-04', { planFile, createdBy: 'test' });
    const prizes = await listAccruals(ctx.database, { periodCode: '2026-04', kind: 'contest' });
    expect(prizes.reduce((sum, l) => sum + l.amountKop, 0)).toBe(650_050);
  });
});
