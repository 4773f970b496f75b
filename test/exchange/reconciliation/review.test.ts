/**
 * Reconciliation review to the end, from Dnipro Life's real sample files (and copies of them changed
 * one line at a time): each kind raised with both values and the message and row it came from; the
 * same data again raises nothing; a later import that removes the difference resolves it by itself,
 * naming the message; an adapter rule ignores a one-kopiyka premium difference; the sweep raises an
 * accepted application with no contract; a person resolves (alias, link, accept, keep ours, ignore),
 * and an alias is what a later import uses.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { processMessage, receive, replayMessage } from '../../../src/exchange/pipeline';
import {
  listMismatches,
  resolveMismatches,
  sweepAcceptedNoContract,
} from '../../../src/exchange/reconciliation';
import { describeEachEngine } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const samples = path.resolve(__dirname, '../../../adapters/dnipro-life/__fixtures__');
const sample = (name: string) => fs.readFileSync(path.join(samples, name));
const text = (name: string) => iconv.decode(sample(name), 'win1251');
const cp1251 = (t: string) => iconv.encode(t, 'win1251');
const COMMISSION_HEADER = 'Номер договору;Дата оплати;Сума премії;Ставка, %;Сума винагороди\r\n';

describeEachEngine('reconciliation review', (ctx) => {
  let deps: { database: typeof ctx.database; secretsDir: string };
  const messages: Record<string, number> = {};

  const deliver = async (name: string, payload: Buffer) => {
    const { message } = await receive(deps, {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      fileName: name,
      payload,
    });
    const report = await processMessage(deps, message.id);
    messages[name] = message.id;
    return report;
  };
  const mismatches = async (kind: string) =>
    (await listMismatches(ctx.database, { kind }, { page: 1, pageSize: 100 })).items;
  const trail = (id: number) =>
    ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'reason'])
      .where('entity_kind', '=', 'mismatch')
      .where('entity_id', '=', String(id))
      .orderBy('id')
      .execute();

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });

  it('a payment for a policy the hub does not know is payment_unknown_policy, with the message and row', async () => {
    await deliver('PAYMENTS_202610.csv', sample('PAYMENTS_202610.csv'));
    const found = await mismatches('payment_unknown_policy');
    expect(found.length).toBeGreaterThan(0);
    expect(
      found.every((m) => m.status === 'open' && m.sourceMessageId === messages['PAYMENTS_202610.csv']),
    ).toBe(true);
    expect(found.find((m) => m.policyNumber === 'DL-2026-000101')).toMatchObject({
      insurerValue: 'DL-2026-000101',
      sourceRow: expect.any(Number),
    });
    expect(await mismatches('unknown_policy')).toEqual([]);
  });

  it('the sweep raises an application accepted with no contract after the adapter’s days, once', async () => {
    await deliver('ACK_REG_AG0042_20261005_001.csv', sample('ACK_REG_AG0042_20261005_001.csv'));
    const later = new Date(Date.now() + 15 * 86_400_000);
    expect((await sweepAcceptedNoContract(ctx.database, { at: new Date() })).raised).toBe(0);
    const first = await sweepAcceptedNoContract(ctx.database, { at: later, insurerCode: 'DNIPRO_LIFE' });
    expect(first.raised).toBeGreaterThanOrEqual(1);
    expect((await sweepAcceptedNoContract(ctx.database, { at: later })).raised).toBe(0);
    const overdue = await mismatches('accepted_no_contract');
    expect(overdue.map((m) => m.ourValue)).toContainEqual(expect.stringContaining('Z-2026-00303'));
    expect(overdue.every((m) => m.applicationId !== null && m.status === 'open')).toBe(true);
  });

  it('contracts: unknown consultant code, a policy on a rejected application; the contracts resolve the sweep’s mismatches', async () => {
    await deliver('CONTRACTS_20261002.csv', sample('CONTRACTS_20261002.csv'));
    expect(await mismatches('consultant_code_unknown')).toEqual([
      expect.objectContaining({ policyNumber: 'DL-2026-000107', insurerValue: 'K-99999', status: 'open' }),
    ]);
    expect(await mismatches('application_rejected_but_issued')).toEqual([
      expect.objectContaining({ policyNumber: 'DL-2026-000104' }),
    ]);
    const overdue = await mismatches('accepted_no_contract');
    expect(overdue.every((m) => m.status === 'resolved' && m.action === 'cleared')).toBe(true);
    expect(overdue[0].resolvedByMessageId).toBe(messages['CONTRACTS_20261002.csv']);
    expect((await trail(overdue[0].id)).map((t) => t.action)).toEqual(['mismatch.cleared']);
  });

  it('a replay of the payments once the contracts are there resolves payment_unknown_policy by itself', async () => {
    const replay = await replayMessage(deps, messages['PAYMENTS_202610.csv']);
    const payments = await mismatches('payment_unknown_policy');
    expect(payments.every((m) => m.status === 'resolved' && m.action === 'cleared')).toBe(true);
    expect(payments[0].resolvedByMessageId).toBe(replay.messageId);
    expect((await trail(payments[0].id))[0].reason).toMatch(new RegExp(`message ${replay.messageId}`));
  });

  it('the commission statement: DL-2026-000109 at 25 % where 20 % was agreed is commission_rate_differs; again, nothing new', async () => {
    const report = await deliver('COMMISSION_202610.csv', sample('COMMISSION_202610.csv'));
    expect(report.mismatchesRaised).toBe(1);
    expect(await mismatches('commission_rate_differs')).toEqual([
      expect.objectContaining({
        policyNumber: 'DL-2026-000109',
        field: 'rate_pct',
        insurerValue: '25',
        ourValue: '20',
        sourceRow: 8,
        status: 'open',
      }),
    ]);
    const before = (await listMismatches(ctx.database, {}, { page: 1, pageSize: 1 })).total;
    expect((await replayMessage(deps, messages['COMMISSION_202610.csv'])).mismatchesRaised).toBe(0);
    expect((await listMismatches(ctx.database, {}, { page: 1, pageSize: 1 })).total).toBe(before);
  });

  it('an amount that is not rate × premium is commission_amount_differs; a one-kopiyka premium difference is ignored by the adapter rule; a corrected statement resolves the amount', async () => {
    await deliver(
      'COMMISSION_202610.csv',
      cp1251(
        `${COMMISSION_HEADER}DL-2026-000101;02.10.2026;1 200,00;25;310,00\r\nDL-2026-000102;15.10.2026;2 450,51;30;735,15\r\n`,
      ),
    );
    const [amount] = await mismatches('commission_amount_differs');
    expect(amount).toMatchObject({
      policyNumber: 'DL-2026-000101',
      insurerValue: '310.00',
      ourValue: '300.00',
    });
    const premium = (await mismatches('premium_differs')).find((m) => m.policyNumber === 'DL-2026-000102')!;
    expect(premium).toMatchObject({
      status: 'ignored',
      action: 'auto_rule',
      insurerValue: '2450.51',
      ourValue: '2450.50',
    });
    expect((await trail(premium.id))[0]).toMatchObject({ action: 'mismatch.auto_rule' });

    await deliver(
      'COMMISSION_202610.csv',
      cp1251(`${COMMISSION_HEADER}DL-2026-000101;02.10.2026;1 200,00;25;300,00\r\n\r\n`),
    );
    const [after] = await mismatches('commission_amount_differs');
    expect(after).toMatchObject({ status: 'resolved', action: 'cleared' });
  });

  it('a contract citing an application the hub does not hold is contract_without_application; linking it changes the policy', async () => {
    const row = text('CONTRACTS_20261002.csv')
      .split('\r\n')
      .find((l) => l.startsWith('DL-2026-000112'))!;
    const header = text('CONTRACTS_20261002.csv').split('\r\n')[0];
    await deliver(
      'CONTRACTS_20261003.csv',
      cp1251(`${header}\r\n${row.replace('DL-2026-000112;;', 'DL-2026-000113;Z-2026-00399;')}\r\n`),
    );
    const [orphan] = await mismatches('contract_without_application');
    expect(orphan).toMatchObject({
      policyNumber: 'DL-2026-000113',
      insurerValue: 'application Z-2026-00399',
    });
    const [result] = await resolveMismatches(ctx.database, [orphan.id], {
      action: 'link_application',
      applicationNumber: 'Z-2026-00304',
      comment: 'the insurer re-underwrote 00304 under a new number',
      by: 'olena',
    });
    expect(result.changes[0]).toMatch(/linked to application Z-2026-00304/);
    const policy = await ctx.database.db
      .selectFrom('policy as p')
      .innerJoin('application as a', 'a.id', 'p.application_id')
      .select('a.number')
      .where('p.number', '=', 'DL-2026-000113')
      .executeTakeFirstOrThrow();
    expect(policy.number).toBe('Z-2026-00304');
  });

  it('an agent-code alias added from a mismatch sets the consultant, and a later import uses it', async () => {
    const [unknown] = await mismatches('consultant_code_unknown');
    await resolveMismatches(ctx.database, [unknown.id], {
      action: 'add_alias',
      consultantCode: 'K-00047',
      comment: 'K-99999 is how the insurer keys K-00047',
      by: 'olena',
    });
    const consultantOf = async (number: string) =>
      (
        await ctx.database.db
          .selectFrom('policy_version as v')
          .innerJoin('policy as p', 'p.id', 'v.policy_id')
          .innerJoin('consultant as c', 'c.id', 'v.consultant_id')
          .select(['c.code', 'v.version_no'])
          .where('p.number', '=', number)
          .orderBy('v.version_no', 'desc')
          .executeTakeFirst()
      )?.code;
    expect(await consultantOf('DL-2026-000107')).toBe('K-00047');

    const header = text('CONTRACTS_20261002.csv').split('\r\n')[0];
    const row = text('CONTRACTS_20261002.csv')
      .split('\r\n')
      .find((l) => l.startsWith('DL-2026-000107'))!;
    const report = await deliver(
      'CONTRACTS_20261005.csv',
      cp1251(`${header}\r\n${row.replace('DL-2026-000107', 'DL-2026-000114')}\r\n`),
    );
    expect(report.mismatchesRaised).toBe(0);
    expect(await consultantOf('DL-2026-000114')).toBe('K-00047');
    expect((await trail(unknown.id)).map((t) => t.action)).toEqual(['mismatch.add_alias']);
  });

  it('accept the insurer’s value, keep ours with a letter, ignore many: each with its trail; a closed one refuses the whole request', async () => {
    const [rejected] = await mismatches('application_rejected_but_issued');
    const [accepted] = await resolveMismatches(ctx.database, [rejected.id], {
      action: 'accept_insurer',
      comment: 'the client took the lower sum insured',
      by: 'olena',
    });
    expect(accepted.changes[0]).toMatch(/DL-2026-000104 is linked to application Z-2026-00304/);

    const [rate] = await mismatches('commission_rate_differs');
    const [kept] = await resolveMismatches(ctx.database, [rate.id], {
      action: 'keep_ours',
      comment: 'the agreement says 20 %',
      by: 'olena',
    });
    expect(kept.letter!.subject).toMatch(/^Договір №DL-2026-000109/);
    expect(kept.letter!.body).toMatch(/Ваші дані: 25[\s\S]*Наші дані \(узгоджені\): 20/);

    // November's statement counts premium the hub has no payment for: premium_differs, open.
    await deliver(
      'COMMISSION_202611.csv',
      cp1251(`${COMMISSION_HEADER}DL-2026-000103;04.11.2026;980,00;20;196,00\r\n`),
    );
    const open = (await listMismatches(ctx.database, { status: 'open' }, { page: 1, pageSize: 100 })).items;
    expect(open).toContainEqual(
      expect.objectContaining({
        kind: 'premium_differs',
        policyNumber: 'DL-2026-000103',
        insurerValue: '980.00',
        ourValue: '0.00',
      }),
    );
    await expect(
      resolveMismatches(ctx.database, [open[0].id, rate.id], {
        action: 'ignore',
        comment: 'not ours',
        by: 'petro',
      }),
    ).rejects.toMatchObject({ statusCode: 409 });
    expect((await listMismatches(ctx.database, { status: 'open' }, { page: 1, pageSize: 100 })).total).toBe(
      open.length,
    );
    const ignored = await resolveMismatches(
      ctx.database,
      open.map((m) => m.id),
      { action: 'ignore', comment: 'seen, nothing to do', by: 'petro' },
    );
    expect(ignored.every((r) => r.status === 'ignored')).toBe(true);
    expect(await trail(open[0].id)).toEqual([
      expect.objectContaining({ actor: 'petro', action: 'mismatch.ignored', reason: 'seen, nothing to do' }),
    ]);
  });
});
