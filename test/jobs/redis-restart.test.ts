/**
 * A Redis restarted without persistence comes back empty: every waiting job and every schedule is
 * gone. The database is the source of truth: the schedules are registered again when the connection
 * is back, and received messages and missed schedules are found again from the database and run.
 * Each test runs its own redis-server on a free port (never the shared one) and kills it with -9.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { EXCHANGE_RUN, MESSAGE_PROCESS, startExchangeBackground } from '../../src/exchange/exchange-jobs';
import { findMessage } from '../../src/exchange/message-store';
import { type ExchangeDeps, receive } from '../../src/exchange/pipeline';
import { ExchangeCursors } from '../../src/exchange/runs/state';
import { BullmqJobQueue } from '../../src/jobs';
import { seedIntermediary } from '../exchange/support/intermediary';
import { describeEachEngine } from '../support/engines';
import { describeWithRedisServer, type PrivateRedis, startPrivateRedis } from '../support/services';

const root = path.resolve(__dirname, '../..');
const dnipro = (name: string) => fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__', name));
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let queueSeq = 0;
const queueName = () => `restart-${process.pid}-${queueSeq++}`;

async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await wait(100);
  }
}

/** What Redis itself holds of a queue's schedules, read with a connection of the test's own. */
async function schedulersInRedis(redis: PrivateRedis, name: string): Promise<string[]> {
  const queue = new Queue(name, { connection: { host: '127.0.0.1', port: redis.port } });
  try {
    return (await queue.getJobSchedulers()).map((s) => s.key).sort();
  } finally {
    await queue.close();
  }
}

describeWithRedisServer('Redis restart suite')('a Redis restart without persistence', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('registers the schedules again once Redis is back, and they run again', async () => {
    const name = queueName();
    const queue = new BullmqJobQueue({ redisUrl: redis.url, queueName: name });
    let ticks = 0;
    queue.register({ name: 'tick', handler: async () => void ticks++ });
    try {
      await queue.schedule('every-second', '* * * * * *', 'tick', {});
      await queue.start();
      await waitFor('the first tick', () => ticks >= 1, 10_000);
      await redis.restart();
      const before = ticks;
      await waitFor(
        'the schedule back in Redis',
        async () => (await schedulersInRedis(redis, name)).length === 1,
        15_000,
      );
      await waitFor('ticks after the restart', () => ticks >= before + 2, 15_000);
    } finally {
      await queue.close();
    }
  }, 45_000);

  describeEachEngine('the exchange after a Redis restart', (ctx) => {
    let deps: ExchangeDeps;
    beforeAll(async () => {
      await seedIntermediary(ctx.database);
      deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
    });
    const statusOf = async (id: number) => (await findMessage(ctx.database, id))!.status;

    it('processes the received messages whose jobs were lost, runs the missed schedule, and puts every schedule back', async () => {
      const name = queueName();
      const jobs = new BullmqJobQueue({ redisUrl: redis.url, queueName: name });
      // As `ecspert serve` starts its background jobs; the sweep runs here only when the connection
      // comes back (its timer is longer than this test).
      const background = await startExchangeBackground(jobs, deps, {
        schedules: true,
        recovery: { intervalMs: 10 * 60_000, graceMs: 1000 },
      });
      // Exchange runs would reach the insurers' real servers: here they only say that they ran.
      const runs: string[] = [];
      jobs.register<{ insurerCode: string }>({
        name: EXCHANGE_RUN,
        handler: async ({ insurerCode }) => void runs.push(insurerCode),
      });
      try {
        const scheduleIds = background.scheduled.map((s) => s.id).sort();
        expect(scheduleIds).toEqual([
          'DNIPRO_LIFE:fetch-out',
          'DNIPRO_LIFE:send-register',
          'KARPATY:fetch-commission',
          'KARPATY:fetch-payments',
          'KARPATY:fetch-policies',
          'KARPATY:send-applications',
          'POLISSIA:fetch-mail',
          'POLISSIA:send-register',
        ]);
        expect(await schedulersInRedis(redis, name)).toEqual(scheduleIds);

        // Two files came in; their processing is queued for later, as a busy hub would have it.
        const ack = await receive(deps, {
          insurerCode: 'DNIPRO_LIFE',
          channel: 'sftp',
          fileName: 'ACK_REG_AG0042_20261005_001.csv',
          payload: dnipro('ACK_REG_AG0042_20261005_001.csv'),
        });
        const contracts = await receive(deps, {
          insurerCode: 'DNIPRO_LIFE',
          channel: 'sftp',
          fileName: 'CONTRACTS_20261002.csv',
          payload: dnipro('CONTRACTS_20261002.csv'),
        });
        const ids = [ack.message.id, contracts.message.id];
        const delayedBefore = (await jobs.counts()).delayed;
        for (const messageId of ids)
          await jobs.enqueue(
            MESSAGE_PROCESS,
            { messageId },
            { key: `message:${messageId}`, delayMs: 10 * 60_000 },
          );
        expect((await jobs.counts()).delayed).toBe(delayedBefore + 2);
        // Dnipro Life's last exchange run began three hours ago: its 15-minute schedule is overdue.
        const dniproId = Number(
          (
            await ctx.database.db
              .selectFrom('insurer')
              .select('id')
              .where('code', '=', 'DNIPRO_LIFE')
              .executeTakeFirstOrThrow()
          ).id,
        );
        await new ExchangeCursors(ctx.database, dniproId).set(
          'schedule:last-run-started',
          new Date(Date.now() - 3 * 3600_000).toISOString(),
        );
        await wait(1200); // older than the grace

        await redis.restart();

        await waitFor(
          'the schedules back in Redis',
          async () => (await schedulersInRedis(redis, name)).length === scheduleIds.length,
          20_000,
        );
        expect(await schedulersInRedis(redis, name)).toEqual(scheduleIds);
        await waitFor(
          'both messages applied',
          async () => (await Promise.all(ids.map(statusOf))).every((s) => s === 'applied'),
          30_000,
        );
        await waitFor('the missed Dnipro Life run', () => runs.includes('DNIPRO_LIFE'), 10_000);
        expect(runs).toEqual(['DNIPRO_LIFE']);
      } finally {
        await background.stop();
        await jobs.close();
      }
    }, 90_000);
  });
});
