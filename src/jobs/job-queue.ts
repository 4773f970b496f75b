/**
 * Background jobs: exchange runs, message processing, period calculations. Two drivers behind one
 * interface: in-process for the embedded mode, BullMQ over Redis when REDIS_URL is set, so several
 * worker processes share the load. Job handlers never know which driver runs them.
 * Enqueue after the database commit that makes the job meaningful (an outbox), never before.
 */

export interface JobRun {
  /** The driver's id of the job. */
  id: string;
  /** 1 for the first try. */
  attempt: number;
}

export interface JobDefinition<Data = unknown> {
  /** e.g. exchange.poll, exchange.process-message */
  name: string;
  handler(data: Data, run: JobRun): Promise<unknown>;
  /** Tries in all, default 3. */
  attempts?: number;
  /** First retry delay; doubles each time. Default 1000 ms. */
  backoffMs?: number;
}

export interface EnqueueOptions {
  /** Jobs with the same key are one job while it waits or runs (a message key, a period code). */
  key?: string;
  delayMs?: number;
}

export interface JobCounts {
  waiting: number;
  active: number;
  completed: number;
  failed: number;
  delayed: number;
}

export interface JobQueue {
  readonly mode: 'embedded' | 'redis';
  register<Data>(definition: JobDefinition<Data>): void;
  /** Answers the job id, and whether an equal job (same key) was already waiting or running. */
  enqueue<Data>(
    name: string,
    data: Data,
    options?: EnqueueOptions,
  ): Promise<{ id: string; duplicate: boolean }>;
  /** Runs `name` with `data` on a cron pattern (5 or 6 fields), in Kyiv time unless told. */
  schedule<Data>(
    scheduleId: string,
    cron: string,
    name: string,
    data: Data,
    timezone?: string,
  ): Promise<void>;
  unschedule(scheduleId: string): Promise<void>;
  /**
   * Registers again every schedule given to this queue that the queue no longer holds (a Redis that
   * restarted without persistence has lost them all); answers the ids registered again. Nothing to
   * do in-process, where schedules live in this process.
   */
  ensureSchedules(): Promise<string[]>;
  /**
   * Calls `listener` each time the queue's connection is back after a loss (Redis restarted or the
   * network returned), after the schedules are registered again; never in-process.
   */
  onReconnect(listener: () => void): void;
  /** Begins taking jobs (workers). Schedules and enqueues work before start, too. */
  start(options?: { concurrency?: number }): Promise<void>;
  counts(): Promise<JobCounts>;
  /** Waits until nothing waits or runs (tests, CLI one-shot runs). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export class UnknownJobError extends Error {
  constructor(name: string) {
    super(`no handler is registered for job '${name}'`);
    this.name = 'UnknownJobError';
  }
}

/** Work asked for while the queue's Redis does not answer: nothing was queued; the API answers 503. */
export class QueueUnavailableError extends Error {
  readonly statusCode = 503;
  constructor() {
    super('the job queue (Redis) is not answering; nothing was queued: try again once it is back');
    this.name = 'QueueUnavailableError';
  }
}
