/**
 * Karpaty end to end against its sandbox, from a clean database: the application batch goes out
 * signed with our key, the batch status is followed to issued policies, policy pages, payments and
 * the commission statement come in signed and are applied; a tampered page is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { type ChannelOverrides, runExchange } from '../../../src/exchange/runs';
import { ensureSandboxSigningKey } from '../../../src/exchange/signature';
import { type KarpatySandbox, startKarpatySandbox } from '../../sandbox';
import { describeEachEngine } from '../../support/engines';
import { karpatyApplications, seedOnboarding } from './onboarding-fixture';

describeEachEngine('Karpaty exchange over REST with the sandbox insurer', (ctx) => {
  let sandbox: KarpatySandbox;
  let deps: ExchangeDeps;
  let overrides: ChannelOverrides;

  beforeAll(async () => {
    await seedOnboarding(ctx.database, karpatyApplications);
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const keys = ensureSandboxSigningKey(secretsDir);
    sandbox = await startKarpatySandbox({
      clientId: 'ag-0042',
      clientSecret: 's3cret',
      partnerPublicKeyPem: fs.readFileSync(keys.publicKeyPath),
      today: () => '2026-10-06',
    });
    // Registered as Karpaty's certificate: the key the sandbox made at start.
    fs.writeFileSync(path.join(secretsDir, 'karpaty-insurer.crt'), sandbox.insurerPublicKeyPem);
    overrides = { rest: { baseUrl: sandbox.url, clientId: 'ag-0042', clientSecret: 's3cret' } };
    deps = { database: ctx.database, secretsDir };
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  const applications = () =>
    ctx.database.db
      .selectFrom('application as a')
      .leftJoin('policy as p', 'p.id', 'a.policy_id')
      .select(['a.number', 'a.status', 'a.status_reason', 'p.number as policy'])
      .orderBy('a.number')
      .execute();

  it('sends the batch signed, and takes in the signed policy pages', async () => {
    const report = await runExchange(deps, 'KARPATY', { overrides, today: '2026-10-05' });
    expect(report.registerBuilt).toEqual({ fileName: 'applications-20261005-001.xml', applications: 2 });
    expect(report.deliveries).toEqual([
      expect.objectContaining({ status: 'sent', externalId: expect.stringMatching(/^B-\d+$/) }),
    ]);
    const byType = Object.fromEntries(report.processed.map((p) => [p.messageType, p]));
    expect(byType.contracts).toMatchObject({ status: 'applied', applied: 3 });
    // The sandbox's payments are dated 7 and 9 October: none yet on the 5th.
    expect(byType.payments).toMatchObject({ status: 'applied', applied: 0 });
    expect(byType['register-answer']).toMatchObject({ status: 'applied', applied: 2 });
    expect((await applications()).map((a) => [a.number, a.status])).toEqual([
      ['A-2026-00017', 'accepted'],
      ['A-2026-00018', 'rejected'],
    ]);
    const cancelled = await ctx.database.db
      .selectFrom('policy_version as v')
      .innerJoin('policy as p', 'p.id', 'v.policy_id')
      .select(['v.status'])
      .where('p.number', '=', 'KR-KS-26-004411')
      .orderBy('v.valid_from', 'desc')
      .orderBy('v.version_no', 'desc')
      .executeTakeFirstOrThrow();
    expect(cancelled.status).toBe('cancelled');
  });

  it('follows the batch to the issued policy, links it to its application, and takes in payments', async () => {
    const report = await runExchange(deps, 'KARPATY', { overrides, today: '2026-10-10' });
    expect(report.processed.map((p) => `${p.messageType}:${p.status}`)).toEqual(
      expect.arrayContaining(['register-answer:applied', 'contracts:applied', 'payments:applied']),
    );
    expect(report.processed.find((p) => p.messageType === 'payments')).toMatchObject({ applied: 2 });
    const apps = await applications();
    expect(apps[0]).toMatchObject({
      number: 'A-2026-00017',
      status: 'issued',
      policy: expect.stringMatching(/^KR-KS-26-\d{6}$/),
    });
    expect(apps[1]).toMatchObject({
      number: 'A-2026-00018',
      status: 'rejected',
      status_reason: expect.stringMatching(/ліміт/),
    });
    const register = await ctx.database.db
      .selectFrom('application_register')
      .select(['status', 'external_id'])
      .executeTakeFirstOrThrow();
    expect(register.status).toBe('acknowledged');
  });

  it('refuses a tampered policy page: quarantined, nothing of it applied', async () => {
    const versions = async () =>
      Number(
        (
          await ctx.database.db
            .selectFrom('policy_version')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await versions();
    sandbox.serveTampered(true);
    const report = await runExchange(deps, 'KARPATY', { overrides, today: '2026-10-07' });
    sandbox.serveTampered(false);
    const contracts = report.processed.filter((p) => p.messageType === 'contracts');
    expect(contracts.length).toBeGreaterThan(0);
    expect(contracts[0]).toMatchObject({
      status: 'quarantined',
      errors: [expect.objectContaining({ kind: 'signature' })],
    });
    expect(await versions()).toBe(before);
  });
});
