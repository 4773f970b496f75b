/**
 * The message browser's reads, on both engines: a message's parsed records (its payload read again
 * with the adapter's mapping, nothing applied: each row's canonical fields and its row issues with row
 * and field, a page at a time), and the message list filtered by the days it was received (Kyiv's
 * calendar, both ends included).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import iconv from 'iconv-lite';
import { buildApi, createQueueProbe } from '../../src/api';
import { exchangeRoutes } from '../../src/api/routes/exchange';
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

describeEachEngine('the message browser: parsed records and received days', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const deps = { database: ctx.database, secretsDir };
    const files: Array<[string, Buffer]> = [
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
      await processMessage(deps, message.id);
      ids[name] = message.id;
    }
    // Received late on 31 October and early on 1 November, Kyiv time (UTC+2 then).
    await ctx.database.db
      .updateTable('exchange_message')
      .set({ received_at: new Date('2026-10-31T21:30:00Z') }) // 31.10 23:30 in Kyiv
      .where('id', '=', ids['CONTRACTS_20261002.csv'])
      .execute();
    await ctx.database.db
      .updateTable('exchange_message')
      .set({ received_at: new Date('2026-10-31T22:30:00Z') }) // 01.11 00:30 in Kyiv
      .where('id', '=', ids['COMMISSION_202611.csv'])
      .execute();
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [exchangeRoutes({ secretsDir })] },
    );
    api = await signInAs(app, ctx.database, 'integration', { login: 'eng.olha' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it("shows a quarantined file's rows: the good one's canonical fields, the bad one's issue with row and field", async () => {
    const response = await api.inject({
      url: `/api/exchange/messages/${ids['COMMISSION_202611.csv']}/records`,
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ total: 2, page: 1, rowsWithIssues: 1, fileError: null });
    expect(body.recordType).toBeTruthy();
    const [good, bad] = body.items;
    expect(good.issues).toEqual([]);
    expect(good.type).toBe(body.recordType);
    expect(JSON.stringify(good.record)).toContain('DL-2026-000101');
    expect(bad.record).toBeNull();
    expect(bad.issues.length).toBeGreaterThan(0);
    expect(bad.issues[0].row).toBe(bad.rowNo);
    expect(bad.issues[0].field).toBeTruthy();
    expect(bad.issues[0].message).toMatch(/два/);
    // The rows issues the processing recorded name the same row.
    const detail = (
      await api.inject({ url: `/api/exchange/messages/${ids['COMMISSION_202611.csv']}` })
    ).json();
    expect(detail.rowIssues.map((i: { row: number }) => i.row)).toContain(bad.rowNo);
  });

  it('pages the records on the server and applies nothing', async () => {
    const id = ids['CONTRACTS_20261002.csv'];
    const all = (await api.inject({ url: `/api/exchange/messages/${id}/records?pageSize=500` })).json();
    expect(all.total).toBeGreaterThan(1);
    const second = (
      await api.inject({ url: `/api/exchange/messages/${id}/records?page=2&pageSize=1` })
    ).json();
    expect(second).toMatchObject({ page: 2, pageSize: 1, total: all.total });
    expect(second.items).toEqual([all.items[1]]);
    const status = (await api.inject({ url: `/api/exchange/messages/${id}` })).json().message.status;
    expect(status).toBe('applied');
    expect((await api.inject({ url: `/api/exchange/messages/${id}` })).json().trail.length).toBeGreaterThan(
      0,
    );
  });

  it('answers 404 for a message that does not exist, and asks for exchange.read', async () => {
    expect((await api.inject({ url: '/api/exchange/messages/999999/records' })).statusCode).toBe(404);
    const backOffice = await signInAs(app, ctx.database, 'back_office', { login: 'buh.olha' });
    const refused = await backOffice.inject({
      url: `/api/exchange/messages/${ids['COMMISSION_202611.csv']}/records`,
    });
    expect(refused.statusCode).toBe(403);
  });

  it('filters the message list by the days received, in Kyiv time, both ends included', async () => {
    const list = async (query: string) => {
      const response = await api.inject({ url: `/api/exchange/messages?${query}` });
      expect(response.statusCode).toBe(200);
      return response
        .json()
        .items.map((m: { externalName: string }) => m.externalName)
        .sort();
    };
    expect(await list('receivedFrom=2026-10-31&receivedTo=2026-10-31')).toEqual(['CONTRACTS_20261002.csv']);
    expect(await list('receivedFrom=2026-11-01')).toEqual(['COMMISSION_202611.csv']);
    expect(await list('receivedTo=2026-11-01')).toEqual(['COMMISSION_202611.csv', 'CONTRACTS_20261002.csv']);
    expect(await list('receivedTo=2026-10-30')).toEqual([]);
    const backwards = await api.inject({
      url: '/api/exchange/messages?receivedFrom=2026-11-02&receivedTo=2026-11-01',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().message).toMatch(/after receivedTo/);
    expect((await api.inject({ url: '/api/exchange/messages?receivedFrom=31.10.2026' })).statusCode).toBe(
      400,
    );
  });
});
