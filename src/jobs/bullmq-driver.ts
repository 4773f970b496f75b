/**
 * Queue mode: jobs on BullMQ over Redis. Retries with exponential backoff, de-duplication by key
 * (the job id), cron schedules with upsertJobScheduler, and stalled-job recovery: a job whose worker
 * died is taken up by another worker once its lock runs out.
 *
 * Redis is not the source of truth: a Redis restarted without persistence comes back empty. The
 * schedules this queue was given are kept here and registered again when the connection is back
 * (and whenever ensureSchedules finds them gone); the work itself is found again from the database
 * by the recovery sweep (src/jobs/recovery.ts).
 */
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from '../config';
import {
  type EnqueueOptions,
  type JobCounts,
  type JobDefinition,
  type JobQueue,
  QueueUnavailableError,
  UnknownJobError,
} from './job-queue';

/** An error that says the connection to Redis is gone, not that Redis refused the command. */
function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string; name?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(e?.code ?? '') ||
    e?.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue/.test(e?.message ?? '')
  );
}

/** How long a producer waits for Redis to answer before refusing the work (ms). */
const PRODUCER_WAIT_MS = 2000;

export interface BullmqOptions {
  redisUrl: string;
  /** One queue per deployment; tests use their own name. */
  queueName?: string;
  /** How long a worker's lock on a job lasts without renewal (ms); a dead worker's job waits this long. */
  lockDurationMs?: number;
  /** How often workers look for stalled jobs (ms). */
  stalledIntervalMs?: number;
  logger?: Logger;
}

