/**
 * Hand-computed scenarios. The test plan pays 10/20/30/40/50 % of points at CONSULTANT /
 * SENIOR_CONSULTANT / MANAGER / SENIOR_MANAGER / DIRECTOR, and a first-year savings payment earns one
 * point per hryvnia, so for such a payment "x % of points" is simply "x % of the premium".
 */
import { calculate, type CalculationResult } from '../../../back-office/compensation/engine';
import { amountsBy, periodOf, Scenario, testPlan } from './scenario-support';

const kinds = (s: Scenario, r: CalculationResult) => amountsBy(s, r.lines);

describe('differential (stairstep) commission', () => {
  it('pays the second upline at the same level nothing extra', () => {
    // S (CONSULTANT 10 %) -> U1 (MANAGER 30 %) -> U2 (MANAGER 30 %) -> U3 (DIRECTOR 50 %)
    const s = new Scenario([
      { code: 'U3', sponsor: null, level: 'DIRECTOR' },
      { code: 'U2', sponsor: 'U3', level: 'MANAGER' },
      { code: 'U1', sponsor: 'U2', level: 'MANAGER' },
      { code: 'S', sponsor: 'U1', level: 'CONSULTANT' },
    ]);
    s.pay('S', '1000.00');
    const r = calculate(testPlan(), s.inputs());
    // S personal: 1000.00 x 10 %            = 100.00
    // U1: (30 % - 10 %) x 1000.00           = 200.00
    // U2: (30 % - 30 %) x 1000.00           =   0.00 -> no line at all
    // U3: (50 % - 30 %) x 1000.00           = 200.00
    expect(kinds(s, r)).toEqual({ 'S personal': 10000, 'U1 structural': 20000, 'U3 structural': 20000 });
    expect(r.lines.some((l) => l.consultantId === s.id('U2'))).toBe(false);
    const u3 = r.lines.find((l) => l.consultantId === s.id('U3'))!;
    expect(u3).toMatchObject({
      rule: 'differential.DIRECTOR',
      baseKop: 100000,
      rate: '20.000000',
      sourceKind: 'payment',
      downlineConsultantId: s.id('S'),
    });
    expect(u3.explanation).toContain('50% рівня DIRECTOR − 30% вже виплачено нижче, U1');
    expect(r.totalKop).toBe(50000); // never more than the top rate: 50 % of 1000.00
  });

  it('pays a gap of several levels in one step', () => {
    // S (CONSULTANT 10 %) -> D (DIRECTOR 50 %): D earns 50 - 10 = 40 % of 2500.00 = 1000.00
    const s = new Scenario([
      { code: 'D', sponsor: null, level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D', level: 'CONSULTANT' },
    ]);
    s.pay('S', '2500.00');
    const r = calculate(testPlan(), s.inputs());
    expect(kinds(s, r)).toEqual({ 'S personal': 25000, 'D structural': 100000 });
  });

  it('counts renewal points: 50 points per 100 UAH in year 2', () => {
    // 1000.00 renewal premium = 500 points; S 10 % = 50.00; D 40 % = 200.00
    const s = new Scenario([
      { code: 'D', sponsor: null, level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D', level: 'CONSULTANT' },
    ]);
    s.pay('S', '1000.00', { policyYear: 2 });
    const r = calculate(testPlan(), s.inputs());
    expect(kinds(s, r)).toEqual({ 'S personal': 5000, 'D structural': 20000 });
    expect(r.lines[0].rate).toBe('5.000000'); // 50 points per 100 UAH x 10 % = 5 % of the premium
  });
});

describe('compression', () => {
  const members = [
    { code: 'SM', sponsor: null, level: 'SENIOR_MANAGER' },
    { code: 'M', sponsor: 'SM', level: 'MANAGER', status: 'inactive' as const },
    { code: 'S', sponsor: 'M', level: 'CONSULTANT' },
  ];

  it('passes an inactive upline by: the next active one earns its difference', () => {
    const s = new Scenario(members);
    s.pay('S', '1000.00');
    const r = calculate(testPlan(), s.inputs());
    // M is inactive and skipped; SM: (40 % - 10 %) x 1000.00 = 300.00
    expect(kinds(s, r)).toEqual({ 'S personal': 10000, 'SM structural': 30000 });
    expect(r.metrics.find((m) => m.consultantId === s.id('M'))!.active).toBe(false);
  });

  it("without compression the inactive upline's difference is forfeited", () => {
    const s = new Scenario(members);
    s.pay('S', '1000.00');
    const plan = testPlan({ structural: { method: 'differential', compression: { skipInactive: false } } });
    const r = calculate(plan, s.inputs());
    // M would have earned 20 % but is inactive: nobody gets it; SM: (40 % - 30 %) x 1000.00 = 100.00
    expect(kinds(s, r)).toEqual({ 'S personal': 10000, 'SM structural': 10000 });
  });

  it('derives activity from the plan rule when no manual status stands', () => {
    // activity: personal sales in the period. M sold nothing, so it is inactive and compressed.
    const s = new Scenario(members.map((m) => ({ ...m, status: undefined })));
    s.pay('S', '1000.00');
    s.pay('SM', '100.00');
    const r = calculate(testPlan({ activity: { condition: 'personalVolume > 0' } }), s.inputs());
    // SM personal 40 % x 100.00 = 40.00; SM structural (40 % - 10 %) x 1000.00 = 300.00
    expect(kinds(s, r)).toEqual({ 'S personal': 10000, 'SM personal': 4000, 'SM structural': 30000 });
  });
});

describe('compression past an unqualified upline', () => {
  // SM (SENIOR_MANAGER 40 %) -> M (MANAGER 30 %) -> S (CONSULTANT 10 %); all active. Structural
  // commission needs 500 points of personal volume in the period: M sells only 100, so M is
  // active but unqualified.
  const members = [
    { code: 'SM', sponsor: null, level: 'SENIOR_MANAGER' },
    { code: 'M', sponsor: 'SM', level: 'MANAGER' },
    { code: 'S', sponsor: 'M', level: 'CONSULTANT' },
  ];
  const planWith = (skipUnqualified: boolean) =>
    testPlan({
      structural: {
        method: 'differential',
        compression: { skipInactive: true, skipUnqualified },
        qualification: { condition: 'personalVolume >= 500' },
      },
    });
  const sales = () => {
    const s = new Scenario(members);
    s.pay('S', '1000.00');
    s.pay('M', '100.00');
    s.pay('SM', '600.00');
    return s;
  };

  it('skips the unqualified upline: the next qualified one earns the difference', () => {
    const s = sales();
    const r = calculate(planWith(true), s.inputs());
    // Personal: S 10 % x 1000.00 = 100.00; M 30 % x 100.00 = 30.00; SM 40 % x 600.00 = 240.00
    // S's sale: M is passed over; SM (40 % - 10 %) x 1000.00 = 300.00
    // M's sale: SM (40 % - 30 %) x 100.00 = 10.00 (M is still paid its own level on its own sale)
    expect(kinds(s, r)).toEqual({
      'S personal': 10000,
      'M personal': 3000,
      'SM personal': 24000,
      'SM structural': 31000,
    });
    const m = r.metrics.find((x) => x.consultantId === s.id('M'))!;
    expect([m.active, m.qualified]).toEqual([true, false]);
    const line = r.lines.find((l) => l.consultantId === s.id('SM') && l.amountKop === 30000)!;
    expect(line.explanation).toContain('стиснення: пропущено M (не виконав кваліфікацію)');
  });

  it("without skipping, the unqualified upline's difference is forfeited", () => {
    const s = sales();
    const r = calculate(planWith(false), s.inputs());
    // S's sale: M would earn 20 % but is unqualified: nobody gets it; SM (40 % - 30 %) x 1000.00 = 100.00
    // M's sale: SM (40 % - 30 %) x 100.00 = 10.00
    expect(kinds(s, r)).toEqual({
      'S personal': 10000,
      'M personal': 3000,
      'SM personal': 24000,
      'SM structural': 11000,
    });
  });
});

describe('generation override', () => {
  it('pays directors above a director 4 % and 2 % for the first two generations', () => {
    // S (CONSULTANT) -> D3 -> D2 -> D1 -> D0, all directors (50 %), generations [4, 2]
    const s = new Scenario([
      { code: 'D0', sponsor: null, level: 'DIRECTOR' },
      { code: 'D1', sponsor: 'D0', level: 'DIRECTOR' },
      { code: 'D2', sponsor: 'D1', level: 'DIRECTOR' },
      { code: 'D3', sponsor: 'D2', level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D3', level: 'CONSULTANT' },
    ]);
    s.pay('S', '1000.00');
    const plan = testPlan({
      structural: {
        method: 'differential',
        compression: { skipInactive: true },
        generationOverride: { fromLevel: 'DIRECTOR', generations: [4, 2] },
      },
    });
    const r = calculate(plan, s.inputs());
    // S personal 10 % = 100.00; D3 differential 50 - 10 = 40 % = 400.00 (first director: no override)
    // D2: differential 0; generation 1 (one director below): 4 % = 40.00
    // D1: generation 2: 2 % = 20.00; D0: generation 3 is beyond the plan: nothing
    expect(kinds(s, r)).toEqual({
      'S personal': 10000,
      'D3 structural': 40000,
      'D2 override': 4000,
      'D1 override': 2000,
    });
    expect(r.lines.find((l) => l.kind === 'override' && l.consultantId === s.id('D1'))!.rule).toBe(
      'generation.2',
    );
  });
});

describe('careers', () => {
  const promotionPlan = (takesEffect: 'next_period' | 'current_period') =>
    testPlan({
      careers: {
        promotionTakesEffect: takesEffect,
        qualifications: [{ level: 'MANAGER', promote: 'groupVolume >= 5000' }],
      },
    });
  const chain = () =>
    new Scenario([
      { code: 'T', sponsor: null, level: 'DIRECTOR' },
      { code: 'M', sponsor: 'T', level: 'SENIOR_CONSULTANT' },
      { code: 'S', sponsor: 'M', level: 'CONSULTANT' },
    ]);

  it('promotes a consultant in the middle of the chain from the next period', () => {
    const s = chain();
    s.pay('S', '6000.00');
    const march = calculate(promotionPlan('next_period'), s.inputs('2026-03'));
    // March: M's group volume 6000 >= 5000 -> MANAGER from 2026-04-01; March is still paid at 20 %:
    // M (20 % - 10 %) x 6000.00 = 600.00; T (50 % - 20 %) x 6000.00 = 1800.00
    expect(kinds(s, march)).toEqual({ 'S personal': 60000, 'M structural': 60000, 'T structural': 180000 });
    expect(march.careerDecisions).toEqual([
      expect.objectContaining({
        consultantId: s.id('M'),
        kind: 'promotion',
        fromLevel: 'SENIOR_CONSULTANT',
        toLevel: 'MANAGER',
        effectiveFrom: '2026-04-01',
      }),
    ]);
    // The decision is recorded as the career from 2026-04-01; April pays M at 30 %:
    s.changeLevel('M', '2026-04-01', 'MANAGER');
    s.payments = [];
    s.pay('S', '1000.00', { paidOn: '2026-04-10', soldOn: '2026-04-01' });
    const april = calculate(promotionPlan('next_period'), s.inputs('2026-04'));
    // M (30 % - 10 %) x 1000.00 = 200.00; T (50 % - 30 %) x 1000.00 = 200.00
    expect(kinds(s, april)).toEqual({ 'S personal': 10000, 'M structural': 20000, 'T structural': 20000 });
  });

  it('pays the new level at once when the plan says promotions take effect in the same period', () => {
    const s = chain();
    s.pay('S', '6000.00');
    const r = calculate(promotionPlan('current_period'), s.inputs('2026-03'));
    // M (30 % - 10 %) x 6000.00 = 1200.00; T (50 % - 30 %) x 6000.00 = 1200.00
    expect(kinds(s, r)).toEqual({ 'S personal': 60000, 'M structural': 120000, 'T structural': 120000 });
    expect(r.careerDecisions[0].effectiveFrom).toBe('2026-03-01');
  });

  it('uses the level in force on each payment date when the career changes mid-period', () => {
    const s = chain();
    s.changeLevel('M', '2026-03-15', 'MANAGER');
    s.pay('S', '1000.00', { paidOn: '2026-03-10' }); // M at 20 %: 10 % = 100.00; T 30 % = 300.00
    s.pay('S', '1000.00', { paidOn: '2026-03-20' }); // M at 30 %: 20 % = 200.00; T 20 % = 200.00
    const r = calculate(testPlan(), s.inputs('2026-03'));
    expect(kinds(s, r)).toEqual({ 'S personal': 20000, 'M structural': 30000, 'T structural': 50000 });
  });

  it('pays one level lower while maintenance fails, and demotes when the demotion rule holds', () => {
    const s = new Scenario([
      { code: 'D', sponsor: null, level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D', level: 'CONSULTANT' },
    ]);
    s.pay('S', '1000.00');
    const plan = testPlan({
      careers: {
        promotionTakesEffect: 'next_period',
        qualifications: [
          {
            level: 'DIRECTOR',
            promote: 'false',
            maintain: 'groupVolume >= 5000',
            demote: 'groupVolume < 2000',
          },
        ],
      },
    });
    const r = calculate(plan, s.inputs());
    // D's group volume is 1000: paid as SENIOR_MANAGER (40 %): (40 % - 10 %) x 1000.00 = 300.00
    expect(kinds(s, r)).toEqual({ 'S personal': 10000, 'D structural': 30000 });
    const d = r.metrics.find((m) => m.consultantId === s.id('D'))!;
    expect([d.careerLevel, d.paidLevel]).toEqual(['DIRECTOR', 'SENIOR_MANAGER']);
    expect(r.careerDecisions).toEqual([
      expect.objectContaining({ kind: 'demotion', toLevel: 'SENIOR_MANAGER', effectiveFrom: '2026-04-01' }),
    ]);
  });
});

describe('qualification over a rolling window of periods', () => {
  const million = 1_000_000;
  /** Earlier periods' volumes of one consultant, newest first, in points. */
  const prior = (id: number, groupPoints: number[]) =>
    groupPoints.map((g, i) => ({
      code: `2026-0${2 - i}`,
      volumes: new Map([
        [id, { personalVolumeU: 0, groupVolumeU: g * million, personalPremiumKop: 0, newPolicies: 0 }],
      ]),
    }));
  const windowPlan = (window: number) =>
    testPlan({
      careers: {
        promotionTakesEffect: 'next_period',
        qualifications: [
          { level: 'MANAGER', promote: 'groupVolume >= 5000', window },
          { level: 'DIRECTOR', promote: 'false', maintain: 'groupVolume >= 5000', window },
        ],
      },
    });

  it('promotes when the sum over the window reaches the threshold, not on the period alone', () => {
    const s = new Scenario([
      { code: 'T', sponsor: null, level: 'SENIOR_MANAGER' },
      { code: 'M', sponsor: 'T', level: 'SENIOR_CONSULTANT' },
      { code: 'S', sponsor: 'M', level: 'CONSULTANT' },
    ]);
    s.pay('S', '2000.00');
    // March 2 000 + February 2 000 + January 1 500 = 5 500 >= 5 000 with a window of three
    const inputs = { ...s.inputs(), prior: prior(s.id('M'), [2000, 1500]) };
    expect(calculate(windowPlan(3), inputs).careerDecisions).toEqual([
      expect.objectContaining({ consultantId: s.id('M'), toLevel: 'MANAGER', effectiveFrom: '2026-04-01' }),
    ]);
    // Two periods: 2 000 + 2 000 = 4 000 < 5 000; one period: 2 000
    expect(calculate(windowPlan(2), inputs).careerDecisions).toEqual([]);
    expect(calculate(windowPlan(1), inputs).careerDecisions).toEqual([]);
  });

  it('maintains a level on the window: a weak month between two strong ones keeps the level paid', () => {
    const s = new Scenario([
      { code: 'D', sponsor: null, level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D', level: 'CONSULTANT' },
    ]);
    s.pay('S', '1000.00');
    const inputs = { ...s.inputs(), prior: prior(s.id('D'), [3000, 2000]) };
    // Window of three: 1 000 + 3 000 + 2 000 = 6 000 >= 5 000: paid as DIRECTOR, (50 % - 10 %) = 400.00
    expect(kinds(s, calculate(windowPlan(3), inputs))).toEqual({
      'S personal': 10000,
      'D structural': 40000,
    });
    // This period only: 1 000 < 5 000: paid one level lower, (40 % - 10 %) = 300.00
    expect(kinds(s, calculate(windowPlan(1), inputs))).toEqual({
      'S personal': 10000,
      'D structural': 30000,
    });
  });

  it('puts the earlier periods into the fingerprint', () => {
    const s = new Scenario([{ code: 'D', sponsor: null, level: 'DIRECTOR' }]);
    s.pay('D', '100.00');
    const a = calculate(windowPlan(3), { ...s.inputs(), prior: prior(s.id('D'), [3000, 2000]) });
    const b = calculate(windowPlan(3), { ...s.inputs(), prior: prior(s.id('D'), [3000, 2001]) });
    expect(a.fingerprint).not.toBe(b.fingerprint);
  });
});

describe('chargebacks', () => {
  const plan = testPlan({
    chargebacks: [
      { code: 'LIFE', withinMonths: 12, mode: 'proportional', groups: ['savings'] },
      { code: 'MOTOR', withinMonths: 3, mode: 'full', groups: ['motor'] },
    ],
  });
  const s = () =>
    new Scenario([
      { code: 'U', sponsor: null, level: 'MANAGER' },
      { code: 'S', sponsor: 'U', level: 'CONSULTANT' },
    ]);

  it('takes back a proportional part inside the window and nothing outside it', () => {
    const sc = s();
    const [S, U] = [sc.id('S'), sc.id('U')];
    // P1 started 2026-01-10, lapsed 2026-06-20: 5 whole months in force, inside 12.
    sc.lapses.push({
      policyId: 1,
      policyNumber: 'P1',
      productCode: 'DL-SAV10',
      productGroup: 'savings',
      startedOn: '2026-01-10',
      lapsedOn: '2026-06-20',
      status: 'terminated',
    });
    // P2 started 2025-05-01, lapsed 2026-06-01: 13 months, outside the window.
    sc.lapses.push({
      policyId: 2,
      policyNumber: 'P2',
      productCode: 'DL-SAV10',
      productGroup: 'savings',
      startedOn: '2025-05-01',
      lapsedOn: '2026-06-01',
      status: 'terminated',
    });
    sc.earnings.push(
      { policyId: 1, consultantId: S, amountKop: 100000 },
      { policyId: 1, consultantId: U, amountKop: 200000 },
    );
    sc.earnings.push({ policyId: 2, consultantId: S, amountKop: 50000 });
    const r = calculate(plan, sc.inputs('2026-06'));
    // P1: (12 - 5) / 12 = 7/12 of what it earned:
    //   S: 1000.00 x 7/12 = 583.333… -> 583.33;  U: 2000.00 x 7/12 = 1166.666… -> 1166.67
    expect(r.lines.map((l) => [sc.code(l.consultantId), l.kind, l.sourceId, l.amountKop])).toEqual([
      ['U', 'chargeback', 1, -116667], // lines in consultant id order: U is 1, S is 2
      ['S', 'chargeback', 1, -58333],
    ]);
    expect(r.lines[1].explanation).toContain('7/12');
  });

  it('takes back everything, including what the policy earned this period, under a full rule', () => {
    const sc = s();
    // Motor policy started 2026-04-01, lapsed 2026-06-15: 2 months < 3.
    sc.lapses.push({
      policyId: 7,
      policyNumber: 'K7',
      productCode: 'KASKO-STD',
      productGroup: 'motor',
      startedOn: '2026-04-01',
      lapsedOn: '2026-06-15',
      status: 'cancelled',
    });
    sc.earnings.push({ policyId: 7, consultantId: sc.id('S'), amountKop: 1500 });
    // A June payment of 2000.00 on it: 10 points per 100 UAH = 200 points; S 10 % = 20.00, U 20 % = 40.00
    sc.pay('S', '2000.00', {
      policyId: 7,
      productCode: 'KASKO-STD',
      productGroup: 'motor',
      paidOn: '2026-06-05',
      soldOn: '2026-04-01',
    });
    const r = calculate(plan, sc.inputs('2026-06'));
    const cb = amountsBy(
      sc,
      r.lines.filter((l) => l.kind === 'chargeback'),
    );
    // S: 15.00 earned before + 20.00 now = 35.00 back; U: 40.00 back
    expect(cb).toEqual({ 'S chargeback': -3500, 'U chargeback': -4000 });
  });
});

describe('bonuses', () => {
  const plan = testPlan({
    bonuses: [
      {
        code: 'FAST_START',
        name: 'Швидкий старт',
        levels: ['CONSULTANT'],
        condition: 'newPolicies >= 3 && personalVolume >= 2000',
        base: 'personalVolume',
        rate: '5',
      },
    ],
  });

  it('pays when the condition is just met and not when it is just missed', () => {
    const s = new Scenario([
      { code: 'A', sponsor: null, level: 'CONSULTANT' },
      { code: 'B', sponsor: null, level: 'CONSULTANT' },
      { code: 'C', sponsor: null, level: 'CONSULTANT' },
    ]);
    // A: three new policies, 2000.00 points exactly -> 2000.00 x 5 % = 100.00
    s.pay('A', '1000.00');
    s.pay('A', '500.00');
    s.pay('A', '500.00');
    // B: three new policies, 1999.99 points -> missed by one kopiyka of volume
    s.pay('B', '1000.00');
    s.pay('B', '500.00');
    s.pay('B', '499.99');
    // C: 2 new policies (a second payment on the same policy is not a new policy), 3000 points -> missed
    s.pay('C', '1000.00', { policyId: 77 });
    s.pay('C', '1000.00', { policyId: 77 });
    s.pay('C', '1000.00');
    const r = calculate(plan, s.inputs());
    const bonuses = r.lines.filter((l) => l.kind === 'bonus');
    expect(bonuses.map((l) => [s.code(l.consultantId), l.rule, l.baseKop, l.rate, l.amountKop])).toEqual([
      ['A', 'bonus.FAST_START', 200000, '5.000000', 10000],
    ]);
    expect(bonuses[0].explanation).toContain('newPolicies >= 3 && personalVolume >= 2000');
  });
});

describe('rounding', () => {
  it('rounds each of many small lines once, so the total is the sum of rounded lines', () => {
    const s = new Scenario([{ code: 'S', sponsor: null, level: 'CONSULTANT' }]);
    for (let i = 0; i < 1000; i++) s.pay('S', '3.33');
    const r = calculate(testPlan(), s.inputs());
    // each line: 3.33 x 10 % = 0.333 -> 0.33; 1000 lines = 330.00 (not 333.00 rounded once overall)
    expect(r.lines).toHaveLength(1000);
    expect(r.lines.every((l) => l.amountKop === 33)).toBe(true);
    expect(r.totalKop).toBe(33000);
  });

  it.each([
    ['half_up', 7 + 2 * 2],
    ['half_even', 0 + 2 * 2],
    ['down', 0 + 2 * 1],
  ] as const)('applies the plan rule %s to half kopiyky', (rounding, expected) => {
    const s = new Scenario([{ code: 'S', sponsor: null, level: 'CONSULTANT' }]);
    // 0.05 x 10 % = 0.5 kop (seven times); 0.15 x 10 % = 1.5 kop (twice)
    for (let i = 0; i < 7; i++) s.pay('S', '0.05');
    for (let i = 0; i < 2; i++) s.pay('S', '0.15');
    const r = calculate(testPlan({ rounding }), s.inputs());
    // half_up: 7 x 1 + 2 x 2 = 11; half_even: 0.5 -> 0, 1.5 -> 2: 4; down: 0 + 2 x 1 = 2
    expect(r.totalKop).toBe(expected);
  });
});

describe('missing inputs and determinism', () => {
  it('reports a payment whose policy has no consultant and calculates the rest', () => {
    const s = new Scenario([{ code: 'S', sponsor: null, level: 'CONSULTANT' }]);
    s.pay(null, '500.00', { policyNumber: 'DL-2026-000107' });
    s.pay('S', '1000.00');
    const r = calculate(testPlan(), s.inputs());
    expect(r.missing).toEqual([
      expect.objectContaining({ kind: 'payment_without_consultant', sourceKind: 'payment', sourceId: 1 }),
    ]);
    expect(r.missing[0].reason).toContain('DL-2026-000107');
    expect(r.totalKop).toBe(10000);
  });

  it('gives the same lines and fingerprint whatever order the inputs come in', () => {
    const build = (reverse: boolean) => {
      const s = new Scenario([
        { code: 'D', sponsor: null, level: 'DIRECTOR' },
        { code: 'M', sponsor: 'D', level: 'MANAGER' },
        { code: 'S', sponsor: 'M', level: 'CONSULTANT' },
      ]);
      for (let i = 0; i < 20; i++)
        s.pay(i % 2 ? 'S' : 'M', `${100 + i}.${i % 10}7`, {
          paidOn: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
        });
      if (reverse) s.payments.reverse();
      return calculate(testPlan(), s.inputs());
    };
    const [a, b] = [build(false), build(true)];
    expect(a.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(b.lines).toEqual(a.lines);
  });

  it('uses the period bounds in the fingerprint', () => {
    const s = new Scenario([{ code: 'S', sponsor: null, level: 'CONSULTANT' }]);
    s.pay('S', '1.00');
    expect(calculate(testPlan(), { ...s.inputs(), period: periodOf('2026-03') }).fingerprint).not.toBe(
      calculate(testPlan(), { ...s.inputs(), period: periodOf('2026-04') }).fingerprint,
    );
  });
});

describe('line shape', () => {
  it('serialises every line as plain data with its explanation', () => {
    const s = new Scenario([
      { code: 'D', sponsor: null, level: 'DIRECTOR' },
      { code: 'S', sponsor: 'D', level: 'CONSULTANT' },
    ]);
    s.pay('S', '100.00');
    const [personal, structural] = JSON.parse(JSON.stringify(calculate(testPlan(), s.inputs()).lines));
    expect(Object.keys(personal).sort()).toEqual([
      'amountKop',
      'baseKop',
      'consultantId',
      'downlineConsultantId',
      'explanation',
      'kind',
      'lineNo',
      'periodCode',
      'planVersion',
      'policyId',
      'rate',
      'rule',
      'sourceId',
      'sourceKind',
    ]);
    // 100.00 x 40 % (50 - 10) = 40.00
    expect(structural).toMatchObject({
      kind: 'structural',
      rule: 'differential.DIRECTOR',
      rate: '40.000000',
      amountKop: 4000,
      downlineConsultantId: s.id('S'),
    });
    expect(structural.explanation).toMatch(
      /^Структурна комісія \(диференціал\) з продажу S: платіж 100,00 грн/,
    );
  });
});
