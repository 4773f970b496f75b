/**
 * Careers carry from one closed period into the next during a recalculation: a sponsor change
 * backdated into closed February takes away the group volume that promoted M, so February's
 * promotion is withdrawn from M's career history and closed March, paid at the promoted level, is
 * corrected to the kopiyka. The plan is the default one with a single rule, MANAGER on 4 000 points
 * of group volume; DL-SAV10 earns 25 points per 100 UAH; levels pay CONSULTANT 30 %,
 * SENIOR_CONSULTANT 40 %, MANAGER 50 %, DIRECTOR 70 %.
 */
import { calculatePeriod } from '../../../back-office/compensation';
import { closePeriod, postCorrections, recordSponsorChange } from '../../../back-office/periods';
import { STILL_KNOWN } from '../../../src/db';
import { describeEachEngine } from '../../support/engines';
import { defaultPlanVariant, seedNetwork, seedSale, type Seeded } from '../compensation/db-support';

describeEachEngine('career carried through a recalculation', (ctx) => {
  let s: Seeded;

  beforeAll(async () => {
    const database = ctx.database;
    const planFile = defaultPlanVariant('2026.1-carry', (doc) => {
      doc.careers.qualifications = [{ level: 'MANAGER', promote: 'groupVolume >= 4000' }];
    });
    s = await seedNetwork(database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'SENIOR_CONSULTANT'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    const sale = (who: string, issuedOn: string, paidOn: string, amount: string) =>
      seedSale(database, s, who, issuedOn, paidOn, amount);
    await sale('S', '2026-02-01', '2026-02-10', '16000.00'); // 4 000 points: M's group volume
    await sale('S', '2026-03-01', '2026-03-10', '4000.00'); // 1 000 points
    await sale('M', '2026-03-01', '2026-03-12', '2000.00'); // 500 points
    // D's own 1 000 points meet the plan's personal minimum for structural commission in March.
    await sale('D', '2026-03-01', '2026-03-15', '4000.00');
    const february = await calculatePeriod(database, '2026-02', { planFile, createdBy: 'test' });
    expect(february.careerDecisions).toEqual([
      expect.objectContaining({
        consultantId: s.consultant.M,
        toLevel: 'MANAGER',
        effectiveFrom: '2026-03-01',
      }),
    ]);
    await closePeriod(database, '2026-02', { closedBy: 'buh' });
    const march = await calculatePeriod(database, '2026-03', { createdBy: 'test' });
    // M is paid as MANAGER in March: own sale 500 points x 50 % = 250.00
    expect(march.lines.find((l) => l.consultantId === s.consultant.M && l.kind === 'personal')).toMatchObject(
      {
        rule: 'personal.MANAGER',
        amountKop: 25_000,
      },
    );
    await closePeriod(database, '2026-03', { closedBy: 'buh' });
  });

  it('withdraws the promotion and corrects March to the kopiyka', async () => {
    await recordSponsorChange(ctx.database, {
      consultantCode: 'S',
      sponsorCode: 'D',
      validFrom: '2026-02-01',
      reason: 'договір S укладено в структурі D',
      recordedBy: 'hr',
      // Inside closed periods: as the approval flow applies it (back-office/periods/approvals.ts).
      approvedBy: 'dir.koval',
    });
    const report = await postCorrections(ctx.database, { postedBy: 'buh' });
    expect(report.postedIn).toBe('2026-04');
    const [february, march] = report.periods;
    // February: S's sale now goes straight to D. M (no own sales: inactive) was compressed and D
    // (below the personal minimum) skipped anyway, so no line changes; but M's group volume is now 0,
    // so the promotion goes.
    expect(february.lines).toEqual([]);
    expect(february.careerAdjustments).toEqual([
      expect.objectContaining({
        consultantId: s.consultant.M,
        validFrom: '2026-03-01',
        fromLevel: 'MANAGER',
        toLevel: 'SENIOR_CONSULTANT',
      }),
    ]);
    // March, as it should have been: M at SENIOR_CONSULTANT (40 %), S directly under D.
    //   M's own sale, 500 points: personal 50 % = 250.00 -> 40 % = 200.00 (a new rule key)
    //   S's sale, 1 000 points: M's differential (50 - 30) % = 200.00 -> none;
    //                           D's (70 - 50) % = 200.00 -> (70 - 30) % = 400.00
    //   M's sale: D's differential (70 - 50) % = 100.00 -> (70 - 40) % = 150.00
    const by = march.lines.map((l) => [l.consultantCode, l.kind, l.rule, l.amountKop]);
    expect(by).toEqual(
      expect.arrayContaining([
        ['M', 'storno', 'personal.MANAGER', -25_000],
        ['M', 'additional', 'personal.SENIOR_CONSULTANT', 20_000],
        ['M', 'storno', 'differential.MANAGER', -20_000],
        ['D', 'storno', 'differential.DIRECTOR', -20_000],
        ['D', 'additional', 'differential.DIRECTOR', 40_000],
        ['D', 'storno', 'differential.DIRECTOR', -10_000],
        ['D', 'additional', 'differential.DIRECTOR', 15_000],
      ]),
    );
    expect(by).toHaveLength(7);
    expect(march.stornoKop).toBe(-75_000);
    expect(march.additionalKop).toBe(75_000);
    // The career history now says SENIOR_CONSULTANT from March on, with the withdrawal's reason.
    const careers = await ctx.database.db
      .selectFrom('consultant_career')
      .select(['level_code', 'valid_from', 'valid_to', 'reason'])
      .where('consultant_id', '=', s.consultant.M)
      .where('superseded_at', '=', STILL_KNOWN)
      .orderBy('valid_from')
      .execute();
    expect(careers.map((c) => c.level_code)).not.toContain('MANAGER');
    expect(careers[careers.length - 1]).toMatchObject({
      level_code: 'SENIOR_CONSULTANT',
      valid_from: '2026-03-01',
    });
    expect(careers[careers.length - 1].reason).toContain('більше не виконується');
  });

  it('posts nothing when run again', async () => {
    const again = await postCorrections(ctx.database, { postedBy: 'buh', fromPeriod: '2026-02' });
    expect(again.periods.flatMap((p) => [...p.lines, ...p.careerAdjustments])).toEqual([]);
  });
});
