/**
 * A product is sold between the dates of its catalogue record (validFrom, inclusive; validTo, the
 * first day it is no longer sold) and while it is active. An application whose cover would start
 * outside that window, or for a product no longer sold, is refused with a 422 that names the field
 * and the window, and nothing is stored. The window is set the way a back-office user sets it: the
 * catalogue's API (PATCH /api/insurers/{code}/products/{product}).
 */
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { policyRoutes } from '../../../src/api/routes/core/policies';
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedInsurersAndConsultants } from '../../exchange/support/intermediary';
import { describeEachEngine } from '../../support/engines';

const HOLDER = '284510231' + String(taxNumberCheckDigit('284510231'));

describeEachEngine('applications inside the product sale window', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    await seedInsurersAndConsultants(ctx.database);
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [policyRoutes] },
    );
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  const application = (over: Record<string, unknown> = {}) => ({
    consultant: 'K-00012',
    insurer: 'DNIPRO_LIFE',
    product: 'DL-SAV20',
    holder: { fullName: 'Шевченко Тарас Григорович', taxNumber: HOLDER },
    premium: '1000.00',
    sumInsured: '120000.00',
    paymentFrequency: 12,
    signedOn: '2026-01-10',
    startOn: '2026-02-01',
    enteredBy: 'olena',
    ...over,
  });
  const enter = (over: Record<string, unknown> = {}) =>
    api.inject({ method: 'POST', url: '/api/applications', payload: application(over) });
  const setProduct = async (change: Record<string, unknown>) => {
    const answer = await api.inject({
      method: 'PATCH',
      url: '/api/insurers/DNIPRO_LIFE/products/DL-SAV20',
      payload: { ...change, recordedBy: 'olena', reason: 'лист страховика про продаж продукту' },
    });
    expect(answer.statusCode).toBe(200);
  };
  const stored = async () => ({
    applications: (await ctx.database.db.selectFrom('application').select('id').execute()).length,
    persons: (await ctx.database.db.selectFrom('person').select('id').execute()).length,
  });

  it('shows the sale window on the product as the catalogue keeps it', async () => {
    await setProduct({ validFrom: '2026-02-01', validTo: '2026-10-01' });
    const shown = await api.inject({ method: 'GET', url: '/api/products?insurer=DNIPRO_LIFE&q=SAV20' });
    expect(shown.json().items).toEqual([
      expect.objectContaining({ code: 'DL-SAV20', validFrom: '2026-02-01', validTo: '2026-10-01' }),
    ]);
  });

  it('refuses a start before the product is sold, naming startOn and the window; stores nothing', async () => {
    const before = await stored();
    const refused = await enter({ startOn: '2026-01-31' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      message:
        'startOn: DNIPRO_LIFE sells DL-SAV20 from 2026-02-01 to 2026-09-30 (validTo 2026-10-01 is the first day it is not); 2026-01-31 is outside',
      details: [{ field: 'body.startOn' }],
    });
    expect(await stored()).toEqual(before);
  });

  it('refuses a start on validTo (the first day no longer sold) and after it', async () => {
    for (const startOn of ['2026-10-01', '2027-03-01']) {
      const refused = await enter({ startOn });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().details[0].field).toBe('body.startOn');
      expect(refused.json().message).toMatch(/DL-SAV20 from 2026-02-01 to 2026-09-30/);
    }
    expect((await stored()).applications).toBe(0);
  });

  it('takes a start on the first and on the last day of the window', async () => {
    expect((await enter({ startOn: '2026-02-01' })).statusCode).toBe(201);
    expect((await enter({ startOn: '2026-09-30' })).statusCode).toBe(201);
  });

  it('names an open end as such', async () => {
    await setProduct({ validFrom: '2026-06-01', validTo: null });
    const refused = await enter({ startOn: '2026-05-31' });
    expect(refused.json().message).toBe(
      'startOn: DNIPRO_LIFE sells DL-SAV20 from 2026-06-01 (no end date); 2026-05-31 is outside',
    );
    await setProduct({ validFrom: null, validTo: '2026-03-01' });
    const late = await enter({ startOn: '2026-03-01' });
    expect(late.json().message).toBe(
      'startOn: DNIPRO_LIFE sells DL-SAV20 until 2026-02-28 (validTo 2026-03-01 is the first day it is not); 2026-03-01 is outside',
    );
  });

  it('refuses a product the insurer no longer sells (inactive), naming product', async () => {
    await setProduct({ validFrom: null, validTo: null, active: false });
    const before = await stored();
    const refused = await enter({ startOn: '2026-05-01' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      message: 'product: DNIPRO_LIFE no longer sells DL-SAV20 (the catalogue marks it inactive)',
      details: [{ field: 'body.product' }],
    });
    expect(await stored()).toEqual(before);
    await setProduct({ active: true });
    expect((await enter({ startOn: '2026-05-01' })).statusCode).toBe(201);
  });
});
