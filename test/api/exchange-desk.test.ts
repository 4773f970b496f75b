/**
 * The integration desk's read routes and the bulk resolve (src/api/routes/exchange/desk.ts), on both
 * engines: the dashboard per insurer counts what the message store and the mismatches hold and says
 * when each schedule runs next; a cp1251 payload reads as Ukrainian text; many mismatches close with
 * one decision, all or none, each with its own line in the trail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import iconv from 'iconv-lite';
import { buildApi, createQueueProbe } from '../../src/api';
import { exchangeRoutes } from '../../src/api/routes/exchange';
import { exchangeDeskRoutes } from '../../src/api/routes/exchange/desk';
import { processMessage, receive } from '../../src/exchange/pipeline';
import { describeEachEngine } from '../support/engines';
import { seedIntermediary } from '../exchange/support/intermediary';
import { memoryLogger, testConfig, type SignedIn, signInAs } from './support/api-harness';

const fixture = (name: string) =>
  fs.readFileSync(path.resolve(__dirname, '../../adapters/dnipro-life/__fixtures__', name));
const badCommission = iconv.encode(
  'Номер договору;Дата оплати;Сума премії;Ставка, %;Сума винагороди\r\nDL-2026-000101;02.11.2026;1 200,00;25;300,00\r\nDL-2026-000102;15.11.2026;два;30;735,15\r\n',
  'win1251',
);

describeEachEngine('the integration desk routes', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  let quarantinedId: number;

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const deps = { database: ctx.database, secretsDir };
    const files: Array<[string, Buffer]> = [
      ['ACK_REG_AG0042_20261005_001.csv', fixture('ACK_REG_AG0042_20261005_001.csv')],
      ['CONTRACTS_20261002.csv', fixture('CONTRACTS_20261002.csv')],
      ['COMMISSION_202611.csv', badCommission],
    ];
    for (const [name, payload] of files) {
      const { message } = await receive(deps, {
        insurerCode: 'DNIPRO_LIFE',
        channel: 'sftp',
        fileName: name,
        payload,
      });
      const report = await processMessage(deps, message.id);
      if (report.status === 'quarantined') quarantinedId = message.id;
    }
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [exchangeRoutes({ secretsDir }), exchangeDeskRoutes()] },
    );
    api = await signInAs(app, ctx.database, 'integration', { login: 'eng.ivan' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows each insurer: its messages by status, open mismatches and the next run of its schedules', async () => {
    const before = Date.now();
    const response = await api.inject({ url: '/api/exchange/insurers' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.runsAvailable).toBe(false);
    expect(body.items.map((i: { code: string }) => i.code)).toEqual([
      'DNIPRO_LIFE',
      'KARPATY',
      'POLISSIA',
      'ZAHID_TEST',
    ]);
    const dnipro = body.items[0];
    expect(dnipro.counts).toMatchObject({ total: 3, quarantined: 1, applied: 2, failed: 0, pending: 0 });
    expect(dnipro.openMismatches).toBe(2);
    expect(dnipro.schedules.map((s: { name: string }) => s.name).sort()).toEqual([
      'fetch-out',
      'send-register',
    ]);
    // fetch-out runs every 15 minutes: the next run is in the future, at most 15 minutes away.
    const next = new Date(dnipro.nextRunAt).getTime();
    expect(next).toBeGreaterThan(before);
    expect(next - before).toBeLessThanOrEqual(15 * 60_000);
    expect(new Date(dnipro.nextRunAt).getUTCMinutes() % 15).toBe(0);
    expect(dnipro.recentMessages[0]).toMatchObject({ id: quarantinedId, status: 'quarantined' });
    // Polissia's mailbox is read every 10 minutes; Zahid (a test insurer) has no schedule.
    expect(body.items[2].schedules.map((s: { name: string }) => s.name).sort()).toEqual([
      'fetch-mail',
      'send-register',
    ]);
    expect(body.items[3]).toMatchObject({ schedules: [], nextRunAt: null });
  });

  it('reads a windows-1251 payload as text in its charset', async () => {
    const response = await api.inject({ url: `/api/exchange/messages/${quarantinedId}/text` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      binary: false,
      charset: 'windows-1251',
      format: 'csv',
      truncated: false,
    });
    expect(response.json().text).toContain('DL-2026-000102;15.11.2026;два;30;735,15');
    expect((await api.inject({ url: '/api/exchange/messages/999999/text' })).statusCode).toBe(404);
  });

  it('closes several mismatches with one decision, all or none, each with its trail', async () => {
    const open = (await api.inject({ url: '/api/exchange/mismatches?status=open' })).json();
    const ids: number[] = open.items.map((m: { id: number }) => m.id);
    expect(ids).toHaveLength(2);
    const resolve = (list: number[]) =>
      api.inject({
        method: 'POST',
        url: '/api/exchange/mismatches/resolve',
        payload: {
          ids: list,
          status: 'resolved',
          resolution: 'checked with Dnipro Life by phone',
          by: 'someone',
        },
      });
    const unknown = await resolve([ids[0], 999999]);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain('999999');
    expect((await api.inject({ url: '/api/exchange/mismatches?status=open' })).json().total).toBe(2);

    const done = await resolve(ids);
    expect(done.statusCode).toBe(200);
    expect(done.json().items).toEqual(
      ids.map((id) => expect.objectContaining({ id, status: 'resolved', resolvedBy: 'eng.ivan' })),
    );
    const again = await resolve([ids[1]]);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toContain(`mismatch ${ids[1]} is already resolved by eng.ivan`);
    expect((await resolve([])).statusCode).toBe(400);

    const one = await api.inject({ url: `/api/exchange/mismatches/${ids[0]}` });
    expect(one.statusCode).toBe(200);
    expect(one.json().trail.map((e: { action: string }) => e.action)).toEqual([
      'mismatch.found',
      'mismatch.resolved',
    ]);
    expect(one.json().trail[1]).toMatchObject({
      actor: 'eng.ivan',
      reason: 'checked with Dnipro Life by phone',
    });
  });
});
