/** The embedded mode's jobs: a queue in this process, cron by croner, retries with backoff. */
import { Cron } from 'croner';
import type { Logger } from 'pino';
import {
  type EnqueueOptions,
  type JobCounts,
  type JobDefinition,
  type JobQueue,
  UnknownJobError,
} from './job-queue';

interface PendingJob {
  id: string;
  name: string;
  data: unknown;
  key: string | null;
  attempt: number;
}

export class InProcessJobQueue implements JobQueue {
  readonly mode = 'embedded' as const;
  private readonly definitions = new Map<string, JobDefinition<any>>();
  private readonly waiting: PendingJob[] = [];
  private readonly activeKeys = new Set<string>();
  private readonly schedules = new Map<string, Cron>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private completed = 0;
  private failed = 0;
  private delayed = 0;
  private nextId = 1;
  private concurrency = 1;
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly logger?: Logger) {}

  register<Data>(definition: JobDefinition<Data>): void {
    this.definitions.set(definition.name, definition);
  }

  async enqueue<Data>(name: string, data: Data, options: EnqueueOptions = {}) {
    if (!this.definitions.has(name)) throw new UnknownJobError(name);
    const key = options.key ?? null;
    if (key) {
      const existing = this.waiting.find((j) => j.key === key);
      if (existing) return { id: existing.id, duplicate: true };
      if (this.activeKeys.has(key)) return { id: key, duplicate: true };
    }
    const job: PendingJob = { id: String(this.nextId++), name, data, key, attempt: 1 };
    if (options.delayMs) this.later(job, options.delayMs);
    else {
      this.waiting.push(job);
      this.pump();
    }
    return { id: job.id, duplicate: false };
  }

  async schedule<Data>(scheduleId: string, cron: string, name: string, data: Data, timezone = 'Europe/Kyiv') {
    if (!this.definitions.has(name)) throw new UnknownJobError(name);
    this.schedules.get(scheduleId)?.stop();
    const job = new Cron(cron, { timezone, protect: true }, () => {
      void this.enqueue(name, data, { key: `schedule:${scheduleId}` });
    });
    this.schedules.set(scheduleId, job);
  }

  async unschedule(scheduleId: string) {
    this.schedules.get(scheduleId)?.stop();
    this.schedules.delete(scheduleId);
  }

  /** Schedules live in this process: none can be lost while it runs. */
  async ensureSchedules(): Promise<string[]> {
    return [];
  }

  /** There is no connection to lose. */
  onReconnect(): void {}

  async start(options: { concurrency?: number } = {}) {
    this.concurrency = options.concurrency ?? 1;
    this.running = true;
    this.pump();
  }

  async counts(): Promise<JobCounts> {
    return {
      waiting: this.waiting.length,
      active: this.active,
      completed: this.completed,
      failed: this.failed,
      delayed: this.delayed,
    };
  }

  drain(timeoutMs = 60_000): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`jobs still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close() {
    this.closed = true;
    for (const cron of this.schedules.values()) cron.stop();
    this.schedules.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.active > 0) await new Promise((r) => setTimeout(r, 20));
  }

  private isIdle() {
    return this.waiting.length === 0 && this.active === 0 && this.delayed === 0;
  }

  private later(job: PendingJob, delayMs: number) {
    this.delayed++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.delayed--;
      if (this.closed) return;
      this.waiting.push(job);
      this.pump();
    }, delayMs);
    this.timers.add(timer);
  }

  private pump() {
    if (!this.running || this.closed) return;
    while (this.active < this.concurrency && this.waiting.length) {
      const job = this.waiting.shift()!;
      void this.run(job);
    }
    if (this.isIdle()) {
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private async run(job: PendingJob) {
    const definition = this.definitions.get(job.name)!;
    this.active++;
    if (job.key) this.activeKeys.add(job.key);
    try {
      await definition.handler(job.data, { id: job.id, attempt: job.attempt });
      this.completed++;
    } catch (error) {
      const attempts = definition.attempts ?? 3;
      if (job.attempt < attempts && !this.closed) {
        const delay = (definition.backoffMs ?? 1000) * 2 ** (job.attempt - 1);
        this.logger?.warn(
          { job: job.name, id: job.id, attempt: job.attempt, err: error },
          `job failed, retrying in ${delay} ms`,
        );
        this.later({ ...job, attempt: job.attempt + 1 }, delay);
      } else {
        this.failed++;
        this.logger?.error(
          { job: job.name, id: job.id, attempt: job.attempt, err: error },
          'job failed for good',
        );
      }
    } finally {
      this.active--;
      if (job.key) this.activeKeys.delete(job.key);
      this.pump();
    }
  }
}
