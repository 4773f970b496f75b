/**
 * Period calculation on the database with the default plan (30/40/50/60/70 % of points; DL-SAV10
 * earns 25 points per 100 UAH in year 1), on PGlite and PostgreSQL.
 *
 * Network: D (DIRECTOR) <- M (MANAGER) <- S (CONSULTANT). March 2026 payments:
 *   S: 40 000.00 -> 10 000 points: S 30 % = 3 000.00; M (50-30) % = 2 000.00; D (70-50) % = 2 000.00
 *   M:  8 000.00 ->  2 000 points: M 50 % = 1 000.00;                        D (70-50) % =   400.00
 *   D: 120 000.00 -> 30 000 points: D 70 % = 21 000.00
 *   a policy with no consultant: 5 000.00 -> reported, not calculated
 * Totals: S 3 000.00, M 3 000.00, D 23 400.00 = 29 400.00.
 * Careers: S's personal volume 10 000 >= 3 000 -> SENIOR_CONSULTANT from 2026-04-01.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import YAML from 'yaml';
import {
  calculatePeriod,
  DEFAULT_PLAN_PATH,
  listAccruals,
  periodMetrics,
  whatIf,
} from '../../../back-office/compensation';
import { contestStandings, createContest } from '../../../back-office/contests';
import { describeEachEngine } from '../../support/engines';
import { count, seedNetwork, seedPayment, seedPolicy, type Seeded } from './db-support';

const KNOWN = new Date('2026-06-01T00:00:00Z');

describeEachEngine('period calculation', (ctx) => {
  let s: Seeded;
  let lapsing: number;
  let firstRun: Awaited<ReturnType<typeof calculatePeriod>>;

  beforeAll(async () => {
    const database = ctx.database;
    s = await seedNetwork(database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    lapsing = await seedPolicy(database, s, 'S', { lapseOn: '2026-04-20' });
    await seedPayment(database, lapsing, '2026-03-10', '40000.00');
    await seedPayment(database, await seedPolicy(database, s, 'M'), '2026-03-12', '8000.00');
    await seedPayment(database, await seedPolicy(database, s, 'D'), '2026-03-15', '120000.00');
    await seedPayment(database, await seedPolicy(database, s, null), '2026-03-16', '5000.00');
    await seedPayment(database, await seedPolicy(database, s, 'S'), '2026-02-27', '999.00'); // February: not counted
    await createContest(database, {
      code: 'SPRING',
      name: 'Весняний марафон',
      firstPeriod: '2026-03',
      lastPeriod: '2026-04',
      metric: { kind: 'plan_metric', name: 'personalVolume' },
      tieBreak: ['newPolicies', 'code'],
      prizes: { top: [{ place: 1, prize: 'Поїздка до Карпат' }] },
    });
  });

  it('previews the period without writing anything', async () => {
    const preview = await calculatePeriod(ctx.database, '2026-03', { preview: true, knownAt: KNOWN });
    expect(preview.runId).toBeNull();
    expect(preview.totalKop).toBe(2_940_000);
    expect(await count(ctx.database, 'accrual')).toBe(0);
    expect(await count(ctx.database, 'calculation_run')).toBe(0);
  });

  it('posts the ledger, reports the payment without a consultant and calculates the rest', async () => {
    firstRun = await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN, createdBy: 'test' });
    expect(firstRun.runId).toEqual(expect.any(Number));
    expect(firstRun.missing).toEqual([expect.objectContaining({ kind: 'payment_without_consultant' })]);
    expect(firstRun.missing[0].reason).toMatch(/5\u00a0000,00 грн .* no consultant/);
    const lines = await listAccruals(ctx.database, { periodCode: '2026-03' });
    const by: Record<string, number> = {};
    for (const l of lines)
      by[`${l.consultantCode} ${l.rule}`] = (by[`${l.consultantCode} ${l.rule}`] ?? 0) + l.amountKop;
    expect(by).toEqual({
      'S personal.CONSULTANT': 300_000,
      'M differential.MANAGER': 200_000,
      'D differential.DIRECTOR': 240_000, // 2 000.00 + 400.00
      'M personal.MANAGER': 100_000,
      'D personal.DIRECTOR': 2_100_000,
    });
    const sLine = lines.find((l) => l.consultantCode === 'S')!;
    expect(sLine).toMatchObject({
      baseKop: 4_000_000,
      rate: '7.500000',
      amountKop: 300_000,
      sourceKind: 'payment',
      policyId: lapsing,
      planVersion: '2026.1',
    });
    expect(sLine.explanation).toContain('25 бал. на 100 грн');
    const run = await (ctx.database.db as any).selectFrom('calculation_run').selectAll().executeTakeFirst();
    expect(run).toMatchObject({
      status: 'posted',
      plan_code: 'UA-NETWORK',
      plan_version: '2026.1',
      input_fingerprint: firstRun.fingerprint,
      total_amount: '29400.00',
    });
    const period = await ctx.database.db
      .selectFrom('production_period')
      .selectAll()
      .where('code', '=', '2026-03')
      .executeTakeFirst();
    expect(period?.status).toBe('calculated');
  });

  it('records the promotion as the career from the next period', async () => {
    expect(firstRun.careerDecisions).toEqual([
      expect.objectContaining({
        kind: 'promotion',
        toLevel: 'SENIOR_CONSULTANT',
        effectiveFrom: '2026-04-01',
      }),
    ]);
    const careers = await ctx.database.db
      .selectFrom('consultant_career')
      .select(['level_code', 'valid_from', 'source'])
      .where('consultant_id', '=', s.consultant.S)
      .where('superseded_at', '=', new Date('9999-12-31T00:00:00Z'))
      .orderBy('valid_from')
      .execute();
    expect(careers).toEqual([
      { level_code: 'CONSULTANT', valid_from: '2025-01-01', source: 'initial' },
      { level_code: 'SENIOR_CONSULTANT', valid_from: '2026-04-01', source: 'calculation' },
    ]);
  });

  it('gives the same ledger to the kopiyka when the same inputs are calculated again', async () => {
    const again = await calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN });
    expect(again.fingerprint).toBe(firstRun.fingerprint);
    const rows =
      await sql<any>`select run_id, line_no, consultant_id, kind, source_kind, source_id, rule, base, rate, amount, explanation from accrual order by run_id, line_no`.execute(
        ctx.database.db,
      );
    const strip = (r: any) => ({ ...r, run_id: undefined });
    const first = rows.rows.filter((r: any) => Number(r.run_id) === firstRun.runId).map(strip);
    const second = rows.rows.filter((r: any) => Number(r.run_id) === again.runId).map(strip);
    expect(second).toEqual(first);
    expect(first).toHaveLength(6); // 3 personal + 3 differential lines
    const statuses = await (ctx.database.db as any)
      .selectFrom('calculation_run')
      .select(['id', 'status'])
      .orderBy('id')
      .execute();
    expect(statuses.map((r: any) => r.status)).toEqual(['superseded', 'posted']);
  });

  it('pays the promoted level in April and takes back 11/12 of what the lapsed policy earned', async () => {
    await seedPayment(
      ctx.database,
      await seedPolicy(ctx.database, s, 'S', { issuedOn: '2026-04-02' }),
      '2026-04-05',
      '10000.00',
    );
    const april = await calculatePeriod(ctx.database, '2026-04', { preview: true, knownAt: new Date() });
    // 10 000.00 -> 2 500 points x 40 % (SENIOR_CONSULTANT from 2026-04-01) = 1 000.00
    expect(april.lines.find((l) => l.kind === 'personal')).toMatchObject({
      rule: 'personal.SENIOR_CONSULTANT',
      amountKop: 100_000,
    });
    // The March policy lapsed 2026-04-20 after 1 whole month: (12 - 1)/12 of March earnings back:
    // S 3 000.00 x 11/12 = 2 750.00; M 2 000.00 x 11/12 = 1 833.33; D 2 000.00 x 11/12 = 1 833.33
    const chargebacks = april.lines
      .filter((l) => l.kind === 'chargeback')
      .map((l) => [l.consultantId, l.amountKop]);
    expect(chargebacks).toEqual([
      [s.consultant.D, -183_333],
      [s.consultant.M, -183_333],
      [s.consultant.S, -275_000],
    ]);
  });

  it('reports per consultant and rule what a draft plan would change, posting nothing', async () => {
    const draftFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'what-if-')), 'draft.plan.yaml');
    const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
    doc.version = '2026.2-draft';
    doc.levels[0].personalRate = 35;
    fs.writeFileSync(draftFile, YAML.stringify(doc));
    const before = await count(ctx.database, 'accrual');
    const report = await whatIf(ctx.database, draftFile, '2026-03');
    // S: 10 000 points x 35 % = 3 500.00 (+500.00); M: (50 - 35) % = 1 500.00 (-500.00); D unchanged
    expect(report.rows).toEqual([
      {
        consultantId: s.consultant.M,
        consultantCode: 'M',
        rule: 'differential.MANAGER',
        postedKop: 200_000,
        draftKop: 150_000,
        differenceKop: -50_000,
      },
      {
        consultantId: s.consultant.S,
        consultantCode: 'S',
        rule: 'personal.CONSULTANT',
        postedKop: 300_000,
        draftKop: 350_000,
        differenceKop: 50_000,
      },
    ]);
    expect(report.postedTotalKop).toBe(report.draftTotalKop);
    expect(await count(ctx.database, 'accrual')).toBe(before);
    expect(await count(ctx.database, 'plan_version')).toBe(1);
  });

  it('records contest standings with the run and reads them live at any moment', async () => {
    const recorded = await (ctx.database.db as any)
      .selectFrom('contest_standing')
      .select(['consultant_id', 'place', 'score', 'prize'])
      .where('run_id', '=', firstRun.runId)
      .orderBy('place')
      .execute();
    // personal volume in March: D 30 000, S 10 000, M 2 000 points
    expect(recorded).toEqual([
      { consultant_id: s.consultant.D, place: 1, score: '30000', prize: 'Поїздка до Карпат' },
      { consultant_id: s.consultant.S, place: 2, score: '10000', prize: null },
      { consultant_id: s.consultant.M, place: 3, score: '2000', prize: null },
    ]);
    // Through April (not posted yet: measured live): S adds 2 500 points.
    const live = await contestStandings(ctx.database, 'SPRING', {
      metrics: periodMetrics(ctx.database),
      throughPeriod: '2026-04',
    });
    expect(live.provisional).toBe(false);
    expect(live.standings.map((x) => [x.code, x.place, x.score])).toEqual([
      ['D', 1, '30000'],
      ['S', 2, '12500'],
      ['M', 3, '2000'],
    ]);
  });

  it('refuses to post into a closed period', async () => {
    await ctx.database.db
      .updateTable('production_period')
      .set({ status: 'closed' })
      .where('code', '=', '2026-03')
      .execute();
    await expect(calculatePeriod(ctx.database, '2026-03', { knownAt: KNOWN })).rejects.toThrow(
      'period 2026-03 is closed',
    );
  });
});
