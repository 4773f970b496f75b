/**
 * The exchange's own holes (issue 9, "Messages and records" 6): a value the database cannot store
 * must not cost the other rows, and a file first delivered under a name no pattern matches is
 * processed when it comes again under its right name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { findMessage, messageTrail, storeMessage } from '../../../src/exchange/message-store';
import {
  type ExchangeDeps,
  processMessage,
  processPending,
  receive,
  replayMessage,
} from '../../../src/exchange/pipeline';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const root = path.resolve(__dirname, '../../..');
const dnipro = (name: string) => fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__', name));
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

  /** The policy as it stands on `day` (latest valid_from on or before it, then the highest version). */
  const policyOn = (number: string, day = '9999-12-31') =>
    ctx.database.db
      .selectFrom('policy_version as v')
      .innerJoin('policy as p', 'p.id', 'v.policy_id')
      .innerJoin('person as h', 'h.id', 'v.policyholder_id')
      .select(['v.status', 'v.sum_insured', 'v.annual_premium', 'v.valid_from', 'h.tax_number'])
      .where('p.number', '=', number)
      .where('v.valid_from', '<=', day)
      .orderBy('v.valid_from', 'desc')
      .orderBy('v.version_no', 'desc')
      .executeTakeFirstOrThrow();
  const versionCount = async () =>
    Number(
      (
        await ctx.database.db
          .selectFrom('policy_version')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('replaying an older contracts message does not rewind later amendments, also in a closed period', async () => {
    const contracts = await deliver('CONTRACTS_20261002.csv', dnipro('CONTRACTS_20261002.csv'));
    expect(await processMessage(deps, contracts.message.id)).toMatchObject({
      status: 'applied',
      applied: 11,
    });
    const amendments = await deliver('ADDAGR_20261115.csv', dnipro('ADDAGR_20261115.csv'));
    expect(await processMessage(deps, amendments.message.id)).toMatchObject({
      status: 'applied',
      applied: 5,
    });
    await ctx.database.db
      .insertInto('production_period')
      .values({
        code: '2026-10',
        starts_on: '2026-10-01',
        ends_on: '2026-10-31',
        status: 'closed',
        calculated_at: new Date(),
        closed_at: new Date(),
        closed_by: 'test',
      })
      .execute();
    expect(await policyOn('DL-2026-000105')).toMatchObject({ status: 'terminated' });
    const versions = await versionCount();

    const replay = await replayMessage(deps, contracts.message.id);
    expect(replay).toMatchObject({
      status: 'applied',
      applied: 0,
      unchanged: 11,
      recalculationsRequested: 0,
    });
    expect(await versionCount()).toBe(versions);
    // Terminated from 20.10 by the later amendment, and still so; the sum raised from 01.11 stays raised.
    expect(await policyOn('DL-2026-000105')).toMatchObject({ status: 'terminated' });
    expect(await policyOn('DL-2026-000105', '2026-10-19')).toMatchObject({ status: 'in_force' });
    expect(Number((await policyOn('DL-2026-000101')).sum_insured)).toBe(350000);
  });

  it('an older message that changes the history of a closed period asks for its recalculation', async () => {
    const requests = async () =>
      ctx.database.db
        .selectFrom('recalculation_request')
        .select(['period_code', 'effective_on', 'cause_kind'])
        .orderBy('id')
        .execute();
    const store = (externalName: string, messageType: string, lines: string[], at: Date) =>
      storeMessage(
        ctx.database,
        {
          insurerCode: 'DNIPRO_LIFE',
          channel: 'sftp',
          direction: 'inbound',
          messageType,
          externalName,
          payload: cp1251(lines.join('\n') + '\n'),
        },
        at,
      ).then((r) => r.message.id);
    const line = (premium: string) =>
      `DL-2029-000001;;01.10.2026;01.10.2026;30.09.2036;DL-SAV10;"Руденко Віра Олексіївна";3400000001;100 000,00;${premium};12;K-00012;ДІЄ;01.10.2026`;
    // 05.10: the contract; today: its termination from 15.11; only now the letter of 08.10 (premium 1 100,00).
    const first = await store(
      'CONTRACTS_20261005.csv',
      'contracts',
      [CONTRACTS_HEADER, line('1 000,00')],
      new Date('2026-10-05T08:00:00Z'),
    );
    expect(await processMessage(deps, first)).toMatchObject({ status: 'applied', applied: 1 });
    const termination = await store(
      'ADDAGR_20261114.csv',
      'amendments',
      [
        'Номер договору;Номер дод. угоди;Дата угоди;Тип зміни;Нове значення;Дата набуття чинності',
        'DL-2029-000001;1;14.11.2026;РОЗІРВАННЯ;;15.11.2026',
      ],
      new Date(),
    );
    expect(await processMessage(deps, termination)).toMatchObject({ status: 'applied', applied: 1 });
    const before = (await requests()).length;
    const late = await store(
      'CONTRACTS_20261008.csv',
      'contracts',
      [CONTRACTS_HEADER, line('1 100,00')],
      new Date('2026-10-08T08:00:00Z'),
    );
    expect(await processMessage(deps, late)).toMatchObject({
      status: 'applied',
      applied: 1,
      recalculationsRequested: 1,
    });
    // History from 08.10 holds the new premium; the termination known later still stands.
    expect(await policyOn('DL-2029-000001', '2026-10-10')).toMatchObject({
      valid_from: '2026-10-08',
      status: 'in_force',
    });
    expect(Number((await policyOn('DL-2029-000001', '2026-10-10')).annual_premium)).toBe(1100);
    expect(await policyOn('DL-2029-000001')).toMatchObject({ status: 'terminated' });
    const fresh = (await requests()).slice(before);
    expect(fresh.map((r) => [r.period_code, String(r.effective_on).slice(0, 10), r.cause_kind])).toEqual([
      ['2026-10', '2026-10-08', 'policy_change'],
    ]);
  });

  it('a contract for a policy number held under another policyholder is a row issue and a mismatch, not a new holder', async () => {
    const versions = await versionCount();
    const { message } = await deliver(
      'CONTRACTS_20261204.csv',
      cp1251(
        [
          CONTRACTS_HEADER,
          'DL-2026-000101;Z-2026-00301;01.10.2026;02.10.2026;01.10.2036;DL-SAV10;"Іваненко Петро Іванович";3300000001;350 000,00;21 600,00;12;K-00012;ДІЄ;02.10.2026',
        ].join('\n') + '\n',
      ),
    );
    const report = await processMessage(deps, message.id);
    expect(report).toMatchObject({ status: 'applied', applied: 0, rowIssues: 1, mismatchesRaised: 1 });
    expect(report.errors[0]).toMatchObject({ row: 2, field: 'policyholder' });
    expect(report.errors[0].message).toMatch(/held by Шевченко Тарас Григорович \(2845102317\)/);
    expect(await versionCount()).toBe(versions);
    expect(await policyOn('DL-2026-000101')).toMatchObject({ tax_number: '2845102317' });
    const mismatch = await ctx.database.db
      .selectFrom('mismatch')
      .selectAll()
      .where('source_message_id', '=', message.id)
      .executeTakeFirstOrThrow();
    expect(mismatch).toMatchObject({
      kind: 'other',
      field: 'policyholder',
      policy_number: 'DL-2026-000101',
      insurer_value: 'Іваненко Петро Іванович (3300000001)',
      our_value: 'Шевченко Тарас Григорович (2845102317)',
      status: 'open',
    });
  });
});
