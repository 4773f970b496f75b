/**
 * Reports sent by e-mail on a schedule, on the demo agency, to a real SMTP server in this process
 * (the npm package smtp-server): a due schedule arrives with its XLSX and PDF, the XLSX's totals
 * equal the report to the kopiyka, the stored bytes are the bytes that arrived; two workers sweeping
 * at once send a run once; a recipient the server refuses is kept failed with the server's answer
 * and is sent again; a manager's schedule holds their unit tree only; removing leaves an audit trail.
 */
import ExcelJS from 'exceljs';
import { SMTPServer } from 'smtp-server';
import {
  createSchedule,
  deliveryBytes,
  findSchedule,
  listDeliveries,
  listSchedules,
  managementReport,
  nextRunOf,
  removeSchedule,
  renderSchedule,
  resendDelivery,
  runDueSchedules,
  runFilters,
  ScheduleError,
  sendScheduleNow,
  startReportScheduler,
  updateSchedule,
  type ReportMailSettings,
} from '../../../back-office/reports';
import { seedDemo } from '../../../src/demo';
import { parseMail } from '../../../src/exchange/transports/email';
import { describeEachEngine } from '../../support/engines';
import { freePort } from '../../support/private-postgres';

jest.setTimeout(600_000);

interface Received {
  to: string[];
  raw: Buffer;
}

/** An SMTP server that keeps what it accepts and refuses the addresses in `refuse` (each once). */
async function startSmtp() {
  const received: Received[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.delete(address.address.toLowerCase())) {
        const error = new Error('5.1.1 Mailbox unavailable: no such user here') as Error & {
          responseCode: number;
        };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    received,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The totals row of the first sheet (the row whose first cell is «Разом»), by column heading. */
async function xlsxTotals(bytes: Buffer): Promise<Map<string, number | string | null>> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes as any);
  const sheet = book.worksheets[0];
  let header: string[] = [];
  const totals = new Map<string, number | string | null>();
  sheet.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1);
    if (!header.length && values.length > 2) header = values.map(String);
    else if (values[0] === 'Разом') header.forEach((h, i) => totals.set(h, (values[i] as any) ?? null));
  });
  return totals;
}

