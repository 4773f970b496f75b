import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { describeEachEngine } from '../support/engines';
import { oracleCompileDatabase } from '../support/oracle-compile';
import { memoryLogger, type SignedIn, signInAs, testConfig, trustedAs } from './support/api-harness';

describeEachEngine('GET /api/insurers', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    // Inserted out of code order: the list must come back ordered by code.
    await ctx.database.db
      .insertInto('insurer')
      .values([
        {
          code: 'UNIQA',
          name: 'ПрАТ «СК «УНІКА»',
          company_code: '20033533',
          created_at: new Date('2024-01-10T09:00:00Z'),
        },
        {
          code: 'ARX',
          name: 'ПрАТ «СК «АРКС»',
          company_code: null,
          created_at: new Date('2024-02-01T12:30:00Z'),
        },
        {
          code: 'DNIPRO_LIFE',
          name: 'ПрАТ «СК «Дніпро Лайф»',
          company_code: '30115243',
          created_at: new Date('2024-03-05T00:00:00Z'),
        },
      ])
      .execute();
    app = await buildApi({
      database: ctx.database,
      config: testConfig(),
      logger: memoryLogger().logger,
      queue: createQueueProbe(null),
    });
    api = await signInAs(app, ctx.database, 'integration');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers the first page of 2 with the total of 3, ordered by code', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/insurers?pageSize=2' });
    expect(response.statusCode).toBe(200);
    const page = response.json();
    expect(page).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(page.items).toEqual([
      {
        id: expect.any(Number),
        code: 'ARX',
        name: 'ПрАТ «СК «АРКС»',
        companyCode: null,
        contactPerson: null,
        contactEmail: null,
        contactPhone: null,
        active: true,
        createdAt: '2024-02-01T12:30:00.000Z',
        updatedAt: null,
      },
      {
        id: expect.any(Number),
        code: 'DNIPRO_LIFE',
        name: 'ПрАТ «СК «Дніпро Лайф»',
        companyCode: '30115243',
        contactPerson: null,
        contactEmail: null,
        contactPhone: null,
        active: true,
        createdAt: '2024-03-05T00:00:00.000Z',
        updatedAt: null,
      },
    ]);
  });

  it('answers the second page with the one remaining insurer', async () => {
    const page = (await api.inject({ method: 'GET', url: '/api/insurers?page=2&pageSize=2' })).json();
    expect(page).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(page.items.map((i: { code: string }) => i.code)).toEqual(['UNIQA']);
  });

  it('answers a page past the end with no items and the real total', async () => {
    const page = (await api.inject({ method: 'GET', url: '/api/insurers?page=3&pageSize=2' })).json();
    expect(page).toEqual({ items: [], page: 3, pageSize: 2, total: 3 });
  });

  it('pages by 50 from page 1 when the query says nothing', async () => {
    const page = (await api.inject({ method: 'GET', url: '/api/insurers' })).json();
    expect(page).toMatchObject({ page: 1, pageSize: 50, total: 3 });
    expect(page.items.map((i: { code: string }) => i.code)).toEqual(['ARX', 'DNIPRO_LIFE', 'UNIQA']);
  });

  it('answers 401 without a login and 403 to a role without catalogue.read', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/insurers' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    const wrongToken = await app.inject({
      method: 'GET',
      url: '/api/insurers',
      headers: { authorization: 'Bearer ecs_not-a-token' },
    });
    expect(wrongToken.statusCode).toBe(401);
  });

  it('rejects pageSize=0 with a 400 naming the field', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/insurers?pageSize=0' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'bad_request',
      message: 'pageSize: must be >= 1',
      details: [{ field: 'pageSize', message: 'must be >= 1' }],
    });
  });

  it('rejects a page size over 500 and a page that is not a number, naming both', async () => {
    const response = await api.inject({ method: 'GET', url: '/api/insurers?page=first&pageSize=501' });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toEqual([
      { field: 'page', message: 'must be integer (digits only)' },
      { field: 'pageSize', message: 'must be <= 500' },
    ]);
  });
});

describe('GET /api/insurers on Oracle (SQL compiled, no server)', () => {
  it('pages with OFFSET … FETCH, never LIMIT', async () => {
    const { database, recorder } = oracleCompileDatabase((statement) =>
      /count\(\*\)/i.test(statement)
        ? [{ total: 3 }]
        : [
            {
              id: 3,
              code: 'UNIQA',
              name: 'ПрАТ «СК «УНІКА»',
              company_code: null,
              contact_person: null,
              contact_email: null,
              contact_phone: null,
              active: 1,
              created_at: new Date('2024-01-10T09:00:00Z'),
              updated_at: null,
            },
          ],
    );
    const app = await buildApi(
      {
        database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { authenticate: trustedAs('integration') },
    );
    try {
      const response = await app.inject({ method: 'GET', url: '/api/insurers?page=2&pageSize=2' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ page: 2, pageSize: 2, total: 3, items: [{ code: 'UNIQA' }] });
      const [rows, count] = recorder.statements;
      expect(rows.sql).toMatch(/order by "code".*offset :\d+ rows fetch (first|next) :\d+ rows only$/i);
      expect(rows.sql).not.toMatch(/\blimit\b/i);
      expect(rows.parameters).toEqual([2, 2]);
      expect(count.sql).toMatch(/^select count\(\*\) (as )?"total" from "insurer"$/i);
    } finally {
      await app.close();
    }
  });
});
