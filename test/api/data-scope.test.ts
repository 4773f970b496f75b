/**
 * What a manager and a consultant see of per-consultant data: the accruals of a period, the acts'
 * register and an act's PDF, and contest standings. Units: HQ with the branches BR1 and BR2 under
 * it; D (HQ) sponsors M (BR1) and X (BR2); M sponsors S (BR1).
 * - A consultant sees only their own accruals and acts (another's by id is 404), and the standings
 *   of themselves and their downline.
 * - A manager sees the consultants of their unit and its sub-units, as of today.
 */
import type { FastifyInstance } from 'fastify';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import {
  closeWithActs,
  seedCareerLevels,
  seedOpenPeriod,
  seedUnits,
  succeeding,
} from '../support/scope-world';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

describeEachEngine('data scope of managers and consultants', (ctx) => {
  let app: FastifyInstance;
  let backOffice: SignedIn;
  const as: Record<string, SignedIn> = {};
  let ids: Record<string, number>;
  const acts: Record<string, string> = {};

  const codesOf = (items: { consultantCode?: string; code?: string }[]) =>
    [...new Set(items.map((i) => i.consultantCode ?? i.code))].sort();

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
      ['X', 'D', 'CONSULTANT'],
    ]);
    ids = s.consultant;
    await seedCareerLevels(ctx.database);
    await seedUnits(
      ctx.database,
      ids,
      { HQ: 'D', BR1: 'M', BR2: 'X' },
      { D: 'HQ', M: 'BR1', S: 'BR1', X: 'BR2' },
    );
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-10', '40000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'M'), '2026-03-12', '8000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'D'), '2026-03-15', '4000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'X'), '2026-03-16', '4000.00');
    await seedOpenPeriod(ctx.database, '2026-03');

    app = await buildFullApi(ctx.database);
    backOffice = await signInAs(app, ctx.database, 'back_office');
    const ok = succeeding(backOffice);
    const produced = await closeWithActs(backOffice, '2026-03');
    for (const issued of produced.issued) acts[issued.consultantCode] = issued.number;
    await ok({
      method: 'POST',
      url: '/api/contests',
      payload: {
        code: 'SPRING',
        name: 'Весна',
        firstPeriod: '2026-03',
        lastPeriod: '2026-03',
        metric: { kind: 'plan_metric', name: 'personalVolume' },
        tieBreak: ['code'],
      },
    });
    for (const c of ['S', 'M'])
      as[c] = await signInAs(app, ctx.database, 'consultant', { consultantCode: c });
    for (const u of ['HQ', 'BR1', 'BR2'])
      as[u] = await signInAs(app, ctx.database, 'manager', { unitCode: u });
  });
  afterAll(() => app?.close());

  const accruals = async (who: SignedIn, query = '') => {
    const response = await who.inject({ url: `/api/periods/2026-03/accruals${query}` });
    return {
      status: response.statusCode,
      codes: response.statusCode === 200 ? codesOf(response.json().items) : [],
    };
  };
  const pdf = async (who: SignedIn, consultant: string) =>
    (await who.inject({ url: `/api/acts/${acts[consultant]}/pdf` })).statusCode;
  const register = async (who: SignedIn) =>
    codesOf((await who.inject({ url: '/api/periods/2026-03/acts/register' })).json().rows);
  const standings = async (who: SignedIn) =>
    codesOf((await who.inject({ url: '/api/contests/SPRING/standings' })).json().standings);

  it('issued acts to everyone, and the back office sees them all', async () => {
    expect(Object.keys(acts).sort()).toEqual(['D', 'M', 'S', 'X']);
    expect((await accruals(backOffice)).codes).toEqual(['D', 'M', 'S', 'X']);
    expect(await register(backOffice)).toEqual(['D', 'M', 'S', 'X']);
    expect(await standings(backOffice)).toEqual(['D', 'M', 'S', 'X']);
  });

  it('shows a consultant only their own accruals and acts; another’s by id is 404', async () => {
    expect(await accruals(as.S)).toEqual({ status: 200, codes: ['S'] });
    expect(await accruals(as.S, `?consultantId=${ids.S}`)).toEqual({ status: 200, codes: ['S'] });
    expect((await accruals(as.S, `?consultantId=${ids.M}`)).status).toBe(404);
    // M's downline is S, yet S's money is S's own.
    expect(await accruals(as.M)).toEqual({ status: 200, codes: ['M'] });
    expect((await accruals(as.M, `?consultantId=${ids.S}`)).status).toBe(404);
    expect(await pdf(as.S, 'S')).toBe(200);
    expect(await pdf(as.S, 'M')).toBe(404);
    expect(await pdf(as.M, 'S')).toBe(404);
    expect(await register(as.S)).toEqual(['S']);
    const totals = (await as.S.inject({ url: '/api/periods/2026-03/acts/register' })).json().totals;
    expect(totals.acts).toBe(1);
  });

  it('shows a consultant the standings of themselves and their downline', async () => {
    expect(await standings(as.S)).toEqual(['S']);
    expect(await standings(as.M)).toEqual(['M', 'S']);
  });

  it('shows a manager their unit and its sub-units', async () => {
    expect(await accruals(as.BR1)).toEqual({ status: 200, codes: ['M', 'S'] });
    expect(await accruals(as.BR2)).toEqual({ status: 200, codes: ['X'] });
    expect(await accruals(as.HQ)).toEqual({ status: 200, codes: ['D', 'M', 'S', 'X'] });
    expect((await accruals(as.BR2, `?consultantId=${ids.S}`)).status).toBe(404);
    expect(await pdf(as.BR1, 'M')).toBe(200);
    expect(await pdf(as.BR1, 'X')).toBe(404);
    expect(await pdf(as.HQ, 'X')).toBe(200);
    expect(await register(as.BR1)).toEqual(['M', 'S']);
    expect(await standings(as.BR2)).toEqual(['X']);
    expect(await standings(as.HQ)).toEqual(['D', 'M', 'S', 'X']);
  });

  it('pages a manager’s accruals over their scope only', async () => {
    const all = (await as.BR1.inject({ url: '/api/periods/2026-03/accruals' })).json().items;
    expect(all.length).toBeGreaterThan(1);
    const second = (await as.BR1.inject({ url: '/api/periods/2026-03/accruals?offset=1&limit=1' })).json()
      .items;
    expect(second).toEqual([all[1]]);
    // Keyset: following `next` a line at a time walks the same lines, in order, and ends with null.
    const walked: unknown[] = [];
    let url = '/api/periods/2026-03/accruals?limit=1';
    for (;;) {
      const page = (await as.BR1.inject({ url })).json();
      walked.push(...page.items);
      if (page.next === null) break;
      expect(page.next).toMatch(/^\d+:\d+$/);
      url = `/api/periods/2026-03/accruals?limit=1&after=${page.next}`;
    }
    expect(walked).toEqual(all);
    expect((await as.BR1.inject({ url: '/api/periods/2026-03/accruals?after=x:1' })).statusCode).toBe(400);
  });

  it('refuses a manager and a consultant every change (403)', async () => {
    for (const who of [as.S, as.BR1]) {
      expect(
        (await who.inject({ method: 'POST', url: '/api/periods/2026-03/calculate', payload: {} })).statusCode,
      ).toBe(403);
      expect((await who.inject({ method: 'POST', url: '/api/contests', payload: {} })).statusCode).toBe(403);
    }
  });
});
