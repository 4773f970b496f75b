/**
 * The durable record of a job a person waits for (migrations/0710, table `job_record`; this file is
 * its one writer): asked for → `queued`, claimed by one worker → `running` with its stage and counts,
 * then `succeeded`, `failed` (with a reason a person can act on) or `cancelled`. Whichever worker runs
 * the job writes it, in-process or on BullMQ, so the API and the CLI read one truth in the database.
 *
 * One job per active key at a time (a period's calculation): the key is set while queued or running
 * and cleared when it ends, under a unique index, so a second request from any process finds the
 * first instead of starting another.
 *
 * After a restart: a job left `running` by a process that died is marked `failed` (never re-run by
 * itself: a period's posting is all or nothing, so nothing of it is posted, and whether to calculate
 * again is the person's call); a `queued` one is enqueued again (recoverJobRecords).
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import type { Database } from '../db';

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export interface JobRecord {
  id: string;
  kind: string;
  subject: string;
  state: JobState;
  stage: string | null;
  done: number | null;
  total: number | null;
  requestedBy: string | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  worker: string | null;
  heartbeatAt: Date | null;
  attempts: number;
  error: string | null;
  result: unknown;
  /** What it was asked with (e.g. the intermediary a period's acts print); null when nothing. */
  payload: unknown;
}

export interface JobProgressEvent {
  id: string;
  stage: string;
  done: number | null;
  total: number | null;
}

/**
 * Progress of the jobs this process runs, as it happens ('progress', JobProgressEvent): a command
 * that runs its job in-process shows it from here, since on the embedded database a poll of the
 * record waits for the posting's transaction to end.
 */
export const jobProgressEvents = new EventEmitter();

/** This process, as a job record names its worker. */
export const THIS_WORKER = `${os.hostname()}:${process.pid}`;

const num = (v: number | string | null) => (v === null || v === undefined ? null : Number(v));

function toRecord(database: Database, r: Record<string, any>): JobRecord {
  return {
    id: r.id,
    kind: r.kind,
    subject: r.subject,
    state: r.state,
    stage: r.stage ?? null,
    done: num(r.done_count),
    total: num(r.total_count),
    requestedBy: r.requested_by ?? null,
    requestedAt: new Date(r.requested_at),
    startedAt: r.started_at ? new Date(r.started_at) : null,
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    worker: r.worker ?? null,
    heartbeatAt: r.heartbeat_at ? new Date(r.heartbeat_at) : null,
    attempts: Number(r.attempts ?? 0),
    error: r.error ?? null,
    result: database.dialect.readJson(r.result),
    payload: database.dialect.readJson(r.payload),
  };
}

export async function getJobRecord(database: Database, id: string): Promise<JobRecord | null> {
  const row = await database.db.selectFrom('job_record').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toRecord(database, row) : null;
}

/** The job holding `activeKey` now (queued or running), if any. */
export async function activeJobRecord(database: Database, activeKey: string): Promise<JobRecord | null> {
  const row = await database.db
    .selectFrom('job_record')
    .selectAll()
    .where('active_key', '=', activeKey)
    .executeTakeFirst();
  return row ? toRecord(database, row) : null;
}

/**
 * Records a job asked for. With an `activeKey` already held by a queued or running job, records
 * nothing and answers that job (`duplicate: true`): two requests at once, from any processes, are
 * one job.
 */
export async function createJobRecord(
  database: Database,
  job: {
    kind: string;
    subject: string;
    requestedBy?: string | null;
    activeKey?: string | null;
    /** Kept with the record, for a sweep to enqueue the job again as it was asked. */
    payload?: unknown;
  },
): Promise<{ record: JobRecord; duplicate: boolean }> {
  const id = randomUUID();
  const activeKey = job.activeKey ?? null;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (activeKey) {
      const existing = await activeJobRecord(database, activeKey);
      if (existing) return { record: existing, duplicate: true };
    }
    try {
      await database.db
        .insertInto('job_record')
        .values({
          id,
          kind: job.kind,
          subject: job.subject,
          state: 'queued',
          stage: null,
          done_count: null,
          total_count: null,
          active_key: activeKey,
          requested_by: job.requestedBy ?? null,
          requested_at: new Date(),
          started_at: null,
          finished_at: null,
          worker: null,
          heartbeat_at: null,
          attempts: 0,
          error: null,
          result: null,
          payload: job.payload === undefined ? null : (database.dialect.json(job.payload) as any),
        })
        .execute();
      return { record: (await getJobRecord(database, id))!, duplicate: false };
    } catch (error) {
      // Another request took the key between the look and the insert: answer its job.
      if (!activeKey || !database.dialect.isUniqueViolation(error)) throw error;
    }
  }
  throw new Error(`job ${activeKey} was asked for and ended three times at once; ask again`);
}

