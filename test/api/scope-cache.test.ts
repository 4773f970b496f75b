/**
 * A consultant's scope (themselves and their downline) is computed once and reused between requests
 * (src/auth/scope.ts): it must still follow the network. D sponsors M, M sponsors S and T. M is
 * signed in; S is moved under D, and on M's very next request S is gone from M's downline and M's
 * view of S's card; moved back under T, S is in M's downline again.
 */
import type { FastifyInstance } from 'fastify';
import { OPEN_END, STILL_KNOWN } from '../../src/db';
import { seedNetwork } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import { SINCE_2025 } from '../support/scope-world';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

describeEachEngine('a cached scope follows the network', (ctx) => {
  let app: FastifyInstance;
  let backOffice: SignedIn;
  let manager: SignedIn;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    const seeded = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
      ['T', 'M', 'CONSULTANT'],
    ]);
    // Active, so that they may sponsor.
    await ctx.database.db
      .insertInto('consultant_activity_status')
      .values(
        Object.values(seeded.consultant).map((id) => ({
          consultant_id: id,
          status: 'active',
          source: 'initial',
          ...SINCE_2025,
        })),
      )
      .execute();
    app = await buildFullApi(ctx.database);
    backOffice = await signInAs(app, ctx.database, 'back_office');
    manager = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'M' });
  });
  afterAll(async () => app?.close());

  const downlineOf = async (who: SignedIn, code: string) => {
    const response = await who.inject({ method: 'GET', url: `/api/consultants/${code}/downline` });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    return { codes: body.items.map((i: { code: string }) => i.code).sort(), total: body.total };
  };
  const transfer = async (code: string, sponsorCode: string) => {
    const response = await backOffice.inject({
      method: 'POST',
      url: `/api/consultants/${code}/transfer`,
      payload: { sponsorCode, effectiveOn: today, reason: 'test', recordedBy: 'test' },
    });
    expect([response.statusCode, response.statusCode < 300 ? '' : response.body]).toEqual([200, '']);
  };

  it('leaves out on the next request a consultant moved out of the downline, and shows one moved in', async () => {
    expect(await downlineOf(manager, 'M')).toEqual({ codes: ['S', 'T'], total: 2 });
    expect((await manager.inject({ method: 'GET', url: '/api/consultants/S' })).statusCode).toBe(200);
    const card = (await manager.inject({ method: 'GET', url: '/api/consultants/M' })).json();
    expect(card.totalDownline).toBe(2);

    await transfer('S', 'D');
    expect(await downlineOf(manager, 'M')).toEqual({ codes: ['T'], total: 1 });
    expect((await manager.inject({ method: 'GET', url: '/api/consultants/S' })).statusCode).toBe(404);
    expect((await manager.inject({ method: 'GET', url: '/api/consultants/M' })).json().totalDownline).toBe(1);

    await transfer('S', 'T');
    expect(await downlineOf(manager, 'M')).toEqual({ codes: ['S', 'T'], total: 2 });
    expect((await manager.inject({ method: 'GET', url: '/api/consultants/S' })).statusCode).toBe(200);
  });

  // After the moves above: D > M > T > S.
  it('pages the downline in the database: a page, and the total of all pages', async () => {
    const first = (
      await backOffice.inject({ method: 'GET', url: '/api/consultants/D/downline?page=1&pageSize=2' })
    ).json();
    const second = (
      await backOffice.inject({ method: 'GET', url: '/api/consultants/D/downline?page=2&pageSize=2' })
    ).json();
    expect(first.total).toBe(3);
    expect(second.total).toBe(3);
    expect([...first.items, ...second.items].map((i: { code: string }) => i.code)).toEqual(['M', 'T', 'S']);
    expect(first.items.map((i: { generation: number }) => i.generation)).toEqual([1, 2]);
  });

  // Still D > M > T > S. A write that does not go through the network module (a bulk load, the demo,
  // a repair by SQL) moves the network's generation too (migration 0670's triggers).
  it('follows a change written straight into the table, not through the API', async () => {
    expect(await downlineOf(manager, 'M')).toEqual({ codes: ['S', 'T'], total: 2 });
    const { db } = ctx.database;
    const ids = Object.fromEntries(
      (await db.selectFrom('consultant').select(['id', 'code']).execute()).map((c) => [c.code, Number(c.id)]),
    );
    const at = new Date();
    await db
      .updateTable('consultant_sponsor')
      .set({ superseded_at: at })
      .where('consultant_id', '=', ids.S)
      .where('superseded_at', '=', STILL_KNOWN)
      .execute();
    await db
      .insertInto('consultant_sponsor')
      .values({
        consultant_id: ids.S,
        sponsor_id: ids.D,
        valid_from: '2025-01-01',
        valid_to: OPEN_END,
        recorded_at: at,
        superseded_at: STILL_KNOWN,
        recorded_by: 'test',
        reason: 'by SQL',
      })
      .execute();
    expect(await downlineOf(manager, 'M')).toEqual({ codes: ['T'], total: 1 });
    expect((await manager.inject({ method: 'GET', url: '/api/consultants/S' })).statusCode).toBe(404);
  });
});
