/**
 * The exchange's own holes (issue 9, "Messages and records" 6): a value the database cannot store
 * must not cost the other rows, and a file first delivered under a name no pattern matches is
 * processed when it comes again under its right name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { findMessage, messageTrail } from '../../../src/exchange/message-store';
import { type ExchangeDeps, processMessage, processPending, receive } from '../../../src/exchange/pipeline';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const cp1251 = (text: string) => iconv.encode(text.replace(/\n/g, '\r\n'), 'win1251');

const CONTRACTS_HEADER =
  'Номер договору;Номер заяви;Дата укладення;Дата початку;Дата закінчення;Код продукту;Страхувальник;РНОКПП;Страхова сума;Річна премія;Періодичність;Код агента;Статус;Дата статусу';
const contract = (number: string, holder: string, tax: string) =>
  `${number};;01.12.2026;02.12.2026;01.12.2036;DL-SAV10;"${holder}";${tax};100 000,00;1 200,00;12;K-00012;ДІЄ;02.12.2026`;

describeEachEngine('holes in the exchange pipeline', (ctx) => {
  let deps: ExchangeDeps;
  const deliver = (fileName: string, payload: Buffer) =>
    receive(deps, {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      fileName,
      externalId: `/out/${fileName}`,
      payload,
    });
  const policyCount = async (prefix: string) =>
    Number(
      (
        await ctx.database.db
          .selectFrom('policy')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('number', 'like', `${prefix}%`)
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });

  it('a value longer than its column or with a NUL byte is a row issue; the other rows and later messages are applied', async () => {
    const contracts = await deliver(
      'CONTRACTS_20261202.csv',
      cp1251(
        [
          CONTRACTS_HEADER,
          contract('DL-2028-000001', 'Мельник Андрій Олегович', '3200000001'),
          contract('DL-2028-000002', 'Д'.repeat(400), '3200000002'),
          contract('DL-2028-000003', 'Кравець\u0000Ольга', '3200000003'),
          contract('DL-2028-000004', 'Лисенко Ірина Петрівна', '3200000004'),
        ].join('\n') + '\n',
      ),
    );
    const payments = await deliver(
      'PAYMENTS_202612.csv',
      cp1251(
        'Номер договору;Дата оплати;Сума;Покриття з;Покриття по;Рік дії договору\nDL-2028-000001;03.12.2026;100,00;02.12.2026;01.01.2027;1\n',
      ),
    );
    const reports = await processPending(deps, 'DNIPRO_LIFE');
    const byId = new Map(reports.map((r) => [r.messageId, r]));
    expect(byId.get(contracts.message.id)).toMatchObject({
      status: 'applied',
      rows: 4,
      applied: 2,
      rowIssues: 2,
    });
    expect(byId.get(payments.message.id)).toMatchObject({ status: 'applied', applied: 1 });
    expect(await policyCount('DL-2028-')).toBe(2);
    const issues = await ctx.database.db
      .selectFrom('exchange_row_issue')
      .select(['row_no', 'field', 'kind', 'message'])
      .where('message_id', '=', contracts.message.id)
      .orderBy('row_no')
      .execute();
    expect(issues.map((i) => [i.row_no, i.field, i.kind])).toEqual([
      [3, 'Страхувальник', 'validation'],
      [4, 'Страхувальник', 'validation'],
    ]);
    expect(issues[0].message).toMatch(/400 characters long; at most 300/);
    expect(issues[1].message).toMatch(/NUL byte/);
    expect(byId.get(contracts.message.id)?.errors[0]).toMatchObject({
      file: 'CONTRACTS_20261202.csv',
      row: 3,
      field: 'Страхувальник',
    });
  });

  it('a file first delivered under a name no pattern matches is processed when re-sent under its right name', async () => {
    const payload = cp1251(
      [CONTRACTS_HEADER, contract('DL-2028-000101', 'Гончаренко Павло Ігорович', '3200000101')].join('\n') +
        '\n',
    );
    const stray = await deliver('contracts-december.csv', payload);
    expect(stray.message).toMatchObject({ status: 'quarantined', messageType: 'unrecognised' });
    const resent = await deliver('CONTRACTS_20261203.csv', payload);
    expect(resent.duplicate).toBe(false);
    expect(resent.message).toMatchObject({
      status: 'received',
      messageType: 'contracts',
      externalName: 'CONTRACTS_20261203.csv',
    });
    expect(await processMessage(deps, resent.message.id)).toMatchObject({ status: 'applied', applied: 1 });
    expect(await policyCount('DL-2028-0001')).toBe(1);
    // The trail says what happened on both records.
    expect(JSON.stringify(await messageTrail(ctx.database, resent.message.id))).toMatch(
      new RegExp(`first delivered as contracts-december\\.csv \\(message ${stray.message.id}\\)`),
    );
    expect(JSON.stringify(await messageTrail(ctx.database, stray.message.id))).toMatch(
      new RegExp(`re-sent as CONTRACTS_20261203\\.csv: message ${resent.message.id}`),
    );
    expect((await findMessage(ctx.database, stray.message.id))?.status).toBe('quarantined');
    // The same content under the right name once more is a duplicate of the recognised one.
    const third = await deliver('CONTRACTS_20261203.csv', payload);
    expect(third).toMatchObject({ duplicate: true, message: { id: resent.message.id } });
  });
});
