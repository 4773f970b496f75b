/**
 * The what-if of a draft plan over HTTP takes the plan as uploaded text or as a registered plan
 * version, never as a path on the server: a request naming a server file is refused, and nothing
 * read from such a file comes back in the answer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import YAML from 'yaml';
import { DEFAULT_PLAN_PATH, registerPlan } from '../../back-office/compensation';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

/** The default plan with the consultant's personal rate raised from 30 to 35 %. */
function draftPlan(): string {
  const doc = YAML.parse(fs.readFileSync(DEFAULT_PLAN_PATH, 'utf8'));
  doc.version = '2026.2-draft';
  doc.levels[0].personalRate = 35;
  return YAML.stringify(doc);
}

describeEachEngine('what-if over HTTP', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  let consultantId: number;

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [['S', null, 'CONSULTANT']]);
    consultantId = s.consultant.S;
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-10', '4000.00');
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
    api = await signInAs(app, ctx.database, 'administrator');
    const posted = await api.inject({ method: 'POST', url: '/api/periods/2026-03/calculate', payload: {} });
    expect(posted.statusCode).toBe(200);
  });
  afterAll(() => app?.close());

  it('refuses a server path and never answers with what the file holds', async () => {
    const secret = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'shadow-')), 'shadow');
    fs.writeFileSync(secret, 'root_SECRET_4242: x6hash\n');
    const response = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { planFile: secret, period: '2026-03' },
    });
    expect(response.body).not.toContain('SECRET_4242');
    expect(response.body).not.toContain(secret);
    expect(response.statusCode).toBe(400);
    expect(response.json().details.map((d: { field: string }) => d.field)).toContain('body.planFile');
  });

  it('takes the draft plan as uploaded text and posts nothing', async () => {
    const response = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { plan: draftPlan(), period: '2026-03' },
    });
    expect(response.statusCode).toBe(200);
    // 4 000.00 of DL-SAV10 in year 1 = 1 000 points: 300.00 at 30 %, 350.00 at 35 %.
    expect(response.json().rows).toEqual([
      expect.objectContaining({ consultantId, postedKop: 30_000, draftKop: 35_000, differenceKop: 5_000 }),
    ]);
  });

  it('takes a registered plan version by its id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-'));
    fs.writeFileSync(path.join(dir, 'draft.plan.yaml'), draftPlan());
    const { versionId } = await registerPlan(ctx.database, path.join(dir, 'draft.plan.yaml'), {
      status: 'draft',
    });
    const response = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { planVersionId: versionId, period: '2026-03' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().rows).toEqual([expect.objectContaining({ consultantId, differenceKop: 5_000 })]);
    const missing = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { planVersionId: 999_999, period: '2026-03' },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('names the plan field when the uploaded plan is refused, without any server path', async () => {
    const response = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { plan: 'plan: X\nlevels: [', period: '2026-03' },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().message).toContain('body.plan');
    expect(response.body).not.toContain(os.tmpdir());
  });

  it('wants exactly one of plan and planVersionId, and a plan of reasonable size', async () => {
    const neither = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { period: '2026-03' },
    });
    expect(neither.statusCode).toBe(400);
    expect(neither.json().message).toMatch(/plan/);
    const both = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { plan: draftPlan(), planVersionId: 1, period: '2026-03' },
    });
    expect(both.statusCode).toBe(400);
    const huge = await api.inject({
      method: 'POST',
      url: '/api/plans/what-if',
      payload: { plan: `# ${'x'.repeat(300_000)}\n${draftPlan()}`, period: '2026-03' },
    });
    expect(huge.statusCode).toBe(400);
    expect(huge.json().details.map((d: { field: string }) => d.field)).toContain('body.plan');
  });

  it('has no route that takes a server path, in any parameter or body field', () => {
    const names: string[] = [];
    const walk = (schema: any): void => {
      if (!schema || typeof schema !== 'object') return;
      for (const [name, sub] of Object.entries<any>(schema.properties ?? {})) {
        names.push(name);
        walk(sub);
      }
      walk(schema.items);
    };
    const doc = app.swagger() as any;
    for (const item of Object.values<any>(doc.paths))
      for (const operation of Object.values<any>(item)) {
        for (const p of operation.parameters ?? []) names.push(p.name);
        walk(operation.requestBody?.content?.['application/json']?.schema);
      }
    expect(names.length).toBeGreaterThan(50);
    // planFile, outDir, path, folder... as a word of the camelCase name
    const pathWords = new Set(['file', 'path', 'dir', 'directory', 'folder', 'out']);
    const words = (name: string) => name.split(/(?=[A-Z])|[_-]/).map((w) => w.toLowerCase());
    expect(names.filter((n) => words(n).some((w) => pathWords.has(w)))).toEqual([]);
  });
});
