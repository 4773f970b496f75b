import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { findMessage, messageTrail } from '../../../src/exchange/message-store';
import {
  type ExchangeDeps,
  processMessage,
  processPending,
  receive,
  replayMessage,
} from '../../../src/exchange/pipeline';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const root = path.resolve(__dirname, '../../..');
const dnipro = (name: string) => fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__', name));
const karpaty = (name: string) => fs.readFileSync(path.join(root, 'adapters/karpaty/__fixtures__', name));
const cp1251 = (text: string) => iconv.encode(text.replace(/\n/g, '\r\n'), 'win1251');

describeEachEngine('the inbound pipeline', (ctx) => {
  let deps: ExchangeDeps;
  const count = async (
    table:
      | 'policy'
      | 'policy_version'
      | 'premium_payment'
      | 'commission_statement_line'
      | 'exchange_message'
      | 'mismatch',
  ) =>
    Number(
      (
        await ctx.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const deliver = (fileName: string, payload: Buffer, insurerCode = 'DNIPRO_LIFE', messageType?: string) =>
    receive(deps, {
      insurerCode,
      channel: insurerCode === 'KARPATY' ? 'rest' : 'sftp',
      fileName,
      externalId: `/out/${fileName}`,
      payload,
      messageType,
    });

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
    // This test deployment registers the certificate the spec's samples are signed with as Karpaty's.
    fs.copyFileSync(KARPATY_SPEC_CERTIFICATE, path.join(deps.secretsDir, 'karpaty-insurer.crt'));
  });

  it('stores a file once however often it is delivered', async () => {
    const first = await deliver('CONTRACTS_20261002.csv', dnipro('CONTRACTS_20261002.csv'));
    const second = await deliver('CONTRACTS_20261002.csv', dnipro('CONTRACTS_20261002.csv'));
    const third = await deliver('CONTRACTS_20261002.csv', dnipro('CONTRACTS_20261002.csv'));
    expect(first.duplicate).toBe(false);
    expect([second.duplicate, third.duplicate]).toEqual([true, true]);
    expect(second.message.id).toBe(first.message.id);
    expect(first.message).toMatchObject({
      status: 'received',
      messageType: 'contracts',
      channel: 'sftp',
      sizeBytes: dnipro('CONTRACTS_20261002.csv').length,
    });
    expect(await count('exchange_message')).toBe(1);
  });

  it('applies the contracts, keeps the impossible date as a row issue naming row and field', async () => {
    // The register's answer came first, as it does: Z-2026-00304 was rejected.
    const ack = await deliver('ACK_REG_AG0042_20261005_001.csv', dnipro('ACK_REG_AG0042_20261005_001.csv'));
    expect(await processMessage(deps, ack.message.id)).toMatchObject({ status: 'applied', applied: 5 });
    const [{ id }] = await ctx.database.db
      .selectFrom('exchange_message')
      .select('id')
      .orderBy('id')
      .execute();
    const report = await processMessage(deps, Number(id));
    expect(report).toMatchObject({
      status: 'applied',
      rows: 12,
      applied: 11,
      rowIssues: 1,
      mismatchesRaised: 2,
    });
    expect(report.errors).toEqual([
      expect.objectContaining({
        file: 'CONTRACTS_20261002.csv',
        row: 11,
        field: 'Дата укладення',
        message: expect.stringMatching(/31\.09\.2026/),
      }),
    ]);
    const issues = await ctx.database.db
      .selectFrom('exchange_row_issue')
      .selectAll()
      .where('message_id', '=', Number(id))
      .execute();
    expect(issues.map((i) => [i.row_no, i.field, i.kind, i.status])).toEqual([
      [11, 'Дата укладення', 'mapping', 'open'],
    ]);
    expect((await messageTrail(ctx.database, Number(id))).map((e) => e.status)).toEqual([
      'received',
      'mapped',
      'applied',
    ]);
    expect(await count('policy')).toBe(11);
  });

  it('does not apply a message twice, and a replay leaves the core as it was', async () => {
    const [{ id }] = await ctx.database.db
      .selectFrom('exchange_message')
      .select('id')
      .orderBy('id')
      .execute();
    expect((await processMessage(deps, Number(id))).status).toBe('skipped');
    const versions = await count('policy_version');
    const replay = await replayMessage(deps, Number(id));
    expect(replay).toMatchObject({ status: 'applied', applied: 0, unchanged: 11, mismatchesRaised: 0 });
    expect(await count('policy_version')).toBe(versions);
    expect(await count('policy')).toBe(11);
    expect((await findMessage(ctx.database, replay.messageId))?.replayOfId).toBe(Number(id));
  });

  it('processes what is pending in dependency order: amendments, payments, commission', async () => {
    await deliver('COMMISSION_202610.csv', dnipro('COMMISSION_202610.csv'));
    await deliver('PAYMENTS_202610.csv', dnipro('PAYMENTS_202610.csv'));
    await deliver('ADDAGR_20261115.csv', dnipro('ADDAGR_20261115.csv'));
    const reports = await processPending(deps, 'DNIPRO_LIFE');
    expect(reports.map((r) => `${r.messageType}:${r.status}:${r.applied}`)).toEqual([
      'amendments:applied:5',
      'payments:applied:9',
      'commission:applied:7',
    ]);
    expect(await count('premium_payment')).toBe(9);
    const rate = await ctx.database.db
      .selectFrom('mismatch')
      .selectAll()
      .where('kind', '=', 'commission_rate_differs')
      .executeTakeFirstOrThrow();
    expect(rate).toMatchObject({ policy_number: 'DL-2026-000109', insurer_value: '25', our_value: '20' });
  });

  it('refuses a commission statement with a bad line whole (reject-file): nothing of it is applied', async () => {
    const before = await count('commission_statement_line');
    const text =
      'Номер договору;Дата оплати;Сума премії;Ставка, %;Сума винагороди\nDL-2026-000101;02.11.2026;1 200,00;25;300,00\nDL-2026-000102;15.11.2026;два;30;735,15\n';
    const { message } = await deliver('COMMISSION_202611.csv', cp1251(text));
    const report = await processMessage(deps, message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors).toEqual([expect.objectContaining({ row: 3, field: 'Сума премії' })]);
    expect(await count('commission_statement_line')).toBe(before);
    expect((await findMessage(ctx.database, message.id))?.status).toBe('quarantined');
  });

  it('quarantines a file in the wrong encoding with a reason a person can act on', async () => {
    const utf8 = Buffer.from(
      iconv.decode(dnipro('PAYMENTS_202610.csv'), 'win1251').replace('DL-2026-000101', 'DL-2026-000101 '),
      'utf8',
    );
    const { message } = await deliver('PAYMENTS_202611.csv', utf8);
    const report = await processMessage(deps, message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0].message).toMatch(/UTF-8|encoding|1251/i);
  });

  it('keeps a file no message type claims, and one with an unsafe name, quarantined', async () => {
    const stray = await deliver('README.txt', Buffer.from('hello'));
    expect(stray.message.status).toBe('quarantined');
    expect(JSON.stringify(stray.message.statusReason)).toMatch(
      /no message type of DNIPRO_LIFE matches the file name README\.txt/,
    );
    const unsafe = await deliver('../CONTRACTS_20261005.csv', Buffer.from('Номер договору;…'));
    expect(unsafe.message.status).toBe('quarantined');
    expect(JSON.stringify(unsafe.message.statusReason)).toMatch(/\.\./);
  });

  it('Karpaty: a signed policy page is verified and applied; the tampered page is refused and nothing of it applied', async () => {
    const good = await deliver(
      'policies-20261121-p1.xml',
      karpaty('policies-page-1.xml'),
      'KARPATY',
      'contracts',
    );
    expect(await processMessage(deps, good.message.id)).toMatchObject({ status: 'applied', applied: 3 });
    const policies = await count('policy');
    const versions = await count('policy_version');
    const tampered = await deliver(
      'policies-20261122-p1.xml',
      karpaty('policies-tampered.xml'),
      'KARPATY',
      'contracts',
    );
    const report = await processMessage(deps, tampered.message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0]).toMatchObject({ kind: 'signature', file: 'policies-20261122-p1.xml' });
    expect(await count('policy')).toBe(policies);
    expect(await count('policy_version')).toBe(versions);
  });

  it('Karpaty: an unsigned document is not processed', async () => {
    const { message } = await deliver(
      'payments-2026-10.xml',
      karpaty('payments-2026-10.xml'),
      'KARPATY',
      'payments',
    );
    const report = await processMessage(deps, message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0].kind).toBe('signature');
  });

  it('refuses an XML entity bomb and an external entity', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><PolicyPage>&lol2;</PolicyPage>';
    const external =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><PolicyPage>&xxe;</PolicyPage>';
    for (const [name, body] of [
      ['policies-bomb.xml', bomb],
      ['policies-xxe.xml', external],
    ]) {
      const { message } = await deliver(name, Buffer.from(body), 'KARPATY', 'contracts');
      const report = await processMessage(deps, message.id);
      expect(report.status).toBe('quarantined');
      expect(report.errors[0].message).toMatch(/DOCTYPE|ENTITY/);
    }
  });

  it('refuses a file over the adapter size limit', async () => {
    const adaptersDir = fs.mkdtempSync(path.join(os.tmpdir(), 'adapters-'));
    fs.cpSync(path.join(root, 'adapters/dnipro-life'), path.join(adaptersDir, 'dnipro-life'), {
      recursive: true,
    });
    const file = path.join(adaptersDir, 'dnipro-life/adapter.yaml');
    fs.writeFileSync(
      file,
      fs.readFileSync(file, 'utf8').replace(/maxSizeBytes: 52428800/g, 'maxSizeBytes: 500'),
    );
    const small = { ...deps, adaptersDir };
    const { message } = await receive(small, {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      fileName: 'CONTRACTS_20261003.csv',
      payload: Buffer.concat([dnipro('CONTRACTS_20261002.csv'), Buffer.from(' ')]),
    });
    const report = await processMessage(small, message.id);
    expect(report.status).toBe('quarantined');
    expect(report.errors[0].message).toMatch(/500/);
  });
});
