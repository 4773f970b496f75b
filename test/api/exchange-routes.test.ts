import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { exchangeRoutes } from '../../src/api/routes/exchange';
import { processMessage, receive } from '../../src/exchange/pipeline';
import { describeEachEngine } from '../support/engines';
import { seedIntermediary } from '../exchange/support/intermediary';
import { memoryLogger, testConfig, type SignedIn, signInAs } from './support/api-harness';

const fixture = (name: string) =>
  fs.readFileSync(path.resolve(__dirname, '../../adapters/dnipro-life/__fixtures__', name));

describeEachEngine('exchange routes', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  let contractsId: number;

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const deps = { database: ctx.database, secretsDir };
    for (const name of ['ACK_REG_AG0042_20261005_001.csv', 'CONTRACTS_20261002.csv', 'PAYMENTS_202610.csv']) {
      const { message } = await receive(deps, {
        insurerCode: 'DNIPRO_LIFE',
        channel: 'sftp',
        fileName: name,
        payload: fixture(name),
      });
      await processMessage(deps, message.id);
      if (name.startsWith('CONTRACTS')) contractsId = message.id;
    }
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [exchangeRoutes({ secretsDir })] },
    );
    api = await signInAs(app, ctx.database, 'administrator', { login: 'clerk.olena' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('lists stored messages a page at a time, filtered by status', async () => {
    const all = await api.inject({ url: '/api/exchange/messages?pageSize=2' });
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ page: 1, pageSize: 2, total: 3 });
    expect(all.json().items).toHaveLength(2);
    const applied = await api.inject({ url: '/api/exchange/messages?status=applied&insurer=DNIPRO_LIFE' });
    expect(
      applied
        .json()
        .items.map((m: { externalName: string }) => m.externalName)
        .sort(),
    ).toEqual(['ACK_REG_AG0042_20261005_001.csv', 'CONTRACTS_20261002.csv', 'PAYMENTS_202610.csv']);
    expect((await api.inject({ url: '/api/exchange/messages?status=lost' })).statusCode).toBe(400);
  });

  it('shows one message with its trail and the row it could not apply', async () => {
    const response = await api.inject({ url: `/api/exchange/messages/${contractsId}` });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.message).toMatchObject({
      externalName: 'CONTRACTS_20261002.csv',
      status: 'applied',
      messageType: 'contracts',
    });
    expect(body.trail.map((e: { status: string }) => e.status)).toEqual(['received', 'mapped', 'applied']);
    expect(body.rowIssues).toEqual([
      expect.objectContaining({ row: 11, field: 'Дата укладення', kind: 'mapping' }),
    ]);
    expect((await api.inject({ url: '/api/exchange/messages/999999' })).statusCode).toBe(404);
  });

  it('gives back the raw bytes exactly as received', async () => {
    const response = await api.inject({ url: `/api/exchange/messages/${contractsId}/payload` });
    expect(response.rawPayload.equals(fixture('CONTRACTS_20261002.csv'))).toBe(true);
    expect(response.headers['content-disposition']).toBe('attachment; filename="CONTRACTS_20261002.csv"');
  });

  it('replays a message: nothing changes in the core', async () => {
    const response = await api.inject({
      method: 'POST',
      url: `/api/exchange/messages/${contractsId}/replay`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: 'applied', applied: 0, unchanged: 11 });
  });

  it('lists mismatches and resolves one, leaving a trail in the audit log', async () => {
    const open = (await api.inject({ url: '/api/exchange/mismatches?status=open' })).json();
    expect(
      open.items.map((m: { kind: string; policyNumber: string }) => `${m.kind}:${m.policyNumber}`).sort(),
    ).toEqual(['application_rejected_but_issued:DL-2026-000104', 'consultant_code_unknown:DL-2026-000107']);
    const target = open.items.find((m: { kind: string }) => m.kind === 'consultant_code_unknown');
    const resolved = await api.inject({
      method: 'POST',
      url: `/api/exchange/mismatches/${target.id}/resolve`,
      payload: {
        status: 'resolved',
        resolution: 'K-99999 is a typo of K-00047; asked Dnipro Life to correct it',
        by: 'clerk.olena',
      },
    });
    expect(resolved.statusCode).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: 'clerk.olena' });
    const again = await api.inject({
      method: 'POST',
      url: `/api/exchange/mismatches/${target.id}/resolve`,
      payload: { status: 'ignored', resolution: 'again', by: 'x' },
    });
    expect(again.statusCode).toBe(409);
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('entity_kind', '=', 'mismatch')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        actor: 'clerk.olena',
        action: 'mismatch.resolved',
        entity_id: String(target.id),
      }),
    ]);
  });

  it('of two people resolving one mismatch at the same moment, one succeeds and the other gets 409', async () => {
    const open = (await api.inject({ url: '/api/exchange/mismatches?status=open' })).json();
    const target = open.items.find((m: { kind: string }) => m.kind === 'application_rejected_but_issued');
    const resolve = (by: string, status: string) =>
      api.inject({
        method: 'POST',
        url: `/api/exchange/mismatches/${target.id}/resolve`,
        payload: { status, resolution: `decided by ${by}`, by },
      });
    const answers = await Promise.all([
      resolve('clerk.olena', 'resolved'),
      resolve('clerk.petro', 'ignored'),
    ]);
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409]);
    const refused = answers.find((a) => a.statusCode === 409)!;
    const winner = answers.find((a) => a.statusCode === 200)!.json();
    expect(refused.json().message).toContain(`already ${winner.status} by ${winner.resolvedBy}`);
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor'])
      .where('entity_kind', '=', 'mismatch')
      .where('entity_id', '=', String(target.id))
      .execute();
    expect(audit).toEqual([{ actor: winner.resolvedBy }]);
  });

  it('documents the exchange routes in the OpenAPI reference', async () => {
    const doc = (await api.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/exchange/messages',
        '/api/exchange/messages/{id}',
        '/api/exchange/mismatches',
      ]),
    );
  });
});
