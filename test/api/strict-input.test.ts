/**
 * Inputs that would post by accident are refused: a body field of the wrong type is not coerced
 * (`preview: null` or `0` is not "no preview"), an unknown field (`preveiw`) is not dropped, and
 * query parameters take well-formed numbers only, within bounds. Nothing is posted by a refused call.
 */
import type { FastifyInstance } from 'fastify';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

describeEachEngine('strict input', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  const runs = async () =>
    Number(
      (
        await ctx.database.db
          .selectFrom('calculation_run' as never)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [['S', null, 'CONSULTANT']]);
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
  });
  afterAll(() => app?.close());

  const fields = (response: { json(): { details?: { field: string }[] } }) =>
    (response.json().details ?? []).map((d) => d.field);

  it.each([
    ['preview: null', { preview: null }, 'body.preview'],
    ['preview: 0', { preview: 0 }, 'body.preview'],
    ['preview: "false"', { preview: 'false' }, 'body.preview'],
    ['a misspelt preveiw', { preveiw: true }, 'body.preveiw'],
    ['lines: 1', { lines: 1 }, 'body.lines'],
  ])('refuses a calculation with %s and posts nothing', async (_name, payload, field) => {
    const before = await runs();
    const response = await api.inject({ method: 'POST', url: '/api/periods/2026-03/calculate', payload });
    expect(response.statusCode).toBe(400);
    expect(fields(response)).toContain(field);
    expect(await runs()).toBe(before);
  });

  it('still previews with preview: true and posts nothing', async () => {
    const before = await runs();
    const response = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/calculate',
      payload: { preview: true },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().preview).toBe(true);
    expect(await runs()).toBe(before);
  });

  it('refuses unknown fields in every body, not only the calculation', async () => {
    const close = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/close',
      payload: { closedBy: 'buh', force: true },
    });
    expect(close.statusCode).toBe(400);
    expect(fields(close)).toContain('body.force');
    const acts = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/acts',
      payload: { intermediary: { name: 'X', edrpou: '1', bank: 'Y' } },
    });
    expect(acts.statusCode).toBe(400);
    expect(fields(acts)).toContain('body.intermediary.bank');
  });

  it.each([
    ['/api/insurers?pagesize=10', 'pagesize'],
    ['/api/insurers?page=1e20', 'page'],
    ['/api/insurers?page=0x10', 'page'],
    ['/api/insurers?page=%201', 'page'],
    ['/api/insurers?page=99999999999999999999', 'page'],
    ['/api/exchange/messages/99999999999999999999', 'id'],
    ['/api/exchange/messages/1.5', 'id'],
    ['/api/periods/2026-03/accruals?consultantId=9223372036854775809', 'consultantId'],
    ['/api/periods/2026-03/accruals?limit=10&limt=5', 'limt'],
    ['/api/periods?x=1', 'x'],
    ['/api/insurers?page=1&page=2', 'page'],
    [`/api/contests/${'X'.repeat(500)}/standings`, 'code'],
  ])('refuses %s naming %s', async (url, field) => {
    const response = await api.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(fields(response)).toContain(field);
  });

  it('still takes well-formed numbers in the query', async () => {
    const response = await api.inject({ url: '/api/insurers?page=1&pageSize=20' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ page: 1, pageSize: 20 });
  });

  it('refuses a date that does not exist (2026-02-31) naming the field', async () => {
    const response = await api.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: {
        consultantCode: 'S',
        levelCode: 'MANAGER',
        validFrom: '2026-02-31',
        reason: 'promotion',
        recordedBy: 'hr',
        preview: true,
      },
    });
    expect(response.statusCode).toBe(400);
    expect(fields(response)).toContain('body.validFrom');
  });
});
