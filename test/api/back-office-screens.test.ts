/**
 * What the back office's screens read (src/api/routes/back-office/screens.ts): a calculation started
 * in the background whose progress and figures are polled, a preview's lines paged, a period's ledger
 * paged with totals by kind that equal the ledger's lines, a consultant seeing only their own lines,
 * and the plans with their versions and check.
 */
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { DEFAULT_PLAN_PATH } from '../../back-office/compensation';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

async function finished(api: SignedIn, id: string) {
  for (let i = 0; i < 200; i++) {
    const answer = await api.inject({ method: 'GET', url: `/api/calculations/${id}` });
    expect(answer.statusCode).toBe(200);
    if (answer.json().status !== 'running') return answer.json();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the calculation did not end');
}

describeEachEngine('back-office screens over HTTP', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [
      ['S', null, 'MANAGER'],
      ['A', 'S', 'CONSULTANT'],
    ]);
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'A'), '2026-03-10', '4000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-12', '2000.00');
    await ctx.database.db
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
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  it('previews a period in the background: stages, elapsed time, figures, lines a page at a time; nothing posted', async () => {
    const started = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/calculations',
      payload: { preview: true },
    });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ periodCode: '2026-03', preview: true, status: 'running' });
    const job = await finished(api, started.json().id);
    expect(job).toMatchObject({
      status: 'done',
      stage: 'calculated',
      stageIndex: 4,
      stages: ['payments', 'consultants', 'network', 'calculated'],
    });
    expect(job.elapsedMs).toBeGreaterThanOrEqual(0);
    expect(job.result.preview).toBe(true);
    expect(job.result.runId).toBeNull();
    expect(job.result.lineCount).toBeGreaterThan(1);
    const first = await api.inject({ method: 'GET', url: `/api/calculations/${job.id}/lines?pageSize=1` });
    expect(first.json()).toMatchObject({ page: 1, pageSize: 1, total: job.result.lineCount });
    expect(first.json().items).toHaveLength(1);
    const periods = await api.inject({ method: 'GET', url: '/api/periods' });
    expect(periods.json().items[0].status).toBe('open');
  });

  it('posts a calculation in the background and pages its ledger with totals that equal its lines', async () => {
    const started = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/calculations',
      payload: {},
    });
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({
      preview: false,
      status: 'running',
      state: 'queued',
      duplicate: false,
    });
    const job = await finished(api, started.json().id);
    expect(job).toMatchObject({
      status: 'done',
      state: 'succeeded',
      stage: 'done',
      stageIndex: 5,
      stages: ['inputs', 'calculating', 'lines', 'contests', 'done'],
    });
    expect(job.result.runId).toEqual(expect.any(Number));

    const all = await api.inject({ method: 'GET', url: '/api/periods/2026-03/accruals/page?pageSize=500' });
    expect(all.statusCode).toBe(200);
    const body = all.json();
    expect(body.total).toBe(job.result.lineCount);
    expect(body.totals.totalKop).toBe(job.result.totalKop);
    expect(body.totals.lines).toBe(body.total);
    const sum = body.items.reduce((n: number, l: { amountKop: number }) => n + l.amountKop, 0);
    expect(body.totals.totalKop).toBe(sum);
    for (const k of body.totals.byKind) expect(k.totalKop).toBe(job.result.byKind[k.kind]);

    const page2 = await api.inject({
      method: 'GET',
      url: '/api/periods/2026-03/accruals/page?pageSize=1&page=2',
    });
    expect(page2.json().items).toEqual([body.items[1]]);
    const ofA = await api.inject({
      method: 'GET',
      url: '/api/periods/2026-03/accruals/page?consultant=A&kind=personal',
    });
    expect(ofA.json().items.every((l: any) => l.consultantCode === 'A' && l.kind === 'personal')).toBe(true);
    expect(ofA.json().totals.byKind.map((k: { kind: string }) => k.kind)).toEqual(['personal']);
    expect(ofA.json().total).toBeGreaterThan(0);

    const unknown = await api.inject({
      method: 'GET',
      url: '/api/periods/2026-03/accruals/page?consultant=NOPE',
    });
    expect(unknown.statusCode).toBe(404);
    const badKind = await api.inject({ method: 'GET', url: '/api/periods/2026-03/accruals/page?kind=gift' });
    expect(badKind.statusCode).toBe(400);
  });

  it('shows a consultant only their own lines and totals, and refuses another’s as not there', async () => {
    const own = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'A' });
    const mine = await own.inject({ method: 'GET', url: '/api/periods/2026-03/accruals/page' });
    expect(mine.statusCode).toBe(200);
    expect(mine.json().items.length).toBeGreaterThan(0);
    expect(mine.json().items.every((l: { consultantCode: string }) => l.consultantCode === 'A')).toBe(true);
    const sum = mine.json().items.reduce((n: number, l: { amountKop: number }) => n + l.amountKop, 0);
    expect(mine.json().totals.totalKop).toBe(sum);
    const theirs = await own.inject({
      method: 'GET',
      url: '/api/periods/2026-03/accruals/page?consultant=S',
    });
    expect(theirs.statusCode).toBe(404);
    const jobs = await own.inject({ method: 'POST', url: '/api/periods/2026-03/calculations', payload: {} });
    expect(jobs.statusCode).toBe(403);
  });

  it('refuses a calculation of a closed period with the reason, and answers an unknown one 404', async () => {
    const close = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/close',
      payload: { closedBy: 'tester' },
    });
    expect(close.statusCode).toBe(200);
    const started = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/calculations',
      payload: {},
    });
    expect(started.statusCode).toBe(409);
    expect(started.json().message).toContain('closed');
    const unknown = await api.inject({
      method: 'GET',
      url: '/api/calculations/00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('lists the plans and their versions, one version with its check, and checks plan text', async () => {
    const plans = await api.inject({ method: 'GET', url: '/api/plans' });
    expect(plans.statusCode).toBe(200);
    // The first calculation registered the default plan.
    expect(plans.json().items).toEqual([
      expect.objectContaining({ code: 'UA-NETWORK', versions: 1, activeVersion: '2026.1' }),
    ]);
    const versions = await api.inject({ method: 'GET', url: '/api/plans/UA-NETWORK/versions' });
    expect(versions.json()).toMatchObject({ total: 1, page: 1 });
    expect(versions.json().items[0]).toMatchObject({
      version: '2026.1',
      status: 'active',
      effectiveFrom: '2026-01',
    });
    const one = await api.inject({ method: 'GET', url: '/api/plans/UA-NETWORK/versions/2026.1' });
    expect(one.statusCode).toBe(200);
    expect(one.json().check).toMatchObject({ ok: true, problems: [] });
    expect(one.json().check.plan.levels).toContain('CONSULTANT');
    expect(one.json().document.plan).toBe('UA-NETWORK');
    expect((await api.inject({ method: 'GET', url: '/api/plans/UA-NETWORK/versions/9.9' })).statusCode).toBe(
      404,
    );
    expect((await api.inject({ method: 'GET', url: '/api/plans/NOPE/versions' })).statusCode).toBe(404);

    const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
    doc.levels[0].code = 'JUNIOR';
    const bad = await api.inject({
      method: 'POST',
      url: '/api/plans/check',
      payload: { plan: YAML.stringify(doc) },
    });
    expect(bad.statusCode).toBe(200);
    expect(bad.json().ok).toBe(false);
    expect(bad.json().problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ reason: expect.stringContaining("unknown level 'CONSULTANT'") }),
      ]),
    );
    const empty = await api.inject({ method: 'POST', url: '/api/plans/check', payload: { plan: '' } });
    expect(empty.statusCode).toBe(400);
  });
});
