/**
 * The periods API on a three-consultant network (default plan; DL-SAV10 year 1 earns 25 points per
 * 100 UAH): March is calculated and closed over HTTP, a manual career change inside it is previewed
 * and recorded, its corrections are previewed and posted into April, April's acts are produced.
 *   S (CONSULTANT) sells 40 000.00 in March -> 10 000 points: S 30 % = 3 000.00.
 *   S made MANAGER from 2026-03-01 -> S 50 % = 5 000.00: storno -3 000.00, additional +5 000.00;
 *   M (MANAGER) loses its differential 2 000.00 on S's sale (storno), D keeps (60-50) % = 1 000.00.
 *   M sells 8 000.00, D sells 4 000.00. D fails DIRECTOR's maintenance (group 13 000 < 40 000), so D
 *   is paid at SENIOR_MANAGER (60 %): S 3 000.00, M 2 000.00 + 1 000.00, D 1 000.00 + 200.00 + 600.00
 *   = 7 800.00.
 */
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { backOfficeRoutes } from '../../../src/api/routes/back-office';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedNetwork, seedPayment, seedPolicy } from '../compensation/db-support';
import { intermediary } from '../acts/fixtures';
import { describeEachEngine } from '../../support/engines';

describeEachEngine('periods API', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    await ctx.database.db
      .insertInto('career_level')
      .values(
        ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'].map((code, n) => ({
          code,
          name: code,
          rank_order: n + 1,
        })),
      )
      .execute();
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'M'), '2026-03-12', '8000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'D'), '2026-03-15', '4000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-10', '40000.00');
    await ctx.database.db
      .insertInto('production_period')
      .values([
        {
          code: '2026-03',
          starts_on: '2026-03-01',
          ends_on: '2026-03-31',
          status: 'open',
          calculated_at: null,
          closed_at: null,
          closed_by: null,
        },
        {
          code: '2026-04',
          starts_on: '2026-04-01',
          ends_on: '2026-04-30',
          status: 'open',
          calculated_at: null,
          closed_at: null,
          closed_by: null,
        },
      ])
      .execute();
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [backOfficeRoutes({ intermediary })] },
    );
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  it('refuses to close an uncalculated period with its reasons, then calculates and closes it', async () => {
    const refused = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/close',
      payload: { closedBy: 'buh' },
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().blockers).toEqual([expect.objectContaining({ kind: 'not_calculated' })]);
    const preview = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/calculate',
      payload: { preview: true },
    });
    expect(preview.json()).toMatchObject({ preview: true, totalKop: 780_000 });
    expect(preview.json().lines).toHaveLength(6);
    const run = await api.inject({ method: 'POST', url: '/api/periods/2026-03/calculate', payload: {} });
    expect(run.statusCode).toBe(200);
    const closed = await api.inject({
      method: 'POST',
      url: '/api/periods/2026-03/close',
      payload: { closedBy: 'buh' },
    });
    expect(closed.statusCode).toBe(200);
    const again = await api.inject({ method: 'POST', url: '/api/periods/2026-03/calculate', payload: {} });
    expect(again.statusCode).toBe(409);
  });

  it('previews, records and posts a manual career change inside the closed period', async () => {
    const change = {
      consultantCode: 'S',
      levelCode: 'MANAGER',
      validFrom: '2026-03-01',
      reason: 'помилка в кар’єрі',
      recordedBy: 'hr',
    };
    const preview = await api.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: { ...change, preview: true },
    });
    expect(preview.json().byConsultant).toEqual([
      expect.objectContaining({ consultantCode: 'M', netKop: -200_000 }),
      expect.objectContaining({
        consultantCode: 'S',
        stornoKop: -300_000,
        additionalKop: 500_000,
        netKop: 200_000,
      }),
    ]);
    expect((await api.inject({ url: '/api/corrections/pending' })).json().items).toEqual([]);
    // Inside the closed period it waits for a second person; then it is recorded.
    const proposed = await api.inject({ method: 'POST', url: '/api/careers/changes', payload: change });
    expect(proposed.statusCode).toBe(202);
    expect((await api.inject({ url: '/api/corrections/pending' })).json().items).toEqual([]);
    const director = await signInAs(app, ctx.database, 'back_office', { login: 'dir' });
    const recorded = await director.inject({
      method: 'POST',
      url: `/api/approvals/${proposed.json().changeRequest.id}/approve`,
      payload: {},
    });
    expect(recorded.statusCode).toBe(200);
    expect((await api.inject({ url: '/api/corrections/pending' })).json().items).toHaveLength(1);
    const posted = await api.inject({
      method: 'POST',
      url: '/api/corrections/post',
      payload: { postedBy: 'buh' },
    });
    expect(posted.json()).toMatchObject({
      postedIn: '2026-04',
      stornoKop: -500_000,
      additionalKop: 500_000,
      netKop: 0,
    });
    const second = await api.inject({
      method: 'POST',
      url: '/api/corrections/post',
      payload: { fromPeriod: '2026-03' },
    });
    expect(second.json().netKop).toBe(0);
    expect(second.json().periods[0].lines).toEqual([]);
    const lines = (await api.inject({ url: '/api/periods/2026-04/accruals' })).json().items;
    expect(
      lines
        .map((l: any) => `${l.consultantCode} ${l.kind} ${l.rule} ${l.amountKop} ${l.correctsPeriod}`)
        .sort(),
    ).toEqual([
      'M storno differential.MANAGER -200000 2026-03',
      'S additional personal.MANAGER 500000 2026-03',
      'S storno personal.CONSULTANT -300000 2026-03',
    ]);
    const stornos = (await api.inject({ url: '/api/periods/2026-04/accruals?kind=storno' })).json().items;
    expect(stornos.map((l: any) => `${l.consultantCode} ${l.amountKop}`).sort()).toEqual([
      'M -200000',
      'S -300000',
    ]);
    // Keyset paging walks the same lines in posting order: two, then the rest, then nothing.
    const first = (await api.inject({ url: '/api/periods/2026-04/accruals?limit=2' })).json();
    expect(first.items).toEqual(lines.slice(0, 2));
    const rest = (
      await api.inject({ url: `/api/periods/2026-04/accruals?limit=2&after=${first.next}` })
    ).json();
    expect(rest).toEqual({ items: lines.slice(2), next: null });
    const unknownKind = await api.inject({ url: '/api/periods/2026-04/accruals?kind=gift' });
    expect(unknownKind.statusCode).toBe(400);
  });

  it('produces the acts of April with the correction and serves the register and the PDF', async () => {
    const notClosed = await api.inject({ method: 'POST', url: '/api/periods/2026-04/acts', payload: {} });
    expect(notClosed.statusCode).toBe(409);
    await api.inject({ method: 'POST', url: '/api/periods/2026-04/calculate', payload: {} });
    expect(
      (await api.inject({ method: 'POST', url: '/api/periods/2026-04/close', payload: { closedBy: 'buh' } }))
        .statusCode,
    ).toBe(200);
    const acts = await api.inject({ method: 'POST', url: '/api/periods/2026-04/acts', payload: {} });
    expect(acts.json().issued).toEqual([
      expect.objectContaining({ consultantCode: 'S', grossKop: 200_000, correctionsKop: 200_000 }),
    ]);
    expect(acts.json().nothingToPay).toEqual([{ consultantCode: 'M', grossKop: -200_000 }]);
    expect(acts.json().check.balanced).toBe(true);
    const csv = await api.inject({ url: '/api/periods/2026-04/acts/register?format=csv' });
    expect(csv.body).toContain('Консультант S');
    const [year, seq] = acts.json().issued[0].number.split('/');
    const pdf = await api.inject({ url: `/api/acts/${year}/${seq}/pdf` });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
