/**
 * Bad mail from (or posing as) Polissia: each one is kept raw, marked with a reason a person can act
 * on, and the rest of the mailbox goes on — a good bordereau after them is applied as usual.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { type ExchangeDeps, processPending, receiveMail } from '../../../src/exchange/pipeline';
import { composeMail } from '../../../src/exchange/transports/email';
import { describeEachEngine } from '../../support/engines';
import { seedPolissia } from '../support/polissia';

const root = path.resolve(__dirname, '../../..');
const sample = (name: string) => fs.readFileSync(path.join(root, 'adapters/polissia/__fixtures__', name));
const PARTNERS = '"Полісся партнери" <partners@polissia.example>';

let serial = 0;
async function mail(options: {
  from?: string;
  subject: string;
  text?: string;
  attachments?: { filename: string; content: Buffer }[];
}): Promise<Buffer> {
  serial += 1;
  return (
    await composeMail({
      from: options.from ?? PARTNERS,
      to: ['exchange@agency.example'],
      subject: options.subject,
      messageId: `<bad-${serial}-${Date.now()}@polissia.example>`,
      text: options.text ?? 'Див. вкладення.',
      attachments: options.attachments ?? [],
    })
  ).raw;
}

/** The sample bordereau with one sheet taken out, or one column of a sheet emptied of its heading. */
async function bordereau(change: (book: ExcelJS.Workbook) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(sample('Бордеро_2026_10.xlsx') as unknown as ArrayBuffer);
  change(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

describeEachEngine('Polissia: bad mail is kept and explained, the rest goes on', (ctx) => {
  let deps: ExchangeDeps;

  beforeAll(async () => {
    await seedPolissia(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });

  /** The message's status and its reason as a person reads it (the stored reason, as text). */
  const statusOf = async (id: number) => {
    const row = await ctx.database.db
      .selectFrom('exchange_message')
      .select(['status', 'status_reason', 'message_type'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const reason = ctx.database.dialect.readJson(row.status_reason);
    return { ...row, status_reason: typeof reason === 'string' ? reason : JSON.stringify(reason) };
  };

  it('a bordereau by its subject with no attachment is quarantined saying so', async () => {
    const received = await receiveMail(deps, 'POLISSIA', await mail({ subject: 'Бордеро AG0042 09.2026' }));
    expect(received.message.messageType).toBe('bordereau');
    const row = await statusOf(received.message.id);
    expect(row.status).toBe('quarantined');
    expect(row.status_reason).toContain('has no attachment matching');
  });

  it('a bordereau missing a sheet, one missing a column and one that is not XLSX are refused by name', async () => {
    const noPayments = await receiveMail(
      deps,
      'POLISSIA',
      await mail({
        subject: 'Бордеро AG0042 08.2026',
        attachments: [
          {
            filename: 'Бордеро_2026_08.xlsx',
            content: await bordereau((book) => book.removeWorksheet(book.getWorksheet('Платежі')!.id)),
          },
        ],
      }),
    );
    const noColumn = await receiveMail(
      deps,
      'POLISSIA',
      await mail({
        subject: 'Бордеро AG0042 07.2026',
        attachments: [
          {
            filename: 'Бордеро_2026_07.xlsx',
            content: await bordereau((book) => {
              const sheet = book.getWorksheet('Договори')!;
              sheet.getRow(1).getCell(1).value = null;
            }),
          },
        ],
      }),
    );
    const notXlsx = await receiveMail(
      deps,
      'POLISSIA',
      await mail({
        subject: 'Бордеро AG0042 06.2026',
        attachments: [{ filename: 'Бордеро_2026_06.xlsx', content: Buffer.from('Номер;Сума\r\n1;2\r\n') }],
      }),
    );
    await processPending(deps, 'POLISSIA');
    for (const m of [noPayments, noColumn, notXlsx]) {
      const row = await statusOf(m.message.id);
      expect({ id: m.message.id, status: row.status }).toEqual({ id: m.message.id, status: 'quarantined' });
    }
    expect((await statusOf(noPayments.message.id)).status_reason).toMatch(/Платежі/);
    expect((await statusOf(noColumn.message.id)).status_reason).toContain("missing 'Номер договору'");
    expect((await statusOf(notXlsx.message.id)).status_reason).toMatch(/xlsx|zip|workbook/i);
    // Nothing of them was applied: no policy, payment or commission line came from them.
    const applied = await ctx.database.db
      .selectFrom('premium_payment')
      .select(({ fn }) => fn.countAll<number>().as('n'))
      .where(
        'source_message_id',
        'in',
        [noPayments, noColumn, notXlsx].map((m) => m.message.id),
      )
      .executeTakeFirstOrThrow();
    expect(Number(applied.n)).toBe(0);
  });

  it('a sender posing as the insurer and a mail from our own address are kept aside with the reason', async () => {
    const forged = await receiveMail(
      deps,
      'POLISSIA',
      await mail({
        from: '"Полісся партнери" <partners@polissia-example.com>',
        subject: 'Бордеро AG0042 10.2026',
        attachments: [{ filename: 'Бордеро_2026_10.xlsx', content: sample('Бордеро_2026_10.xlsx') }],
      }),
    );
    expect(forged.message.messageType).toBe('unknown-sender');
    const forgedRow = await statusOf(forged.message.id);
    expect(forgedRow.status).toBe('quarantined');
    expect(forgedRow.status_reason).toContain('partners@polissia-example.com');

    const loop = await receiveMail(
      deps,
      'POLISSIA',
      await mail({ from: 'Агенція AG0042 <exchange@agency.example>', subject: 'Re: Re: Реєстр заяв' }),
    );
    const loopRow = await statusOf(loop.message.id);
    expect(loopRow.status).toBe('quarantined');
    expect(loopRow.status_reason).toContain('mail loop');
  });

  it('a letter whose charset is mislabelled is still kept whole, raw, for a person', async () => {
    const cp1251 = iconv.encode('Добрий день! Договір №PL-ACC-0000452 подовжено.', 'win1251');
    const raw = Buffer.concat([
      Buffer.from(
        [
          'From: "Полісся партнери" <partners@polissia.example>',
          'To: exchange@agency.example',
          'Subject: =?utf-8?B?' + Buffer.from('Лист без кодування').toString('base64') + '?=',
          `Message-ID: <charset-${Date.now()}@polissia.example>`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset="x-no-such-charset"',
          'Content-Transfer-Encoding: 8bit',
          '',
          '',
        ].join('\r\n'),
      ),
      cp1251,
    ]);
    const received = await receiveMail(deps, 'POLISSIA', raw);
    const stored = await ctx.database.db
      .selectFrom('exchange_message')
      .select(['payload', 'message_type'])
      .where('id', '=', received.message.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.payload as Uint8Array).equals(raw)).toBe(true);
    expect(stored.message_type).toBe('letter');
  });

  it('the good bordereau that follows is applied as usual', async () => {
    const good = await receiveMail(deps, 'POLISSIA', sample('bordereau-2026-10.eml'));
    await processPending(deps, 'POLISSIA');
    expect((await statusOf(good.message.id)).status).toBe('applied');
  });
});
