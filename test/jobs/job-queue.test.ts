import { spawn } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { BullmqJobQueue, InProcessJobQueue, type JobQueue } from '../../src/jobs';
import { describeWithRedis, redisUrl } from '../support/services';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
let queueSeq = 0;
const queueName = () => `test-${process.pid}-${Date.now()}-${queueSeq++}`;

type Driver = { name: string; make(name: string): JobQueue; describe(): jest.Describe };
const drivers: Driver[] = [
  {
    name: 'in-process',
    make: () => new InProcessJobQueue(),
    describe: () => describe,
  },
  {
    name: 'BullMQ',
    make: (name) =>
      new BullmqJobQueue({ redisUrl, queueName: name, lockDurationMs: 2000, stalledIntervalMs: 1000 }),
    describe: () => describeWithRedis('BullMQ job queue suite'),
  },
];

for (const driver of drivers) {
  driver.describe()(`jobs [${driver.name}]`, () => {
    const opened: JobQueue[] = [];
    const open = () => {
      const q = driver.make(queueName());
      opened.push(q);
      return q;
    };
    afterEach(async () => {
      for (const q of opened.splice(0)) {
        if (q instanceof BullmqJobQueue) await q.obliterate().catch(() => undefined);
        await q.close();
      }
    });
    const test = (title: string, body: () => Promise<void>, timeout?: number) => it(title, body, timeout);

    test('runs a job with its data', async () => {
      const q = open();
      const seen: string[] = [];
      q.register({
        name: 'exchange.poll',
        handler: async (data: { insurer: string }) => void seen.push(data.insurer),
      });
      await q.start();
      await q.enqueue('exchange.poll', { insurer: 'DNIPRO_LIFE' });
      await q.drain(10_000);
      expect(seen).toEqual(['DNIPRO_LIFE']);
      expect((await q.counts()).completed).toBe(1);
    });

    test('one job per key while it waits: the same message is not processed twice at once', async () => {
      const q = open();
      let runs = 0;
      q.register({ name: 'exchange.process-message', handler: async () => void runs++ });
      const first = await q.enqueue('exchange.process-message', { id: 7 }, { key: 'DNIPRO_LIFE:sftp:abc' });
      const second = await q.enqueue('exchange.process-message', { id: 7 }, { key: 'DNIPRO_LIFE:sftp:abc' });
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ id: first.id, duplicate: true });
      await q.start();
      await q.drain(10_000);
      expect(runs).toBe(1);
    });

    test('retries a failing job with growing delays, then succeeds', async () => {
      const q = open();
      const attempts: { attempt: number; at: number }[] = [];
      q.register({
        name: 'exchange.poll',
        attempts: 3,
        backoffMs: 200,
        handler: async (_data, run) => {
          attempts.push({ attempt: run.attempt, at: Date.now() });
          if (run.attempt < 3) throw new Error('SFTP server not answering');
        },
      });
      await q.start();
      await q.enqueue('exchange.poll', {});
      await wait(100);
      await q.drain(15_000);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts[1].at - attempts[0].at).toBeGreaterThanOrEqual(180);
      expect(attempts[2].at - attempts[1].at).toBeGreaterThanOrEqual(380);
      expect((await q.counts()).failed).toBe(0);
    }, 20_000);

    test('gives up after the last attempt and counts the job as failed', async () => {
      const q = open();
      let runs = 0;
      q.register({
        name: 'exchange.poll',
        attempts: 2,
        backoffMs: 50,
        handler: async () => {
          runs++;
          throw new Error('bad credentials');
        },
      });
      await q.start();
      await q.enqueue('exchange.poll', {});
      await wait(100);
      await q.drain(10_000);
      expect(runs).toBe(2);
      expect((await q.counts()).failed).toBe(1);
    });

    test('runs a cron schedule until it is removed', async () => {
      const q = open();
      let runs = 0;
      q.register({ name: 'exchange.poll', handler: async () => void runs++ });
      await q.start();
      await q.schedule('dnipro-life:poll', '* * * * * *', 'exchange.poll', { insurer: 'DNIPRO_LIFE' });
      await wait(3500);
      await q.unschedule('dnipro-life:poll');
      expect(runs).toBeGreaterThanOrEqual(2);
      const after = runs;
      await wait(1500);
      expect(runs).toBeLessThanOrEqual(after + 1);
    }, 15_000);
  });
}

describeWithRedis('BullMQ multi-worker suite')('jobs on BullMQ across worker processes', () => {
  it('two workers share the load', async () => {
    const name = queueName();
    const a = new BullmqJobQueue({ redisUrl, queueName: name });
    const b = new BullmqJobQueue({ redisUrl, queueName: name });
    const doneBy: Record<string, number> = { a: 0, b: 0 };
    for (const [label, q] of [
      ['a', a],
      ['b', b],
    ] as const) {
      q.register({
        name: 'calculate',
        handler: async () => {
          await wait(50);
          doneBy[label]++;
        },
      });
    }
    for (let i = 0; i < 20; i++) await a.enqueue('calculate', { i });
    await a.start();
    await b.start();
    await a.drain(20_000);
    expect(doneBy.a + doneBy.b).toBe(20);
    expect(doneBy.a).toBeGreaterThan(0);
    expect(doneBy.b).toBeGreaterThan(0);
    await a.obliterate();
    await a.close();
    await b.close();
  }, 30_000);

  it('a job whose worker process was killed (kill -9) is taken up by another worker', async () => {
    const name = queueName();
    const redis = new Redis(redisUrl);
    const queue = new BullmqJobQueue({
      redisUrl,
      queueName: name,
      lockDurationMs: 1000,
      stalledIntervalMs: 500,
    });
    const finished: string[] = [];
    queue.register({
      name: 'calculate',
      handler: async (data: { period: string }) => void finished.push(data.period),
    });
    await queue.enqueue('calculate', { period: '2026-10' }, { key: 'period:2026-10' });
    const child = spawn(
      process.execPath,
      ['-r', 'tsx/cjs', path.join(__dirname, 'stalling-worker.ts'), redisUrl, name],
      { stdio: 'ignore' },
    );
    try {
      let taken: string | null = null;
      for (let i = 0; i < 200 && !taken; i++) {
        taken = await redis.get(`${name}:taken`);
        if (!taken) await wait(100);
      }
      expect(taken).toBe(`${child.pid}:2026-10`);
      child.kill('SIGKILL');
      await queue.start();
      for (let i = 0; i < 100 && !finished.length; i++) await wait(100);
      expect(finished).toEqual(['2026-10']);
    } finally {
      child.kill('SIGKILL');
      await queue.obliterate().catch(() => undefined);
      await queue.close();
      redis.disconnect();
    }
  }, 40_000);
});
