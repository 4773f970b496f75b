/**
 * The catalogue over HTTP on both engines: adding and changing insurers and products (201, 409 on a
 * taken code, 4xx naming the field with nothing written), lists filtered and sorted, products as of
 * a date, the sync of an insurer's catalogue from its adapter folder (idempotent), and the
 * permission every catalogue route declares for the authentication plugin.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { apiErrorSchema } from '../../src/api/errors';
import { insurerRoutes } from '../../src/api/routes/core/insurers';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, type SignedIn, signInAs, testConfig } from './support/api-harness';

const author = { recordedBy: 'olena', reason: 'agency agreement signed' };

describeEachEngine('the catalogue API', (ctx) => {
  let app: FastifyInstance;
  /** A back-office clerk, signed in: nobody is trusted by default. */
  let api: SignedIn;

  beforeAll(async () => {
    app = await buildApi({
      database: ctx.database,
      config: testConfig(),
      logger: memoryLogger('silent').logger,
      queue: createQueueProbe(null),
    });
    api = await signInAs(app, ctx.database, 'back_office', { login: 'olena' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const audit = async (entityId: string) =>
    ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'reason'])
      .where('entity_id', '=', entityId)
      .execute();

  it('adds an insurer (201), refuses the same code again (409) and a bad ЄДРПОУ naming the field', async () => {
    const add = (payload: object) => api.inject({ method: 'POST', url: '/api/insurers', payload });
    const created = await add({
      code: 'UNIQA',
      name: 'ПрАТ «СК «УНІКА»»',
      companyCode: '20033533',
      ...author,
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code: 'UNIQA', companyCode: '20033533', active: true });
    expect(await audit('UNIQA')).toEqual([{ actor: 'olena', action: 'insurer.add', reason: author.reason }]);

    const again = await add({ code: 'UNIQA', name: 'ще раз', ...author });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'conflict', message: 'code: insurer UNIQA already exists' });

    const badCode = await add({ code: 'ARX', name: 'АРКС', companyCode: '1234', ...author });
    expect(badCode.statusCode).toBe(422);
    expect(badCode.json().message).toMatch(/^companyCode: '1234' is not an ЄДРПОУ/);
    const noReason = await add({ code: 'ARX', name: 'АРКС', recordedBy: 'olena' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().details).toEqual([{ field: 'body.reason', message: expect.any(String) }]);
    const unknown = await add({ code: 'ARX', name: 'АРКС', edrpou: '12345678', ...author });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().details).toEqual([{ field: 'body.edrpou', message: expect.any(String) }]);
    expect((await api.inject({ method: 'GET', url: '/api/insurers?q=arx' })).json().total).toBe(0);
  });

  it('changes an insurer (only what differs) and lists by active, text and sort', async () => {
    await api.inject({
      method: 'POST',
      url: '/api/insurers',
      payload: { code: 'ARX', name: 'ПрАТ «СК «АРКС»', ...author },
    });
    const patched = await api.inject({
      method: 'PATCH',
      url: '/api/insurers/UNIQA',
      payload: { active: false, contactEmail: 'b2b@uniqa.example', ...author },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ changed: ['contactEmail', 'active'], record: { active: false } });
    const inactive = (await api.inject({ method: 'GET', url: '/api/insurers?active=false' })).json();
    expect(inactive.items.map((i: { code: string }) => i.code)).toEqual(['UNIQA']);
    const byCodeDesc = (await api.inject({ method: 'GET', url: '/api/insurers?sort=-code' })).json();
    expect(byCodeDesc.items.map((i: { code: string }) => i.code)).toEqual(['UNIQA', 'ARX']);
    const badSort = await api.inject({ method: 'GET', url: '/api/insurers?sort=colour' });
    expect(badSort.statusCode).toBe(400);
    expect(badSort.json().details[0].field).toBe('sort');
    expect(
      (await api.inject({ method: 'PATCH', url: '/api/insurers/NOBODY', payload: { name: 'x', ...author } }))
        .statusCode,
    ).toBe(404);
    const shown = await api.inject({ method: 'GET', url: '/api/insurers/UNIQA' });
    expect(shown.json()).toMatchObject({ code: 'UNIQA', contactEmail: 'b2b@uniqa.example', products: [] });
    expect((await api.inject({ method: 'GET', url: '/api/insurers/NOBODY' })).statusCode).toBe(404);
  });

  it('adds and changes products, read as of a date', async () => {
    const add = (payload: object) =>
      api.inject({ method: 'POST', url: '/api/insurers/ARX/products', payload });
    expect(
      (
        await add({
          code: 'ARX-CASCO',
          name: 'КАСКО',
          productGroup: 'motor',
          firstYearRatePct: '14.5',
          ...author,
        })
      ).statusCode,
    ).toBe(201);
    const old = await add({
      code: 'ARX-OLD',
      name: 'Старе КАСКО',
      productGroup: 'motor',
      validFrom: '2020-01-01',
      validTo: '2026-01-01',
      ...author,
    });
    expect(old.json()).toMatchObject({ insurerCode: 'ARX', validFrom: '2020-01-01', validTo: '2026-01-01' });
    const badGroup = await add({ code: 'ARX-PET', name: 'Тварини', productGroup: 'pets', ...author });
    expect(badGroup.statusCode).toBe(400);
    expect(badGroup.json().details[0].field).toBe('body.productGroup');
    const backwards = await api.inject({
      method: 'PATCH',
      url: '/api/insurers/ARX/products/ARX-OLD',
      payload: { validTo: '2019-01-01', ...author },
    });
    expect(backwards.statusCode).toBe(422);
    expect(backwards.json().message).toMatch(/^validTo: /);
    const asOf = async (date: string) =>
      (await api.inject({ method: 'GET', url: `/api/products?insurer=ARX&asOf=${date}&sort=-code` }))
        .json()
        .items.map((p: { code: string }) => p.code);
    expect(await asOf('2025-06-01')).toEqual(['ARX-OLD', 'ARX-CASCO']);
    expect(await asOf('2026-01-01')).toEqual(['ARX-CASCO']);
    const withdrawn = await api.inject({
      method: 'PATCH',
      url: '/api/insurers/ARX/products/ARX-CASCO',
      payload: { active: false, ...author },
    });
    expect(withdrawn.json()).toMatchObject({ changed: ['active'], record: { active: false } });
    expect(await audit('ARX/ARX-CASCO')).toHaveLength(2);
    const badDate = await api.inject({ method: 'GET', url: '/api/products?asOf=2026-02-31' });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().details[0].field).toBe('asOf');
  });

  it("syncs an insurer's catalogue from its adapter folder by code; a second sync says nothing changed", async () => {
    const sync = () =>
      api.inject({ method: 'POST', url: '/api/insurers/KARPATY/sync', payload: { recordedBy: 'olena' } });
    const first = await sync();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      insurer: 'KARPATY',
      file: 'adapters/karpaty/catalogue.yaml',
      insurerAction: 'added',
      added: ['KASKO-STD', 'KASKO-PRM', 'PROP-HOME', 'ACC-FAM'],
      changedAnything: true,
    });
    const second = await sync();
    expect(second.json()).toMatchObject({
      insurerAction: 'unchanged',
      added: [],
      changed: [],
      changedAnything: false,
    });
    const products = (
      await api.inject({ method: 'GET', url: '/api/products?insurer=KARPATY&productGroup=motor' })
    ).json();
    expect(products.items.map((p: { code: string }) => p.code)).toEqual(['KASKO-PRM', 'KASKO-STD']);
    const unknown = await api.inject({
      method: 'POST',
      url: '/api/insurers/NOBODY/sync',
      payload: { recordedBy: 'olena' },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toBe(
      "insurer: no adapter for insurer 'NOBODY' (looked for adapters/<folder>/adapter.yaml)",
    );
    const aPath = await api.inject({
      method: 'POST',
      url: '/api/insurers/..%2Fetc/sync',
      payload: { recordedBy: 'olena' },
    });
    expect(aPath.statusCode).toBe(400);
  });
});

describe('the catalogue routes', () => {
  it('declare the permission each needs, for the authentication plugin', async () => {
    const app = Fastify();
    const declared: string[] = [];
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (!methods.includes('HEAD'))
        declared.push(
          `${methods.join(',')} ${route.url} ${(route.config as { permission?: string })?.permission}`,
        );
    });
    app.addSchema(apiErrorSchema);
    await app.register(insurerRoutes);
    await app.ready();
    expect(declared.sort()).toEqual(
      [
        'GET /api/insurers catalogue.read',
        'GET /api/insurers/:code catalogue.read',
        'POST /api/insurers catalogue.write',
        'PATCH /api/insurers/:code catalogue.write',
        'GET /api/products catalogue.read',
        'POST /api/insurers/:code/products catalogue.write',
        'PATCH /api/insurers/:code/products/:product catalogue.write',
        'POST /api/insurers/:code/sync catalogue.write',
      ].sort(),
    );
    await app.close();
  });
});
