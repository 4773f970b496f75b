/**
 * GET /api/careers/levels: the levels a manual career change may give are those of the plan in force
 * on the date asked, lowest rank first; only those who change the network read it; a bad date is
 * refused naming the field.
 */
import type { FastifyInstance } from 'fastify';
import { DEFAULT_PLAN_PATH, loadPlanFile } from '../../back-office/compensation';
import { describeEachEngine } from '../support/engines';
import { signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

describeEachEngine('career levels over HTTP', (ctx) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await buildFullApi(ctx.database);
  });
  afterAll(() => app?.close());

  it('lists the plan in force’s levels, lowest first, to the back office', async () => {
    const api = await signInAs(app, ctx.database, 'back_office');
    const response = await api.inject({ method: 'GET', url: '/api/careers/levels?asOf=2026-03-15' });
    expect(response.statusCode).toBe(200);
    const plan = loadPlanFile(DEFAULT_PLAN_PATH);
    const body = response.json();
    expect(body.asOf).toBe('2026-03-15');
    expect(body.plan).toEqual({ code: plan.code, version: plan.version });
    expect(body.items).toEqual(
      [...plan.levels]
        .sort((a, b) => a.rank - b.rank)
        .map((l) => ({ code: l.code, name: l.name, rank: l.rank })),
    );
    expect(body.items.length).toBeGreaterThan(1);
  });

  it('refuses a role that does not change the network and a date that is not one', async () => {
    const integration = await signInAs(app, ctx.database, 'integration');
    expect((await integration.inject({ method: 'GET', url: '/api/careers/levels' })).statusCode).toBe(403);
    const api = await signInAs(app, ctx.database, 'back_office');
    const bad = await api.inject({ method: 'GET', url: '/api/careers/levels?asOf=2026-13-45' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().details.map((d: { field: string }) => d.field)).toContain('asOf');
  });
});
