/**
 * The done-when of the reconciliation review, through the API: Dnipro Life's commission statement
 * (COMMISSION_202610.csv) pays DL-2026-000109 at 25 % where 20 % was agreed; the back office finds it
 * as a `commission_rate_differs` mismatch, keeps the agreed rate with a comment and gets the letter to
 * send; the trail shows who, when, what and why; a second resolution is told it is closed; a
 * consultant may not see or resolve mismatches.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { exchangeRoutes } from '../../src/api/routes/exchange';
import { exchangeDeskRoutes } from '../../src/api/routes/exchange/desk';
import { processMessage, receive } from '../../src/exchange/pipeline';
import { describeEachEngine } from '../support/engines';
import { seedIntermediary } from '../exchange/support/intermediary';
import { memoryLogger, testConfig, type SignedIn, signInAs } from './support/api-harness';

const fixture = (name: string) =>
  fs.readFileSync(path.resolve(__dirname, '../../adapters/dnipro-life/__fixtures__', name));

describeEachEngine('mismatch review through the API', (ctx) => {
  let app: FastifyInstance;
  let backOffice: SignedIn;
  let consultant: SignedIn;

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    const deps = { database: ctx.database, secretsDir };
    for (const name of [
      'ACK_REG_AG0042_20261005_001.csv',
      'CONTRACTS_20261002.csv',
      'PAYMENTS_202610.csv',
      'COMMISSION_202610.csv',
    ]) {
      const { message } = await receive(deps, {
        insurerCode: 'DNIPRO_LIFE',
        channel: 'sftp',
        fileName: name,
        payload: fixture(name),
      });
      await processMessage(deps, message.id);
    }
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [exchangeRoutes({ secretsDir }), exchangeDeskRoutes({})] },
    );
    backOffice = await signInAs(app, ctx.database, 'back_office', { login: 'bo.olena' });
    consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'K-00012' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('the rate defect is a commission rate mismatch the back office resolves, keeping the agreed rate, with a letter and a trail', async () => {
    const list = await backOffice.inject({
      url: '/api/exchange/mismatches?status=open&kind=commission_rate_differs&insurer=DNIPRO_LIFE',
    });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([
      expect.objectContaining({
        policyNumber: 'DL-2026-000109',
        insurerValue: '25',
        ourValue: '20',
        sourceRow: 8,
      }),
    ]);
    const id = list.json().items[0].id;

    const letter = await backOffice.inject({ url: `/api/exchange/mismatches/${id}/letter` });
    expect(letter.json().subject).toMatch(/^Договір №DL-2026-000109/);

    const resolve = (who: SignedIn) =>
      who.inject({
        method: 'POST',
        url: `/api/exchange/mismatches/${id}/resolve`,
        payload: { action: 'keep_ours', comment: 'the agreement with Dnipro Life says 20 % for DL-RISK1' },
      });
    const done = await resolve(backOffice);
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      id,
      status: 'resolved',
      action: 'keep_ours',
      resolvedBy: 'bo.olena',
      resolution: 'the agreement with Dnipro Life says 20 % for DL-RISK1',
      letter: { subject: expect.stringMatching(/DL-2026-000109/) },
    });
    expect(done.json().letter.body).toMatch(/25/);

    const again = await resolve(backOffice);
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/already resolved by bo\.olena/);

    const shown = (await backOffice.inject({ url: `/api/exchange/mismatches/${id}` })).json();
    expect(shown.trail.map((t: { action: string }) => t.action)).toEqual([
      'mismatch.found',
      'mismatch.keep_ours',
    ]);
    expect(shown.trail[1]).toMatchObject({ actor: 'bo.olena', reason: expect.stringMatching(/20 %/) });
  });

  it('resolves many with one comment, all or none, and sweeps', async () => {
    const open = (await backOffice.inject({ url: '/api/exchange/mismatches?status=open' })).json().items;
    expect(open.length).toBeGreaterThanOrEqual(2);
    const ids = open.slice(0, 2).map((m: { id: number }) => m.id);
    const many = await backOffice.inject({
      method: 'POST',
      url: '/api/exchange/mismatches/resolve',
      payload: { ids, action: 'ignore', comment: 'reviewed with the insurer by phone' },
    });
    expect(many.statusCode).toBe(200);
    expect(many.json().items.map((m: { status: string }) => m.status)).toEqual(['ignored', 'ignored']);
    const bad = await backOffice.inject({
      method: 'POST',
      url: '/api/exchange/mismatches/resolve',
      payload: { ids, action: 'teleport', comment: 'x y z' },
    });
    expect(bad.statusCode).toBe(400);
    const sweep = await backOffice.inject({
      method: 'POST',
      url: '/api/exchange/mismatches/sweep',
      payload: {},
    });
    expect(sweep.statusCode).toBe(200);
    expect(sweep.json()).toMatchObject({ raised: 0 });
  });

  it('a consultant may neither read nor resolve mismatches', async () => {
    expect((await consultant.inject({ url: '/api/exchange/mismatches' })).statusCode).toBe(403);
    expect(
      (
        await consultant.inject({
          method: 'POST',
          url: '/api/exchange/mismatches/1/resolve',
          payload: { action: 'ignore', comment: 'not mine to say' },
        })
      ).statusCode,
    ).toBe(403);
    expect((await consultant.inject({ url: '/api/exchange/mismatches/1/letter' })).statusCode).toBe(403);
  });
});
