/**
 * Report schedules over HTTP on the demo agency, sending to a real SMTP server in this process: the
 * back office adds a schedule, sends it now, and the XLSX that arrives holds the totals the API's
 * own report answers, to the kopiyka; deliveries page; pausing, removing (then 404); a consultant
 * and a manager are refused (403).
 */
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { seedDemo } from '../../../src/demo';
import { parseMail } from '../../../src/exchange/transports/email';
import { signInAs } from '../../api/support/api-harness';
import { buildFullApi } from '../../api/support/full-app';
import { describeEachEngine } from '../../support/engines';
import { startSmtpSink, type SmtpSink } from '../../support/mail-servers';

jest.setTimeout(300_000);

describeEachEngine('report schedules over HTTP', (ctx) => {
  let app: FastifyInstance;
  let smtp: SmtpSink;
  const saved = { url: process.env.ECSPERT_REPORT_SMTP_URL, from: process.env.ECSPERT_REPORT_MAIL_FROM };

  beforeAll(async () => {
    await seedDemo(ctx.database);
    smtp = await startSmtpSink();
    process.env.ECSPERT_REPORT_SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    process.env.ECSPERT_REPORT_MAIL_FROM = 'Агенція <reports@agency.example>';
    app = await buildFullApi(ctx.database);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    for (const [key, value] of [
      ['ECSPERT_REPORT_SMTP_URL', saved.url],
      ['ECSPERT_REPORT_MAIL_FROM', saved.from],
    ] as const)
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  });

  const body = {
    name: 'Продажі для правління',
    report: 'sales',
    periods: 3,
    periodsBack: 1,
    formats: ['xlsx', 'pdf'],
    recipients: ['board@agency.example'],
    cron: '0 8 1 * *',
  };

  it('a consultant and a manager may not schedule reports (403)', async () => {
    const consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'K-00012' });
    const manager = await signInAs(app, ctx.database, 'manager', { unitCode: 'LVIV' });
    for (const who of [consultant, manager]) {
      expect(
        (await who.inject({ method: 'POST', url: '/api/reports/schedules', payload: body })).statusCode,
      ).toBe(403);
      expect((await who.inject('/api/reports/schedules')).statusCode).toBe(403);
    }
  });

  it('the back office schedules a report, sends it now, and the XLSX holds the API report’s totals', async () => {
    const api = await signInAs(app, ctx.database, 'back_office');
    const bad = await api.inject({
      method: 'POST',
      url: '/api/reports/schedules',
      payload: { ...body, recipients: ['nobody'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('not an e-mail address: nobody');
    const created = await api.inject({ method: 'POST', url: '/api/reports/schedules', payload: body });
    expect(created.statusCode).toBe(201);
    const schedule = created.json();
    expect(schedule).toMatchObject({
      report: 'sales',
      owner: api.login,
      active: true,
      formats: ['xlsx', 'pdf'],
    });
    expect((await api.inject('/api/reports/schedules')).json().items.map((s: any) => s.id)).toContain(
      schedule.id,
    );

    const before = smtp.received.length;
    const sent = await api.inject({ method: 'POST', url: `/api/reports/schedules/${schedule.id}/send` });
    expect(sent.statusCode).toBe(200);
    expect(sent.json().deliveries.map((d: any) => d.status)).toEqual(['sent']);
    await smtp.waitFor(before + 1);
    const mail = await parseMail(smtp.received[before].raw);
    const [xlsx, pdf] = mail.attachments;
    expect(pdf.content.subarray(0, 5).toString()).toBe('%PDF-');
    const from = /sales_(\d{4}-\d{2})_(\d{4}-\d{2})\.xlsx/.exec(xlsx.filename!)!;
    const report = (await api.inject(`/api/reports/management/sales?from=${from[1]}&to=${from[2]}`)).json();
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.content as any);
    const totalsRow = (book.worksheets[0].getSheetValues() as unknown[][]).find((r) => r?.[1] === 'Разом')!;
    report.columns.forEach((c: any, i: number) => {
      if (c.kind !== 'money' && c.kind !== 'int') return;
      const cell = Number(totalsRow[i + 1] ?? 0);
      expect([c.key, c.kind === 'money' ? Math.round(cell * 100) : cell]).toEqual([
        c.key,
        report.totals[c.key],
      ]);
    });

    const page = await api.inject(`/api/reports/schedules/${schedule.id}/deliveries?limit=1`);
    expect(page.json()).toMatchObject({
      total: 1,
      offset: 0,
      items: [{ status: 'sent', recipient: 'board@agency.example' }],
    });
    const deliveryId = page.json().items[0].id;
    const resend = await api.inject({
      method: 'POST',
      url: `/api/reports/schedules/${schedule.id}/deliveries/${deliveryId}/resend`,
    });
    expect(resend.statusCode).toBe(409);

    const paused = await api.inject({
      method: 'PATCH',
      url: `/api/reports/schedules/${schedule.id}`,
      payload: { active: false },
    });
    expect(paused.json()).toMatchObject({ active: false, nextRunAt: null });
    const removed = await api.inject({
      method: 'DELETE',
      url: `/api/reports/schedules/${schedule.id}?reason=${encodeURIComponent('більше не потрібен')}`,
    });
    expect(removed.json()).toEqual({ id: schedule.id, removed: true });
    expect((await api.inject(`/api/reports/schedules/${schedule.id}`)).statusCode).toBe(404);
    const trail = (await api.inject(`/api/audit?entityKind=report_schedule&entityId=${schedule.id}`)).json();
    expect(trail.items[0]).toMatchObject({
      action: 'report-schedule.removed',
      actor: api.login,
      reason: 'більше не потрібен',
    });
  });
});
