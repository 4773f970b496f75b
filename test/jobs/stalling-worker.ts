/** A worker process for the stalled-job test: takes a job, says so in Redis, and hangs until killed. */
import { Redis } from 'ioredis';
import { BullmqJobQueue } from '../../src/jobs';

const [redisUrl, queueName] = process.argv.slice(2);
const queue = new BullmqJobQueue({ redisUrl, queueName, lockDurationMs: 1000, stalledIntervalMs: 500 });
const signal = new Redis(redisUrl);
queue.register({
  name: 'calculate',
  handler: async (data: { period: string }) => {
    await signal.set(`${queueName}:taken`, `${process.pid}:${data.period}`);
    await new Promise(() => undefined); // the worker dies here
  },
});
void queue.start();
