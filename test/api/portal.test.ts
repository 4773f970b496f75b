/**
 * The portal's reads (src/api/routes/portal): income by period and kind, progress towards the next
 * level, the downline's volumes and the network's volume by unit, each in the caller's scope. Units:
 * HQ with BR1 and BR2 under it. Sponsors: D (HQ) sponsors M (BR1) and X (BR2); M sponsors S (BR1);
 * S sponsors Y (BR2). Each consultant sold one policy, paid in 2026-03, and the period is calculated.
 * - A consultant sees their own income only; volumes and progress of themselves and their downline.
 * - A manager sees their unit and its sub-units.
 * - Outside the scope: 404, as for a consultant that does not exist.
 */
import type { FastifyInstance } from 'fastify';
import { OPEN_END, STILL_KNOWN } from '../../src/db';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

const CONSULTANTS = ['D', 'M', 'S', 'X', 'Y'] as const;

describeEachEngine('the portal’s reads in the scope of managers and consultants', (ctx) => {
  let app: FastifyInstance;
  let backOffice: SignedIn;
  const as: Record<string, SignedIn> = {};
  const policy: Record<string, number> = {};
  const person: Record<string, number> = {};

  const json = async (who: SignedIn, url: string) => {
    const response = await who.inject({ url });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const status = async (who: SignedIn, url: string) => (await who.inject({ url })).statusCode;

  beforeAll(async () => {
    const { db } = ctx.database;
    const s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
      ['X', 'D', 'CONSULTANT'],
      ['Y', 'S', 'CONSULTANT'],
    ]);
    const ids = s.consultant;
    await db
      .insertInto('career_level')
      .values(
        ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'].map((code, n) => ({
          code,
          name: code,
          rank_order: n + 1,
        })),
      )
      .execute();
    const unit: Record<string, number> = {};
    for (const code of ['HQ', 'BR1', 'BR2']) {
      const row = await db
        .insertInto('unit')
        .values({ code, name: code, city: null, created_at: new Date('2025-01-01') })
        .returning('id')
        .executeTakeFirstOrThrow();
      unit[code] = Number(row.id);
    }
    const fact = {
      valid_from: '2025-01-01',
      valid_to: OPEN_END,
      recorded_at: new Date('2025-01-01'),
      superseded_at: STILL_KNOWN,
      recorded_by: 'test',
      reason: null,
    };
    await db
      .insertInto('unit_structure')
      .values([
        { unit_id: unit.HQ, parent_unit_id: null, manager_consultant_id: ids.D, ...fact },
        { unit_id: unit.BR1, parent_unit_id: unit.HQ, manager_consultant_id: ids.M, ...fact },
        { unit_id: unit.BR2, parent_unit_id: unit.HQ, manager_consultant_id: ids.X, ...fact },
      ])
      .execute();
    const unitOf = { D: 'HQ', M: 'BR1', S: 'BR1', X: 'BR2', Y: 'BR2' } as const;
    await db
      .insertInto('consultant_unit')
      .values(CONSULTANTS.map((c) => ({ consultant_id: ids[c], unit_id: unit[unitOf[c]], ...fact })))
      .execute();
    for (const c of [...CONSULTANTS, 'A']) {
      const row = await db
        .insertInto('person')
        .values({ person_kind: 'individual', full_name: `Клієнт P-${c}`, created_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      person[c] = Number(row.id);
    }
    const paid = { D: '4000.00', M: '8000.00', S: '40000.00', X: '4000.00', Y: '2000.00' };
    for (const c of CONSULTANTS) {
      policy[c] = await seedPolicy(ctx.database, s, c);
      await db
        .updateTable('policy_version')
        .set({ policyholder_id: person[c] })
        .where('policy_id', '=', policy[c])
        .execute();
      await seedPayment(ctx.database, policy[c], '2026-03-10', paid[c]);
    }
    await db
      .insertInto('production_period')
      .values({
        code: '2026-03',
        starts_on: '2026-03-01',
        ends_on: '2026-03-31',
        status: 'open',
        calculated_at: null,
        closed_at: null,
        closed_by: null,
      })
      .execute();

    app = await buildFullApi(ctx.database);
    backOffice = await signInAs(app, ctx.database, 'back_office');
    const ok = async (request: Parameters<SignedIn['inject']>[0]) => {
      const response = await backOffice.inject(request);
      if (response.statusCode >= 300) throw new Error(`${response.statusCode} ${response.body}`);
      return response.json();
    };
    await ok({ method: 'POST', url: '/api/periods/2026-03/calculate', payload: {} });
    await ok({ method: 'POST', url: '/api/periods/2026-03/close', payload: { closedBy: 'buh' } });
    for (const c of ['S', 'M'])
      as[c] = await signInAs(app, ctx.database, 'consultant', { consultantCode: c });
    for (const u of ['HQ', 'BR1', 'BR2'])
      as[u] = await signInAs(app, ctx.database, 'manager', { unitCode: u });
  });
  afterAll(() => app?.close());

  it('sums a consultant’s own ledger by period and kind, to the kopiyka of the lines', async () => {
    const lines = (await json(as.S, '/api/periods/2026-03/accruals')).items as {
      kind: string;
      amountKop: number;
    }[];
    expect(lines.length).toBeGreaterThan(0);
    const income = await json(as.S, '/api/consultants/S/income?from=2026-01&to=2026-12');
    const total = lines.reduce((sum, l) => sum + l.amountKop, 0);
    expect(income.totalKop).toBe(total);
    expect(income.periods).toHaveLength(1);
    expect(income.periods[0].periodCode).toBe('2026-03');
    expect(income.periods[0].totalKop).toBe(total);
    const byKind: Record<string, number> = {};
    for (const l of lines) byKind[l.kind] = (byKind[l.kind] ?? 0) + l.amountKop;
    expect(
      Object.fromEntries(
        income.periods[0].byKind.map((k: { kind: string; totalKop: number }) => [k.kind, k.totalKop]),
      ),
    ).toEqual(byKind);
    expect(income.kinds).toEqual(Object.keys(byKind).sort());
    // Back office sees the same figures.
    expect((await json(backOffice, '/api/consultants/S/income')).totalKop).toBe(total);
    // A range before any posting: nothing.
    expect((await json(as.S, '/api/consultants/S/income?to=2026-02')).periods).toEqual([]);
  });

  it('shows nobody’s income but the caller’s own to a consultant; a manager their units’', async () => {
    for (const code of ['Y', 'M', 'X', 'NOBODY'])
      expect({ code, status: await status(as.S, `/api/consultants/${code}/income`) }).toEqual({
        code,
        status: 404,
      });
    expect(await status(as.BR1, '/api/consultants/S/income')).toBe(200);
    expect(await status(as.BR1, '/api/consultants/X/income')).toBe(404);
    const refused = await as.S.inject({ url: '/api/consultants/S/income?from=2026-05&to=2026-03' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().message).toContain('querystring.from');
  });

  it('measures the progress towards the next level against the plan’s condition', async () => {
    const progress = await json(as.S, '/api/consultants/S/progress?period=2026-03');
    const volumes = await json(as.S, '/api/consultants/S/downline-volumes?period=2026-03');
    expect(progress).toMatchObject({
      consultantCode: 'S',
      period: '2026-03',
      calculated: true,
      level: { code: 'CONSULTANT' },
      nextLevel: { code: 'SENIOR_CONSULTANT' },
      requirement: 'personalVolume >= 3000 || groupVolume >= 6000',
      window: 1,
    });
    expect(progress.reached.personalVolume).toBe(volumes.own.personalVolume);
    expect(progress.reached.groupVolume).toBe(volumes.own.groupVolume);
    const [personal, group] = progress.alternatives.map(
      (a: { conditions: { metric: string; required: string; reached: string; met: boolean }[] }) =>
        a.conditions[0],
    );
    expect(personal).toMatchObject({
      metric: 'personalVolume',
      required: '3000',
      reached: volumes.own.personalVolume,
    });
    expect(group).toMatchObject({
      metric: 'groupVolume',
      required: '6000',
      reached: volumes.own.groupVolume,
    });
    expect(personal.met).toBe(Number(volumes.own.personalVolume) >= 3000);
    expect(progress.met).toBe(personal.met || group.met);
    // The downline's progress is in scope; the upline's is not.
    expect(await status(as.S, '/api/consultants/Y/progress')).toBe(200);
    expect(await status(as.S, '/api/consultants/M/progress')).toBe(404);
    // A period never calculated measures nothing.
    expect(await json(as.S, '/api/consultants/S/progress?period=2026-01')).toMatchObject({
      calculated: false,
      met: null,
    });
  });

  it('lists the downline with each member’s volumes, in scope', async () => {
    const mine = await json(as.M, '/api/consultants/M/downline-volumes?period=2026-03');
    expect(mine.items.map((i: { code: string }) => i.code)).toEqual(['S', 'Y']);
    expect(mine.total).toBe(2);
    expect(mine.items[1]).toMatchObject({ code: 'Y', generation: 2, sponsorCode: 'S' });
    // Premiums of the downline's policies as paid: S 40 000,00, Y 2 000,00 грн.
    expect(mine.items.map((i: { personalPremiumKop: number }) => i.personalPremiumKop)).toEqual([
      4_000_000, 200_000,
    ]);
    expect(mine.own.personalPremiumKop).toBe(800_000);
    expect(JSON.stringify(mine)).not.toMatch(/amountKop|accrual/i);
    expect(await status(as.S, '/api/consultants/D/downline-volumes')).toBe(404);
    expect(await status(as.BR2, '/api/consultants/M/downline-volumes')).toBe(404);
    const page = await json(as.M, '/api/consultants/M/downline-volumes?page=2&pageSize=1');
    expect({ codes: page.items.map((i: { code: string }) => i.code), total: page.total }).toEqual({
      codes: ['Y'],
      total: 2,
    });
  });

  it('sums the volume by unit, a manager’s units only', async () => {
    const all = await json(backOffice, '/api/network/volumes-by-unit?period=2026-03');
    const byUnit = Object.fromEntries(
      all.items.map((u: { unitCode: string; personalPremiumKop: number }) => [
        u.unitCode,
        u.personalPremiumKop,
      ]),
    );
    expect(byUnit).toEqual({ HQ: 400_000, BR1: 4_800_000, BR2: 600_000 });
    expect(all.totalPremiumKop).toBe(5_800_000);
    const br1 = await json(as.BR1, '/api/network/volumes-by-unit?period=2026-03');
    expect(br1.items.map((u: { unitCode: string }) => u.unitCode)).toEqual(['BR1']);
    expect(br1.totalPremiumKop).toBe(4_800_000);
    const hq = await json(as.HQ, '/api/network/volumes-by-unit');
    expect(hq.period).toBe('2026-03');
    expect(hq.items.map((u: { unitCode: string }) => u.unitCode).sort()).toEqual(['BR1', 'BR2', 'HQ']);
  });
});
