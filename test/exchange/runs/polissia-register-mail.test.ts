/**
 * Registers to Polissia by e-mail: an XLSX attachment with real dates and numbers in its cells, the
 * spec's subject with the register's number and date, the whole mail stored (with its Message-ID)
 * before it is sent over SMTP to a real SMTP server, sent again after a failure as the same bytes,
 * and the insurer's reply found by its In-Reply-To and applied.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { loadAdapter } from '../../../src/exchange/adapter-config';
import { findMessage, readPayload } from '../../../src/exchange/message-store';
import { type ExchangeDeps, processPending, receiveMail } from '../../../src/exchange/pipeline';
import { buildRegister, deliverBuiltRegisters } from '../../../src/exchange/runs/register-builder';
import { mailRegisterSender } from '../../../src/exchange/runs/email-register';
import { composeMail, parseMail, SmtpSender } from '../../../src/exchange/transports/email';
import { describeEachEngine } from '../../support/engines';
import { startSmtpSink, type SmtpSink } from '../../support/mail-servers';
import { seedPolissia } from '../support/polissia';

const at = new Date('2026-10-02T08:00:00Z');

describeEachEngine('registers to Polissia by e-mail', (ctx) => {
  let deps: ExchangeDeps;
  let sink: SmtpSink;
  let insurerId: number;
  const adapter = loadAdapter('POLISSIA');

  beforeAll(async () => {
    const seeded = await seedPolissia(ctx.database);
    insurerId = seeded.insurerId;
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
    const { db } = ctx.database;
    for (const [number, product, sum, premium] of [
      ['Z-2026-00500', 'ACC-IND', '200000.00', '2600.00'],
      ['Z-2026-00501', 'TRV-EU', '1500000.00', '1840.50'],
    ] as const) {
      const productId = (
        await db.selectFrom('product').select('id').where('code', '=', product).executeTakeFirstOrThrow()
      ).id;
      const consultantId = (
        await db.selectFrom('consultant').select('id').where('code', '=', 'K-00047').executeTakeFirstOrThrow()
      ).id;
      await db
        .insertInto('application')
        .values({
          number,
          insurer_id: insurerId,
          product_id: productId,
          consultant_id: consultantId,
          policyholder_id: seeded.holderId,
          insured_person_id: null,
          signed_on: '2026-10-01',
          sum_insured: sum,
          premium,
          payment_frequency: 1,
          status: 'pending',
          status_reason: null,
          policy_id: null,
          details: null,
          created_at: at,
          updated_at: at,
        })
        .execute();
    }
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('builds the register as a mail with an XLSX of real dates and numbers, stored before it is sent', async () => {
    const built = await buildRegister(deps, adapter, insurerId, '2026-10-02');
    expect(built).not.toBeNull();
    const stored = (await findMessage(ctx.database, built!.messageId))!;
    expect(stored).toMatchObject({ channel: 'email', direction: 'outbound', status: 'built' });
    expect(stored.externalId).toMatch(/^<register-polissia-\d+@agency\.example>$/);
    const mail = await parseMail(await readPayload(ctx.database, stored.id));
    // Register №14 (the day's 14th) was sent before: this is the second register the hub holds, the day's 15th.
    expect(mail.subject).toBe('Реєстр заяв AG0042 від 02.10.2026 №2');
    expect(mail.messageId).toBe(stored.externalId);
    expect(mail.to).toEqual(['partners@polissia.example']);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['Register_AG0042_20261002_015.xlsx']);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(mail.attachments[0].content as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Заяви')!;
    expect(sheet.getRow(1).values).toEqual([
      undefined,
      '№',
      'Номер заяви',
      'Дата',
      'Продукт',
      'Страхувальник',
      'РНОКПП',
      'Застрахований',
      'Страхова сума',
      'Премія',
      'Код агента',
    ]);
    const row = sheet.getRow(3).values as unknown[];
    expect(row[2]).toBe('Z-2026-00501');
    expect(row[3]).toEqual(new Date('2026-10-01T00:00:00Z'));
    expect(row[8]).toBe(1500000);
    expect(row[9]).toBe(1840.5);
    expect(row[1]).toBe(2);
  });

  it('sends the stored mail byte for byte; after a failed attempt the same mail, not a new one', async () => {
    const smtp = new SmtpSender({ host: '127.0.0.1', port: sink.port });
    const real = mailRegisterSender(adapter, smtp);
    let calls = 0;
    const flaky = async (fileName: string, payload: Buffer) => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('connection dropped'), { retryable: true });
      return real(fileName, payload);
    };
    expect((await deliverBuiltRegisters(deps, insurerId, flaky)).map((d) => d.status)).toEqual(['waiting']);
    const [sent] = await deliverBuiltRegisters(deps, insurerId, flaky);
    expect(sent.status).toBe('sent');
    const [received] = await sink.waitFor(1);
    const register = await ctx.database.db
      .selectFrom('application_register')
      .select(['external_id', 'outbound_message_id', 'status'])
      .where('register_no', '=', 'Register_AG0042_20261002_015.xlsx')
      .executeTakeFirstOrThrow();
    expect(register.status).toBe('sent');
    expect(received.raw.equals(await readPayload(ctx.database, Number(register.outbound_message_id)))).toBe(
      true,
    );
    expect(register.external_id).toBe(sent.externalId);
    expect(received.to).toEqual(['partners@polissia.example']);
    // Nothing is left to send: a second run sends nothing.
    expect(await deliverBuiltRegisters(deps, insurerId, real)).toEqual([]);
    expect(sink.received).toHaveLength(1);
    smtp.close();
  });

  it("Polissia's reply, found by its In-Reply-To, is applied to that register", async () => {
    const register = await ctx.database.db
      .selectFrom('application_register')
      .select(['external_id'])
      .where('register_no', '=', 'Register_AG0042_20261002_015.xlsx')
      .executeTakeFirstOrThrow();
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Результат');
    sheet.addRow(['Номер заяви', 'Статус', 'Коментар', 'Номер договору']);
    sheet.addRow(['Z-2026-00500', 'Прийнято', '', 'PL-ACC-0000500']);
    sheet.addRow(['Z-2026-00501', 'Відхилено', 'Невірний РНОКПП', '']);
    const reply = await composeMail({
      from: '"Полісся партнери" <partners@polissia.example>',
      to: ['exchange@agency.example'],
      subject: 'Re: Реєстр заяв AG0042 від 02.10.2026 №2',
      inReplyTo: register.external_id!,
      references: [register.external_id!],
      attachments: [
        { filename: 'Результат_2.xlsx', content: Buffer.from(await workbook.xlsx.writeBuffer()) },
      ],
    });
    const received = await receiveMail(deps, 'POLISSIA', reply.raw);
    expect(received.message.messageType).toBe('register-answer');
    const [report] = await processPending(deps, 'POLISSIA');
    expect(report).toMatchObject({ status: 'applied', applied: 2 });
    const apps = await ctx.database.db
      .selectFrom('application')
      .select(['number', 'status', 'status_reason'])
      .where('number', 'in', ['Z-2026-00500', 'Z-2026-00501'])
      .orderBy('number')
      .execute();
    expect(apps).toEqual([
      { number: 'Z-2026-00500', status: 'issued', status_reason: null },
      { number: 'Z-2026-00501', status: 'rejected', status_reason: 'Невірний РНОКПП' },
    ]);
  });
});