/** BullMQ job ids may not contain ':' and must not be plain integers. */
function jobIdFor(key: string): string {
  return `k-${key.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

export class BullmqJobQueue implements JobQueue {
  readonly mode = 'redis' as const;
  private readonly definitions = new Map<string, JobDefinition<any>>();
  private readonly connections: Redis[] = [];
  private readonly queue: Queue;
  private readonly producer: Redis;
  private worker: Worker | null = null;
  /** Every schedule given to this queue, to register again when Redis has lost them. */
  private readonly schedules = new Map<
    string,
    { cron: string; name: string; data: unknown; timezone: string }
  >();
  private readonly reconnectListeners: (() => void)[] = [];
  private closing = false;
  readonly queueName: string;

  constructor(private readonly options: BullmqOptions) {
    this.queueName = options.queueName ?? 'ecspert';
    // The queue's own connection adds jobs for callers who wait (API requests): it fails fast while
    // Redis is down instead of holding commands in an offline queue until it is back (BullMQ's
    // advice for producers); workers keep their own patient connections.
    const connection = this.connect({ producer: true });
    this.producer = connection;
    this.queue = new Queue(this.queueName, { connection });
    // Without a listener BullMQ prints every failed reconnect to stderr, stack and all.
    this.queue.on('error', (error) => this.otherError(error));
    // ioredis says 'ready' on the first connection and again after every reconnect: from the second
    // one on, Redis may have restarted empty.
    let readyBefore = connection.status === 'ready';
    connection.on('ready', () => {
      if (readyBefore) void this.reconnected();
      readyBefore = true;
    });
  }

  private async reconnected() {
    if (this.closing) return;
    this.options.logger?.info({ redis: redactUrl(this.options.redisUrl) }, 'queue (Redis) connection back');
    try {
      await this.ensureSchedules();
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'could not register the schedules again');
    }
    for (const listener of this.reconnectListeners) {
      try {
        listener();
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'reconnect listener failed');
      }
    }
  }

  /** Connection errors are logged once per outage by connect(); anything else is logged here. */
  private otherError(error: unknown) {
    const e = error as { code?: string; message?: string };
    if (
      ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH'].includes(
        e?.code ?? '',
      ) ||
      /Connection is closed|connect E[A-Z]+/.test(e?.message ?? '')
    )
      return;
    this.options.logger?.warn({ err: error }, 'job queue error');
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  private connect({ producer = false } = {}): Redis {
    // Workers need maxRetriesPerRequest: null (BullMQ blocks on Redis commands).
    const connection = new Redis(
      this.options.redisUrl,
      producer
        ? { maxRetriesPerRequest: 1, enableOfflineQueue: false, enableReadyCheck: true }
        : { maxRetriesPerRequest: null, enableReadyCheck: true },
    );
    // ioredis reports every failed reconnect (every 2 s while Redis is down): one line per outage.
    let down = false;
    connection.on('error', (error) => {
      if (down) return;
      down = true;
      this.options.logger?.warn(
        { err: error, redis: redactUrl(this.options.redisUrl) },
        'Redis connection error; reconnecting',
      );
    });
    connection.on('ready', () => {
      down = false;
    });
    this.connections.push(connection);
    return connection;
  }

  register<Data>(definition: JobDefinition<Data>): void {
    this.definitions.set(definition.name, definition);
  }

  private jobOptions(name: string) {
    const definition = this.definitions.get(name);
    if (!definition) throw new UnknownJobError(name);
    return {
      attempts: definition.attempts ?? 3,
      backoff: { type: 'exponential' as const, delay: definition.backoffMs ?? 1000 },
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    };
  }

  /**
   * Resolves once Redis answers (at most PRODUCER_WAIT_MS), else refuses: with
   * maxRetriesPerRequest null, a command sent while Redis is down would wait in ioredis' offline
   * queue until it is back, and the caller (an API request) with it.
   */
  private async producerReady(): Promise<void> {
    if (this.producer.status === 'ready') return;
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => done(false), PRODUCER_WAIT_MS);
      const onReady = () => done(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.producer.off('ready', onReady);
        resolve(ok);
      };
      this.producer.on('ready', onReady);
    });
    if (!ready) throw new QueueUnavailableError();
  }

  async enqueue<Data>(name: string, data: Data, options: EnqueueOptions = {}) {
    const jobOptions = this.jobOptions(name);
    await this.producerReady();
    try {
      return await this.add(name, data, jobOptions, options);
    } catch (error) {
      // Redis went away while the job was being added (the producer does not wait for it).
      if (this.producer.status !== 'ready' || isConnectionLoss(error)) throw new QueueUnavailableError();
      throw error;
    }
  }

  private async add<Data>(
    name: string,
    data: Data,
    jobOptions: ReturnType<BullmqJobQueue['jobOptions']>,
    options: EnqueueOptions,
  ) {
    if (options.key) {
      const jobId = jobIdFor(options.key);
      const existing = await this.queue.getJob(jobId);
      if (existing) {
        const state = await existing.getState();
        if (
          state === 'waiting' ||
          state === 'active' ||
          state === 'delayed' ||
          state === 'prioritized' ||
          state === 'waiting-children'
        ) {
          return { id: jobId, duplicate: true };
        }
        await existing.remove().catch(() => undefined);
      }
      const job = await this.queue.add(name, data, { ...jobOptions, jobId, delay: options.delayMs });
      return { id: String(job.id), duplicate: false };
    }
    const job = await this.queue.add(name, data, { ...jobOptions, delay: options.delayMs });
    return { id: String(job.id), duplicate: false };
  }

  async schedule<Data>(scheduleId: string, cron: string, name: string, data: Data, timezone = 'Europe/Kyiv') {
    this.schedules.set(scheduleId, { cron, name, data, timezone });
    await this.upsertSchedule(scheduleId);
  }

  private async upsertSchedule(scheduleId: string) {
    const { cron, name, data, timezone } = this.schedules.get(scheduleId)!;
    await this.queue.upsertJobScheduler(
      scheduleId,
      { pattern: cron, tz: timezone },
      { name, data, opts: this.jobOptions(name) },
    );
  }

  async unschedule(scheduleId: string) {
    this.schedules.delete(scheduleId);
    await this.queue.removeJobScheduler(scheduleId);
  }

  async ensureSchedules(): Promise<string[]> {
    const restored: string[] = [];
    for (const scheduleId of [...this.schedules.keys()]) {
      if (await this.queue.getJobScheduler(scheduleId)) continue;
      // unschedule() may have run meanwhile.
      if (!this.schedules.has(scheduleId)) continue;
      await this.upsertSchedule(scheduleId);
      restored.push(scheduleId);
    }
    if (restored.length)
      this.options.logger?.warn(
        { redis: redactUrl(this.options.redisUrl), schedules: restored },
        `${restored.length} schedule(s) were gone from Redis: registered again`,
      );
    return restored;
  }

  async start(options: { concurrency?: number } = {}) {
    if (this.worker) return;
    this.worker = new Worker(
      this.queueName,
      async (job: Job) => {
        const definition = this.definitions.get(job.name);
        if (!definition) throw new UnknownJobError(job.name);
        return definition.handler(job.data, { id: String(job.id), attempt: job.attemptsMade + 1 });
      },
      {
        connection: this.connect(),
        concurrency: options.concurrency ?? 1,
        lockDuration: this.options.lockDurationMs ?? 30_000,
        stalledInterval: this.options.stalledIntervalMs ?? 30_000,
        maxStalledCount: 2,
      },
    );
    this.worker.on('error', (error) => this.otherError(error));
    this.worker.on('failed', (job, error) =>
      this.options.logger?.warn(
        { job: job?.name, id: job?.id, attempt: job?.attemptsMade, err: error },
        'job failed',
      ),
    );
    await this.worker.waitUntilReady();
  }

  async counts(): Promise<JobCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'active',
      'completed',
      'failed',
      'delayed',
      'prioritized',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
      delayed: c.delayed ?? 0,
    };
  }

  async drain(timeoutMs = 60_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const c = await this.counts();
      if (c.waiting + c.active + c.delayed === 0) return;
      if (Date.now() > until) throw new Error(`jobs still running after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Removes every job and schedule of this queue (tests). */
  async obliterate() {
    await this.queue.obliterate({ force: true });
  }

  async close() {
    this.closing = true;
    await this.worker?.close();
    await this.queue.close();
    for (const connection of this.connections) connection.disconnect();
  }
}