describeEachEngine('report schedules sent by e-mail', (ctx) => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let settings: ReportMailSettings;
  const at = new Date('2026-11-15T07:00:00Z');

  beforeAll(async () => {
    await seedDemo(ctx.database);
    smtp = await startSmtp();
    settings = {
      smtp: { host: '127.0.0.1', port: smtp.port, timeoutMs: 10_000 },
      from: 'Агенція «Експерт» <reports@agency.example>',
    };
  });
  afterAll(async () => smtp?.close());

  it('checks what a schedule is given: report, recipients, formats, cron', async () => {
    const base = {
      name: 'Продажі щомісяця',
      report: 'sales',
      formats: ['xlsx'],
      recipients: ['ceo@agency.example'],
      cron: '0 8 1 * *',
    };
    await expect(createSchedule(ctx.database, { ...base, report: 'nope' }, 'backoffice')).rejects.toThrow(
      /no report nope/,
    );
    await expect(
      createSchedule(
        ctx.database,
        { ...base, recipients: ['ceo@agency.example', 'not an address'] },
        'backoffice',
      ),
    ).rejects.toThrow(/not an e-mail address: not an address/);
    await expect(createSchedule(ctx.database, { ...base, formats: ['docx'] }, 'backoffice')).rejects.toThrow(
      /formats/,
    );
    await expect(createSchedule(ctx.database, { ...base, cron: '0 8 1 *' }, 'backoffice')).rejects.toThrow(
      /five fields/,
    );
    await expect(createSchedule(ctx.database, { ...base, cron: '0 25 1 * *' }, 'backoffice')).rejects.toThrow(
      ScheduleError,
    );
    await expect(
      createSchedule(ctx.database, { ...base, report: 'consultant' }, 'backoffice'),
    ).rejects.toThrow(/needs the consultant/);
    // 08:00 Kyiv on the 1st is 06:00 UTC in winter.
    expect(nextRunOf('0 8 1 * *', new Date('2026-11-15T00:00:00Z')).toISOString()).toBe(
      '2026-12-01T06:00:00.000Z',
    );
  });

  it('a due schedule arrives with XLSX and PDF; the XLSX totals equal the report to the kopiyka; the stored bytes are what arrived', async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Продажі за 10 періодів',
        report: 'sales',
        periods: 10,
        periodsBack: 1,
        formats: ['xlsx', 'pdf'],
        recipients: ['ceo@agency.example', 'CFO@agency.example'],
        cron: '0 9 15 * *',
      },
      'backoffice',
      'backoffice',
      new Date('2026-11-14T00:00:00Z'),
    );
    expect(schedule.nextRunAt!.toISOString()).toBe('2026-11-15T07:00:00.000Z');
    expect(schedule.recipients).toEqual(['ceo@agency.example', 'cfo@agency.example']);
    const before = smtp.received.length;
    const outcomes = await runDueSchedules(ctx.database, settings, new Date(at.getTime() + 1000));
    const mine = outcomes.find((o) => o.scheduleId === schedule.id)!;
    expect(mine.deliveries.map((d) => [d.recipient, d.status])).toEqual([
      ['ceo@agency.example', 'sent'],
      ['cfo@agency.example', 'sent'],
    ]);
    const arrived = smtp.received.slice(before);
    expect(arrived.map((m) => m.to[0]).sort()).toEqual(['ceo@agency.example', 'cfo@agency.example']);
    const mail = await parseMail(arrived[0].raw);
    expect(mail.subject).toBe('Звіт «Продажі», періоди 2026-01 – 2026-10');
    expect(mail.attachments.map((a) => a.filename)).toEqual([
      'sales_2026-01_2026-10.xlsx',
      'sales_2026-01_2026-10.pdf',
    ]);
    expect(mail.attachments[1].content.subarray(0, 5).toString()).toBe('%PDF-');
    // The report as the API would answer it for the same range.
    const report = await managementReport(ctx.database, 'sales', runFilters(schedule.filters, at));
    expect(report.totals.writtenKop).toBeGreaterThan(0);
    const totals = await xlsxTotals(mail.attachments[0].content);
    for (const column of report.columns.filter((c) => c.kind === 'money' || c.kind === 'int')) {
      const cell = Number(totals.get(column.label));
      expect([column.key, column.kind === 'money' ? Math.round(cell * 100) : cell]).toEqual([
        column.key,
        report.totals[column.key],
      ]);
    }
    // Stored first, sent byte for byte.
    const stored = await deliveryBytes(ctx.database, mine.deliveries[0].id);
    const same = arrived.find((m) => m.to[0] === mine.deliveries[0].recipient)!;
    expect(same.raw.toString('latin1').replace(/\r?\n$/, '')).toBe(
      stored!.toString('latin1').replace(/\r?\n$/, ''),
    );
    // The run moved the schedule on to the next month.
    const after = await findSchedule(ctx.database, schedule.id);
    expect(after!.lastRunAt!.toISOString()).toBe(at.toISOString());
    expect(after!.nextRunAt!.toISOString()).toBe('2026-12-15T07:00:00.000Z');
  });

  it('two workers sweeping at once send a run once', async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Мережа',
        report: 'network',
        periods: 1,
        formats: ['pdf'],
        recipients: ['board@agency.example'],
        cron: '30 9 15 * *',
      },
      'admin',
      'admin',
      new Date('2026-11-14T00:00:00Z'),
    );
    const before = smtp.received.length;
    const now = new Date('2026-11-15T08:00:00Z');
    const [a, b] = await Promise.all([
      runDueSchedules(ctx.database, settings, now),
      runDueSchedules(ctx.database, settings, now),
    ]);
    const runs = [...a, ...b].filter((o) => o.scheduleId === schedule.id);
    expect(runs).toHaveLength(1);
    expect(smtp.received.length - before).toBe(1);
    expect((await listDeliveries(ctx.database, schedule.id)).total).toBe(1);
    // Nothing is due any more.
    const again = await runDueSchedules(ctx.database, settings, now);
    expect(again.filter((o) => o.scheduleId === schedule.id)).toHaveLength(0);
  });

  it('two running timers (as two workers start them) send a due run once', async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Щохвилини',
        report: 'exchange',
        periods: 1,
        formats: ['xlsx'],
        recipients: ['ops@agency.example'],
        cron: '* * * * *',
      },
      'admin',
    );
    // Due now.
    await (ctx.database.db as any)
      .updateTable('report_schedule')
      .set({ next_run_at: new Date(Date.now() - 1000) })
      .where('id', '=', schedule.id)
      .execute();
    const before = smtp.received.length;
    const timers = [1, 2].map(() =>
      startReportScheduler(ctx.database, { settings: () => settings, intervalMs: 100 }),
    );
    const deadline = Date.now() + 60_000;
    while ((await listDeliveries(ctx.database, schedule.id)).items[0]?.status !== 'sent') {
      if (Date.now() > deadline) throw new Error('the timers sent nothing in 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 500));
    await Promise.all(timers.map((t) => t.stop()));
    expect((await listDeliveries(ctx.database, schedule.id)).total).toBe(1);
    expect(smtp.received.slice(before).filter((m) => m.to[0] === 'ops@agency.example')).toHaveLength(1);
    await removeSchedule(ctx.database, schedule.id, 'admin');
  });

  it("a recipient the server refuses is failed with the server's answer, and is sent again", async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Збори',
        report: 'collections',
        periods: 3,
        formats: ['xlsx'],
        recipients: ['ok@agency.example', 'gone@agency.example'],
        cron: '0 8 1 * *',
      },
      'backoffice',
    );
    smtp.refuse.add('gone@agency.example');
    const run = await sendScheduleNow(ctx.database, schedule.id, 'backoffice', settings, at);
    const byRecipient = new Map(run.deliveries.map((d) => [d.recipient, d]));
    expect(byRecipient.get('ok@agency.example')!.status).toBe('sent');
    const failed = byRecipient.get('gone@agency.example')!;
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('550');
    expect(failed.error).toContain('no such user here');
    const page = await listDeliveries(ctx.database, schedule.id, { limit: 1 });
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
    const before = smtp.received.length;
    const again = await resendDelivery(ctx.database, schedule.id, failed.id, 'backoffice', settings);
    expect(again.status).toBe('sent');
    expect(again.attempts).toBe(2);
    expect(smtp.received.length - before).toBe(1);
    await expect(
      resendDelivery(ctx.database, schedule.id, failed.id, 'backoffice', settings),
    ).rejects.toMatchObject({
      kind: 'conflict',
    });
    // Without mail settings the mail is still stored; the delivery says what to set.
    const unset = await sendScheduleNow(
      ctx.database,
      schedule.id,
      'backoffice',
      null,
      new Date(at.getTime() + 5),
    );
    expect(
      unset.deliveries.every((d) => d.status === 'failed' && /ECSPERT_REPORT_SMTP_URL/.test(d.error!)),
    ).toBe(true);
    expect(await deliveryBytes(ctx.database, unset.deliveries[0].id)).not.toBeNull();
  });

  it("a manager's schedule holds their unit tree only; a consultant owner gets nothing rendered", async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Мій підрозділ',
        report: 'sales',
        periods: 10,
        formats: ['xlsx'],
        recipients: ['lviv@agency.example'],
        cron: '0 8 1 * *',
      },
      'manager',
      'admin',
    );
    const rendered = await renderSchedule(ctx.database, schedule, at);
    const mine = rendered.sections[0];
    const lviv = await managementReport(ctx.database, 'sales', {
      ...runFilters(schedule.filters, at),
      unit: 'LVIV',
    });
    const whole = await managementReport(ctx.database, 'sales', runFilters(schedule.filters, at));
    const lvivUnits = new Set(lviv.rows.map((r) => r.unit));
    expect(mine.rows.length).toBeGreaterThan(0);
    expect(mine.rows.every((r) => lvivUnits.has(r.unit))).toBe(true);
    expect(mine.totals.writtenKop).toBe(lviv.totals.writtenKop);
    expect(mine.totals.writtenKop as number).toBeLessThan(whole.totals.writtenKop as number);
    const consultantLogin = (
      await (ctx.database.db as any)
        .selectFrom('auth_user')
        .select('login')
        .where('role', '=', 'consultant')
        .executeTakeFirst()
    ).login;
    const theirs = await createSchedule(
      ctx.database,
      {
        name: 'Не можна',
        report: 'sales',
        formats: ['pdf'],
        recipients: ['x@agency.example'],
        cron: '0 8 1 * *',
      },
      consultantLogin,
      'admin',
    );
    const run = await sendScheduleNow(ctx.database, theirs.id, 'admin', settings, at);
    expect(run.deliveries[0].status).toBe('failed');
    expect(run.deliveries[0].error).toMatch(/may not read the sales report/);
  });

  it('pausing, resuming and removing: a removed schedule leaves an audit trail', async () => {
    const schedule = await createSchedule(
      ctx.database,
      {
        name: 'Тимчасова',
        report: 'remuneration',
        formats: ['pdf'],
        recipients: ['a@agency.example'],
        cron: '0 8 * * 1',
      },
      'backoffice',
    );
    const paused = await updateSchedule(ctx.database, schedule.id, { active: false }, 'backoffice');
    expect(paused.active).toBe(false);
    expect(paused.nextRunAt).toBeNull();
    const resumed = await updateSchedule(
      ctx.database,
      schedule.id,
      { active: true, recipients: ['b@agency.example'] },
      'backoffice',
    );
    expect(resumed.nextRunAt).not.toBeNull();
    expect(resumed.recipients).toEqual(['b@agency.example']);
    await removeSchedule(ctx.database, schedule.id, 'backoffice', 'no longer needed');
    expect(await findSchedule(ctx.database, schedule.id)).toBeNull();
    expect((await listSchedules(ctx.database)).some((s) => s.id === schedule.id)).toBe(false);
    const trail = await (ctx.database.db as any)
      .selectFrom('audit_log')
      .select(['action', 'actor', 'reason'])
      .where('entity_kind', '=', 'report_schedule')
      .where('entity_id', '=', String(schedule.id))
      .orderBy('id')
      .execute();
    expect(trail.map((t: any) => t.action)).toEqual([
      'report-schedule.created',
      'report-schedule.changed',
      'report-schedule.changed',
      'report-schedule.removed',
    ]);
    expect(trail[3]).toMatchObject({ actor: 'backoffice', reason: 'no longer needed' });
    await expect(removeSchedule(ctx.database, schedule.id, 'backoffice')).rejects.toMatchObject({
      kind: 'not_found',
    });
  });
});
