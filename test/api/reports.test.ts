/**
 * Reports over HTTP on the demo agency: the back office reads every management report as JSON and
 * downloads it as XLSX and PDF; a manager sees their unit tree and not the exchange report; a
 * consultant has no management report and only their own consultant report; the audit log pages
 * and filters.
 */
import type { FastifyInstance } from 'fastify';
import { MANAGEMENT_REPORTS } from '../../back-office/reports';
import { seedDemo } from '../../src/demo';
import { describeEachEngine } from '../support/engines';
import { signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

jest.setTimeout(300_000);
const RANGE = 'from=2026-01&to=2026-10&asOf=2026-11-15';

describeEachEngine('reports over HTTP', (ctx) => {
  let app: FastifyInstance;
  const q = () => ctx.database.db as any;
  beforeAll(async () => {
    await seedDemo(ctx.database);
    app = await buildFullApi(ctx.database);
  });
  afterAll(() => app?.close());

  it('gives the back office every management report as JSON, and the sales report as XLSX and PDF', async () => {
    const api = await signInAs(app, ctx.database, 'back_office');
    for (const name of MANAGEMENT_REPORTS) {
      const response = await api.inject(`/api/reports/management/${name}?${RANGE}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        name,
        filters: { from: '2026-01', to: '2026-10', asOf: '2026-11-15' },
      });
    }
    const xlsx = await api.inject(`/api/reports/management/sales?${RANGE}&format=xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.headers['content-disposition']).toContain('sales_2026-01_2026-10.xlsx');
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const pdf = await api.inject(`/api/reports/management/collections?${RANGE}&format=pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    const unknown = await api.inject(`/api/reports/management/sales?${RANGE}&unit=NO_SUCH`);
    expect(unknown.statusCode).toBe(404);
    const backwards = await api.inject('/api/reports/management/sales?from=2026-10&to=2026-01');
    expect(backwards.statusCode).toBe(400);
  });

  it('shows a manager their unit tree only, and not the exchange report', async () => {
    const unit = await q().selectFrom('unit').select(['id', 'code']).orderBy('id', 'desc').executeTakeFirst();
    const manager = await signInAs(app, ctx.database, 'manager', { unitCode: unit.code });
    const mine = (await manager.inject(`/api/reports/management/sales?${RANGE}`)).json();
    expect(mine.rows.length).toBeGreaterThan(0);
    const theirs = await signInAs(app, ctx.database, 'back_office');
    const whole = (await theirs.inject(`/api/reports/management/sales?${RANGE}`)).json();
    expect(mine.totals.writtenKop).toBeLessThan(whole.totals.writtenKop);
    const exchange = await manager.inject(`/api/reports/management/exchange?${RANGE}`);
    expect(exchange.statusCode).toBe(403);
    const other = await q()
      .selectFrom('unit')
      .select('code')
      .where('id', '<>', unit.id)
      .orderBy('id')
      .executeTakeFirst();
    const outside = await manager.inject(`/api/reports/management/sales?${RANGE}&unit=${other.code}`);
    expect([403, 404]).toContain(outside.statusCode);
  });

  it('refuses management reports to a consultant, and gives them their own report only', async () => {
    const two = await q().selectFrom('consultant').select('code').orderBy('id').limit(2).execute();
    const consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: two[1].code });
    expect((await consultant.inject(`/api/reports/management/sales?${RANGE}`)).statusCode).toBe(403);
    const own = await consultant.inject(`/api/reports/consultants/${two[1].code}?${RANGE}`);
    expect(own.statusCode).toBe(200);
    expect(own.json().consultant.code).toBe(two[1].code);
    expect(own.json().sections.map((s: { name: string }) => s.name)).toEqual([
      'sales',
      'remuneration',
      'persistency',
      'trends',
      'contests',
    ]);
    const xlsx = await consultant.inject(`/api/reports/consultants/${two[1].code}?${RANGE}&format=xlsx`);
    expect(xlsx.statusCode).toBe(200);
    expect((await consultant.inject(`/api/reports/consultants/${two[0].code}?${RANGE}`)).statusCode).toBe(
      404,
    );
  });

  it('pages and filters the audit log for the back office, not for a manager', async () => {
    const api = await signInAs(app, ctx.database, 'back_office');
    const all = (await api.inject('/api/audit?limit=5')).json();
    expect(all.total).toBeGreaterThan(0);
    expect(all.items.length).toBeLessThanOrEqual(5);
    const first = all.items[0];
    const same = (
      await api.inject(`/api/audit?entityKind=${first.entityKind}&actor=${encodeURIComponent(first.actor)}`)
    ).json();
    expect(same.items.every((i: any) => i.entityKind === first.entityKind && i.actor === first.actor)).toBe(
      true,
    );
    const future = (await api.inject('/api/audit?from=2999-01-01')).json();
    expect(future.total).toBe(0);
    const unit = await q().selectFrom('unit').select('code').executeTakeFirst();
    const manager = await signInAs(app, ctx.database, 'manager', { unitCode: unit.code });
    expect((await manager.inject('/api/audit')).statusCode).toBe(403);
  });
});
