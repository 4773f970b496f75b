/**
 * Dnipro Life end to end against its sandbox, from a clean database: the register goes out over
 * SFTP exactly as the spec's sample, the insurer's ACK and contracts come back and are applied, then
 * payments; nothing is fetched twice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPayload } from '../../../src/exchange/message-store';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { type ChannelOverrides, runExchange } from '../../../src/exchange/runs';
import { type DniproLifeSandbox, generateEd25519KeyPair, startDniproLifeSandbox } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { dniproLifeApplications, seedOnboarding } from './onboarding-fixture';

const sampleRegister = fs.readFileSync(
  path.resolve(__dirname, '../../../adapters/dnipro-life/__fixtures__/REG_AG0042_20261005_001.csv'),
);

describeEachEngine('Dnipro Life exchange over SFTP with the sandbox insurer', (ctx) => {
  let sandbox: DniproLifeSandbox;
  let deps: ExchangeDeps;
  let overrides: ChannelOverrides;

  beforeAll(async () => {
    await seedOnboarding(ctx.database, dniproLifeApplications);
    const keys = generateEd25519KeyPair();
    const rootDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnipro-sandbox-'));
    // The insurer answers when it gets to its inbox (processInbox), not while we are still connected.
    sandbox = await startDniproLifeSandbox({
      rootDir,
      clientPublicKey: keys.public,
      today: () => '2026-10-06',
      answerImmediately: false,
    });
    overrides = {
      sftp: {
        host: sandbox.host,
        port: sandbox.port,
        username: sandbox.username,
        privateKey: keys.private,
        hostKeySha256: sandbox.hostKeySha256,
      },
    };
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('a dry run says what would go out and changes nothing', async () => {
    const report = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-10-05', dryRun: true });
    expect(report.registerBuilt).toEqual({ fileName: 'REG_AG0042_20261005_001.csv', applications: 5 });
    const pending = await ctx.database.db
      .selectFrom('application')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toHaveLength(5);
    expect(await ctx.database.db.selectFrom('application_register').select('id').execute()).toHaveLength(0);
  });

  it('sends the register byte for byte as the spec sample, with its .done marker', async () => {
    const report = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-10-05' });
    expect(report.registerBuilt).toEqual({ fileName: 'REG_AG0042_20261005_001.csv', applications: 5 });
    expect(report.deliveries).toEqual([
      expect.objectContaining({
        registerNo: 'REG_AG0042_20261005_001.csv',
        status: 'sent',
        externalId: '/in/REG_AG0042_20261005_001.csv',
      }),
    ]);
    const register = await ctx.database.db
      .selectFrom('application_register')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(register).toMatchObject({
      status: 'sent',
      item_count: 5,
      premium_total: '20230.50',
      sequence_no: 1,
    });
    expect(
      (await readPayload(ctx.database, Number(register.outbound_message_id))).equals(sampleRegister),
    ).toBe(true);
    expect(await sandbox.processInbox()).toEqual(['REG_AG0042_20261005_001.csv']);
  });

  it('takes in the ACK and the contracts: four policies issued, 00304 rejected with the reason', async () => {
    const report = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-10-06' });
    expect(report.received.map((r) => r.name).sort()).toEqual([
      'ACK_REG_AG0042_20261005_001.csv',
      'CONTRACTS_20261006.csv',
    ]);
    expect(report.processed.map((p) => `${p.messageType}:${p.status}`)).toEqual([
      'register-answer:applied',
      'contracts:applied',
    ]);
    const apps = await ctx.database.db
      .selectFrom('application as a')
      .leftJoin('policy as p', 'p.id', 'a.policy_id')
      .select(['a.number', 'a.status', 'a.status_reason', 'p.number as policy'])
      .orderBy('a.number')
      .execute();
    expect(apps.map((a) => [a.number, a.status, a.policy])).toEqual([
      ['Z-2026-00301', 'issued', 'DL-2026-001001'],
      ['Z-2026-00302', 'issued', 'DL-2026-001002'],
      ['Z-2026-00303', 'issued', 'DL-2026-001003'],
      ['Z-2026-00304', 'rejected', null],
      ['Z-2026-00305', 'issued', 'DL-2026-001004'],
    ]);
    expect(apps[3].status_reason).toMatch(/Страхова сума перевищує ліміт/);
    const register = await ctx.database.db
      .selectFrom('application_register')
      .select('status')
      .executeTakeFirstOrThrow();
    expect(register.status).toBe('acknowledged');
  });

  it('takes in payments published later, and never fetches a file twice', async () => {
    await sandbox.publishPayments('2026-10', [
      {
        policyNumber: 'DL-2026-001001',
        paidOn: '2026-10-07',
        amountKopiyky: 120000,
        coverFrom: '2026-10-07',
        coverTo: '2026-11-06',
        policyYear: 1,
      },
      {
        policyNumber: 'DL-2026-001002',
        paidOn: '2026-10-08',
        amountKopiyky: 245050,
        coverFrom: '2026-10-08',
        coverTo: '2027-01-07',
        policyYear: 1,
      },
    ]);
    const report = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-10-09' });
    expect(report.received.map((r) => r.name)).toEqual(['PAYMENTS_202610.csv']);
    expect(report.processed).toEqual([
      expect.objectContaining({ messageType: 'payments', status: 'applied', applied: 2 }),
    ]);
    const again = await runExchange(deps, 'DNIPRO_LIFE', { overrides, today: '2026-10-09' });
    expect(again.received).toEqual([]);
    expect(again.processed).toEqual([]);
    expect(sandbox.sftp.removeAttempts).toEqual([]);
  });
});