/**
 * Takes a queued job for this worker: answers false when another worker took it first, or it was
 * cancelled or has ended (the queue may hand the same job out twice: a retry, a recovery sweep).
 */
export async function claimJobRecord(database: Database, id: string, worker = THIS_WORKER): Promise<boolean> {
  const now = new Date();
  const updated = await database.db
    .updateTable('job_record')
    .set((eb) => ({
      state: 'running',
      started_at: now,
      heartbeat_at: now,
      worker,
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', '=', id)
    .where('state', '=', 'queued')
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

/** The stage a running job reached and its counts; also says the worker is alive. */
export async function reportJobProgress(
  database: Database,
  id: string,
  progress: { stage: string; done?: number | null; total?: number | null },
): Promise<void> {
  await database.db
    .updateTable('job_record')
    .set({
      stage: progress.stage,
      done_count: progress.done ?? null,
      total_count: progress.total ?? null,
      heartbeat_at: new Date(),
    })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .execute();
}

/** Says the worker running the job is alive, without changing its stage. */
export async function heartbeatJobRecord(database: Database, id: string): Promise<void> {
  await database.db
    .updateTable('job_record')
    .set({ heartbeat_at: new Date() })
    .where('id', '=', id)
    .where('state', '=', 'running')
    .execute();
}

/** Ends a job: its key is free again for the next one. */
export async function finishJobRecord(
  database: Database,
  id: string,
  outcome: { state: 'succeeded' | 'failed' | 'cancelled'; error?: string | null; result?: unknown },
): Promise<void> {
  const now = new Date();
  await database.db
    .updateTable('job_record')
    .set({
      state: outcome.state,
      finished_at: now,
      heartbeat_at: now,
      active_key: null,
      error: outcome.error ? outcome.error.slice(0, 2000) : null,
      ...(outcome.result === undefined ? {} : { result: database.dialect.json(outcome.result) as any }),
      ...(outcome.state === 'succeeded' ? { stage: 'done' } : {}),
    })
    .where('id', '=', id)
    .where('state', 'in', ['queued', 'running'])
    .execute();
}

export interface JobRecordQuery {
  kinds?: string[];
  state?: JobState;
  subject?: string;
  offset?: number;
  limit?: number;
}

/** Newest first. */
export async function listJobRecords(
  database: Database,
  query: JobRecordQuery = {},
): Promise<{ items: JobRecord[]; total: number }> {
  if (query.kinds && !query.kinds.length) return { items: [], total: 0 };
  let base = database.db.selectFrom('job_record');
  if (query.kinds) base = base.where('kind', 'in', query.kinds);
  if (query.state) base = base.where('state', '=', query.state);
  if (query.subject) base = base.where('subject', '=', query.subject);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    base
      .selectAll()
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .offset(query.offset ?? 0)
      .fetch(query.limit ?? 50)
      .execute(),
  ]);
  return { total: Number(count.n), items: rows.map((r) => toRecord(database, r)) };
}

/** The job of this kind and subject now queued or running, else the last one asked for. */
export async function currentOrLastJobRecord(
  database: Database,
  kind: string,
  subject: string,
): Promise<JobRecord | null> {
  const rows = await database.db
    .selectFrom('job_record')
    .selectAll()
    .where('kind', '=', kind)
    .where('subject', '=', subject)
    .orderBy('requested_at', 'desc')
    .orderBy('id', 'desc')
    .fetch(20)
    .execute();
  const records = rows.map((r) => toRecord(database, r));
  return records.find((r) => r.state === 'queued' || r.state === 'running') ?? records[0] ?? null;
}

/** Whether the process named by `worker` (host:pid) is known to be gone: same host, no such pid. */
function workerIsGone(worker: string | null): boolean {
  if (!worker) return false;
  const at = worker.lastIndexOf(':');
  const host = worker.slice(0, at);
  const pid = Number(worker.slice(at + 1));
  if (host !== os.hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export interface JobRecovery {
  /** Jobs marked failed because the process running them stopped. */
  failed: JobRecord[];
  /** Jobs still queued, for the caller to enqueue again (de-duplicated by the queue's job key). */
  queued: JobRecord[];
}

/**
 * Finds jobs of `kinds` a dead process left behind. A running job whose worker is a process of this
 * machine that no longer exists, or that has not said it is alive for `staleMs`, is marked failed;
 * queued jobs are answered for the caller to enqueue again.
 */
export async function recoverJobRecords(
  database: Database,
  kinds: string[],
  options: { staleMs?: number; now?: Date; queuedBefore?: Date } = {},
): Promise<JobRecovery> {
  if (!kinds.length) return { failed: [], queued: [] };
  const now = options.now ?? new Date();
  const staleMs = options.staleMs ?? 120_000;
  const rows = await database.db
    .selectFrom('job_record')
    .selectAll()
    .where('kind', 'in', kinds)
    .where('state', 'in', ['queued', 'running'])
    .orderBy('requested_at')
    .execute();
  const failed: JobRecord[] = [];
  const queued: JobRecord[] = [];
  for (const record of rows.map((r) => toRecord(database, r))) {
    if (record.state === 'queued') {
      if (!options.queuedBefore || record.requestedAt <= options.queuedBefore) queued.push(record);
      continue;
    }
    // This process knows its own jobs: alive, it is still running them (a long posting on the
    // embedded database holds its one connection, and the heartbeat with it).
    if (record.worker === THIS_WORKER) continue;
    const lastHeard = record.heartbeatAt ?? record.startedAt ?? record.requestedAt;
    const silentMs = now.getTime() - lastHeard.getTime();
    if (!workerIsGone(record.worker) && silentMs < staleMs) continue;
    const error =
      `the process running it (${record.worker ?? 'unknown'}) stopped before it finished ` +
      `(last heard at ${lastHeard.toISOString()}, stage ${record.stage ?? 'not begun'}); ` +
      'what it was writing was rolled back with its transaction: start it again';
    let update = database.db
      .updateTable('job_record')
      .set({ state: 'failed', finished_at: now, active_key: null, error })
      .where('id', '=', record.id)
      .where('state', '=', 'running');
    // Not if it spoke meanwhile.
    if (record.heartbeatAt) update = update.where('heartbeat_at', '<=', record.heartbeatAt);
    const ended = await update.executeTakeFirst();
    if (Number(ended.numUpdatedRows) === 1)
      failed.push({ ...record, state: 'failed', error, finishedAt: now });
  }
  return { failed, queued };
}

/**
 * Runs the work of a recorded job: claims it (or answers null when another worker has it), keeps
 * its heartbeat while it runs, and records how it ended. `work` reports its stages with `progress`.
 * An error is recorded as the job's failure, its message being what a person reads; it is not
 * thrown again, so the queue does not run the job a second time.
 */
export async function runRecordedJob<T>(
  database: Database,
  id: string,
  work: (progress: (stage: string, done?: number | null, total?: number | null) => void) => Promise<T>,
  options: {
    heartbeatMs?: number;
    resultOf?: (value: T) => unknown;
    onError?: (error: unknown) => void;
    describeError?: (error: unknown) => string;
  } = {},
): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | null> {
  if (!(await claimJobRecord(database, id))) return null;
  // Progress is written in order, one update at a time, and never blocks the work.
  let chain: Promise<void> = Promise.resolve();
  const write = (step: () => Promise<void>) => {
    chain = chain.then(step).catch(() => undefined);
  };
  // The stages passed, each with when it began and its last counts: kept on the result when it ends.
  const stages: { stage: string; at: string; done: number | null; total: number | null }[] = [];
  const progress = (stage: string, done?: number | null, total?: number | null) => {
    const last = stages[stages.length - 1];
    if (last?.stage === stage) Object.assign(last, { done: done ?? null, total: total ?? null });
    else stages.push({ stage, at: new Date().toISOString(), done: done ?? null, total: total ?? null });
    write(() => reportJobProgress(database, id, { stage, done, total }));
    jobProgressEvents.emit('progress', { id, stage, done: done ?? null, total: total ?? null });
  };
  const timer = setInterval(
    () => write(() => heartbeatJobRecord(database, id)),
    options.heartbeatMs ?? 10_000,
  );
  timer.unref();
  try {
    const value = await work(progress);
    clearInterval(timer);
    await chain;
    const result = options.resultOf ? options.resultOf(value) : {};
    await finishJobRecord(database, id, {
      state: 'succeeded',
      result: result && typeof result === 'object' && !Array.isArray(result) ? { ...result, stages } : result,
    });
    return { ok: true, value };
  } catch (error) {
    clearInterval(timer);
    await chain;
    options.onError?.(error);
    const message = options.describeError
      ? options.describeError(error)
      : error instanceof Error
        ? error.message
        : String(error);
    await finishJobRecord(database, id, { state: 'failed', error: message });
    return { ok: false, error };
  }
}
