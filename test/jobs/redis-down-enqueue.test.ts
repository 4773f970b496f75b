/**
 * While Redis is down, asking for work (an API replay, an exchange run) is refused at once with a 503
 * that says so, instead of hanging in ioredis' offline queue until Redis returns; once it is back,
 * the same request is taken. Runs its own redis-server on a free port and kills it with -9.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApi, createQueueProbe } from '../../src/api';
import { exchangeRoutes } from '../../src/api/routes/exchange';
import { MESSAGE_REPLAY } from '../../src/exchange/exchange-jobs';
import { receive } from '../../src/exchange/pipeline';
import { BullmqJobQueue, QueueUnavailableError } from '../../src/jobs';
import { memoryLogger, signInAs, testConfig } from '../api/support/api-harness';
import { seedIntermediary } from '../exchange/support/intermediary';
import { openTestDatabase } from '../support/engines';
import { describeWithRedisServer, type PrivateRedis, startPrivateRedis } from '../support/services';

describeWithRedisServer('Redis outage suite')('asking for work while Redis is down', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is refused within seconds with a 503 naming the queue, and taken again once Redis is back', async () => {
    const queue = new BullmqJobQueue({ redisUrl: redis.url, queueName: `down-${process.pid}` });
    queue.register({ name: 'replay', handler: async () => undefined });
    try {
      expect((await queue.enqueue('replay', { id: 1 })).duplicate).toBe(false);
      await redis.kill();
      const started = Date.now();
      const refused = await queue.enqueue('replay', { id: 2 }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(QueueUnavailableError);
      expect(refused).toMatchObject({ statusCode: 503 });
      expect((refused as Error).message).toMatch(/job queue \(Redis\) is not answering; nothing was queued/);
      expect((refused as Error).message).not.toContain('redis://');
      expect(Date.now() - started).toBeLessThan(5000);
      await redis.start();
      const deadline = Date.now() + 15_000;
      let taken: { duplicate: boolean } | null = null;
      while (!taken && Date.now() < deadline) {
        taken = await queue.enqueue('replay', { id: 3 }).catch(() => null);
        if (!taken) await new Promise((r) => setTimeout(r, 200));
      }
      expect(taken).toMatchObject({ duplicate: false });
    } finally {
      await queue.close();
    }
  });

  it('the API answers a replay asked for while Redis is down with 503 and Retry-After, at once', async () => {
    await redis.start().catch(() => undefined);
    const database = await openTestDatabase('pglite');
    const queue = new BullmqJobQueue({ redisUrl: redis.url, queueName: `down-api-${process.pid}` });
    // No worker runs here: the replay is only queued.
    queue.register({ name: MESSAGE_REPLAY, handler: async () => undefined });
    const secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    try {
      await seedIntermediary(database);
      const name = 'PAYMENTS_202610.csv';
      const payload = fs.readFileSync(
        path.resolve(__dirname, '../../adapters/dnipro-life/__fixtures__', name),
      );
      const { message } = await receive(
        { database, secretsDir },
        { insurerCode: 'DNIPRO_LIFE', channel: 'sftp', fileName: name, payload },
      );
      const app = await buildApi(
        { database, config: testConfig(), logger: memoryLogger().logger, queue: createQueueProbe(null) },
        { routes: [exchangeRoutes({ secretsDir, jobs: queue })] },
      );
      const engineer = await signInAs(app, database, 'integration');
      try {
        const replay = () =>
          engineer.inject({ method: 'POST', url: `/api/exchange/messages/${message.id}/replay` });
        const first = await replay();
        expect(first.json()).toMatchObject({ queued: true });
        expect(first.statusCode).toBe(202);
        await redis.kill();
        const started = Date.now();
        const refused = await replay();
        expect(refused.statusCode).toBe(503);
        expect(refused.headers['retry-after']).toBe('5');
        expect(refused.json()).toEqual({
          error: 'service_unavailable',
          message: expect.stringContaining('nothing was queued'),
        });
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await app.close();
      }
    } finally {
      await queue.close();
      await database.drop();
    }
  });
});
