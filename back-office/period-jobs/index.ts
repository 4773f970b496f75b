/**
 * A period's calculation as a queued job: the API and the CLI ask for it (enqueuePeriodCalculation),
 * any worker (in-process or BullMQ) runs it, one at a time per period, and its durable record
 * (src/jobs job_record) says its stage and counts: inputs (payments read), calculating (consultants),
 * lines (lines to write), contests (lines written; metrics, careers and contest standings being
 * recorded), done. Owns no table: the record is src/jobs', the ledger compensation's.
 *
 * One calculation per period across processes: the record's active key is unique while it is queued
 * or running, so a second request answers the first job; and the posting itself holds the period's
 * database lock (back-office/compensation period-lock).
 *
 * A worker that dies mid-calculation loses nothing posted (the posting is one transaction): the
 * record is marked failed by the next sweep (startPeriodJobs) on any process, and the person starts
 * it again; a job still queued when its queue was lost (Redis restarted, a CLI `--no-wait` on a
 * database with no worker yet) is enqueued again by the same sweep.
 *
 * A closed period's acts are the second kind (PERIOD_ACTS, enqueuePeriodActs): issuing (acts looked
 * at of those to issue), checking (the acts against the ledger), done; one per period at a time the
 * same way. Each act is its own transaction and unique per consultant and period, so a worker that
 * dies mid-way leaves the acts it issued; the job is marked failed and started again issues the rest.
 * The intermediary the acts print is kept on the record (its payload), so a job enqueued again by the
 * sweep prints the one its request named, whatever the worker's own configuration.
 */
import type { Logger } from 'pino';
import type { Database } from '../../src/db';
import {
  createJobRecord,
  currentOrLastJobRecord,
  finishJobRecord,
  type JobQueue,
  type JobRecord,
  recoverJobRecords,
  runRecordedJob,
} from '../../src/jobs';
import { ActInputError, type Intermediary } from '../acts';
import {
  CalculationRefusedError,
  calculatePeriod,
  type PeriodCalculation,
  PlanRefusedError,
} from '../compensation';
import { actsNotClosed, ActsRefusedError, type PeriodActs, producePeriodActs } from '../periods';

export const PERIOD_CALCULATION = 'period.calculate';
/** The stages a queued calculation passes, in order. */
export const PERIOD_CALCULATION_STAGES = ['inputs', 'calculating', 'lines', 'contests', 'done'] as const;

export const PERIOD_ACTS = 'period.acts';
/** The stages a period's acts pass, in order. */
export const PERIOD_ACTS_STAGES = ['issuing', 'checking', 'done'] as const;

export interface PeriodJobDeps {
  database: Database;
  logger?: Logger;
}

/** What a finished calculation leaves on its job record (the lines stay in the ledger). */
export interface CalculationJobResult {
  runId: number | null;
  preview: boolean;
  periodCode: string;
  planCode: string;
  planVersion: string;
  fingerprint: string;
  knownAt: string;
  lineCount: number;
  totalKop: number;
  byKind: Record<string, number>;
  missing: { reason: string }[];
  careerDecisions: unknown[];
  timings: Record<string, number>;
}

function resultOf(calculation: PeriodCalculation): CalculationJobResult {
  return {
    runId: calculation.runId,
    preview: calculation.preview,
    periodCode: calculation.periodCode,
    planCode: calculation.planCode,
    planVersion: calculation.planVersion,
    fingerprint: calculation.fingerprint,
    knownAt: calculation.knownAt.toISOString(),
    lineCount: calculation.lineCount,
    totalKop: calculation.totalKop,
    byKind: calculation.byKind as Record<string, number>,
    // At most 200 problems on the record: the calculation's own run keeps them all.
    missing: calculation.missing.slice(0, 200),
    careerDecisions: calculation.careerDecisions.slice(0, 200),
    timings: calculation.timings,
  };
}

/** A refusal a person acts on (the period is closed, the plan is wrong) keeps its message as it is. */
function describeError(error: unknown): string {
  if (
    error instanceof CalculationRefusedError ||
    error instanceof PlanRefusedError ||
    error instanceof RangeError
  )
    return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `the calculation stopped on an unexpected error (nothing of it is posted): ${message}; see the worker's log, then start it again`;
}

/** Runs the recorded calculation `jobId` (when no other worker has taken it). */
export async function runPeriodCalculationJob(
  deps: PeriodJobDeps,
  jobId: string,
  periodCode: string,
  requestedBy: string | null,
  options: { heartbeatMs?: number } = {},
) {
  return runRecordedJob(
    deps.database,
    jobId,
    async (progress) => {
      progress('inputs', 0, null);
      let consultants = 0;
      return calculatePeriod(deps.database, periodCode, {
        createdBy: requestedBy ?? undefined,
        onProgress: (stage, count) => {
          if (stage === 'payments') progress('inputs', count, null);
          else if (stage === 'consultants') consultants = count;
          else if (stage === 'network') progress('calculating', 0, consultants || count);
          else if (stage === 'calculated') progress('lines', 0, count);
          // The lines are in; metrics, careers and contest standings follow in the same transaction.
          else if (stage === 'posted') progress('contests', count, count);
        },
        onWait: (period) =>
          deps.logger?.info({ period, job: jobId }, 'calculation waits for another operation on the period'),
      });
    },
    {
      heartbeatMs: options.heartbeatMs,
      resultOf,
      describeError,
      onError: (error) => {
        if (!(error instanceof CalculationRefusedError || error instanceof PlanRefusedError))
          deps.logger?.error({ err: error, job: jobId, period: periodCode }, 'period calculation failed');
      },
    },
  );
}

/** What a finished acts job leaves on its record: counts, not the acts (they are in the register). */
export interface ActsJobResult {
  periodCode: string;
  issued: number;
  alreadyIssued: number;
  nothingToPay: number;
  ledgerTotalKop: number;
  carriedInKop: number;
  carriedOutKop: number;
  check: {
    /** True when the acts (with balances carried in and forward) equal the ledger. */
    balanced: boolean;
    consultants: number;
    ledgerTotalKop: number;
    actsGrossKop: number;
    differences: number;
    carriedForward: number;
    /** The first 20 differences, for a person to look at (the check says them all). */
    firstDifferences: PeriodActs['check']['differences'];
  };
}

function actsResultOf(periodCode: string) {
  return (acts: PeriodActs): ActsJobResult => ({
    periodCode,
    issued: acts.issued.length,
    alreadyIssued: acts.alreadyIssued.length,
    nothingToPay: acts.nothingToPay.length,
    ledgerTotalKop: acts.ledgerTotalKop,
    carriedInKop: acts.carriedInKop,
    carriedOutKop: acts.carriedOutKop,
    check: {
      balanced: acts.check.balanced,
      consultants: acts.check.consultants,
      ledgerTotalKop: acts.check.ledgerTotalKop,
      actsGrossKop: acts.check.actsGrossKop,
      differences: acts.check.differences.length,
      carriedForward: acts.check.carriedForward.length,
      firstDifferences: acts.check.differences.slice(0, 20),
    },
  });
}

/**
 * What any caller may see of a finished acts job: its counts and whether the acts equal the ledger,
 * without amounts; null for any other job or state.
 */
export function actsJobOutcome(job: JobRecord) {
  if (job.kind !== PERIOD_ACTS || job.state !== 'succeeded' || !job.result) return null;
  const r = job.result as ActsJobResult;
  return {
    issued: r.issued,
    alreadyIssued: r.alreadyIssued,
    nothingToPay: r.nothingToPay,
    balanced: r.check.balanced,
    differences: r.check.differences,
  };
}

/** A refusal a person acts on (the period is not closed, the intermediary is wrong) keeps its message. */
function describeActsError(error: unknown): string {
  if (error instanceof ActsRefusedError || error instanceof ActInputError || error instanceof RangeError)
    return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `producing the acts stopped on an unexpected error (the acts issued before it stay issued; started again, the rest are issued): ${message}; see the worker's log`;
}

/** What an acts job is queued with (and kept on its record as its payload, less the job's id). */
export interface ActsJobPayload {
  jobId: string;
  periodCode: string;
  requestedBy: string | null;
  intermediary: Intermediary;
}

/** Runs the recorded acts job `jobId` (when no other worker has taken it). */
export async function runPeriodActsJob(
  deps: PeriodJobDeps,
  payload: ActsJobPayload,
  options: { heartbeatMs?: number } = {},
) {
  const { jobId, periodCode, requestedBy, intermediary } = payload;
  return runRecordedJob(
    deps.database,
    jobId,
    (progress) =>
      producePeriodActs(
        deps.database,
        periodCode,
        { intermediary, createdBy: requestedBy ?? undefined },
        (stage, done, total) => progress(stage, done, total),
      ),
    {
      heartbeatMs: options.heartbeatMs,
      resultOf: actsResultOf(periodCode),
      describeError: describeActsError,
      onError: (error) => {
        if (!(error instanceof ActsRefusedError || error instanceof ActInputError))
          deps.logger?.error({ err: error, job: jobId, period: periodCode }, 'period acts failed');
      },
    },
  );
}

/** Puts the period jobs on the queue (idempotent: registering again replaces the handler). */
export function registerPeriodJobs(queue: JobQueue, deps: PeriodJobDeps): void {
  queue.register<{ jobId: string; periodCode: string; requestedBy: string | null }>({
    name: PERIOD_CALCULATION,
    // The record says how it ended; a failure is not run again by itself.
    attempts: 1,
    handler: async ({ jobId, periodCode, requestedBy }) => {
      const outcome = await runPeriodCalculationJob(deps, jobId, periodCode, requestedBy);
      return outcome === null ? { skipped: 'taken by another worker, or ended' } : { ok: outcome.ok };
    },
  });
  queue.register<ActsJobPayload>({
    name: PERIOD_ACTS,
    attempts: 1,
    handler: async (payload) => {
      const outcome = await runPeriodActsJob(deps, payload);
      return outcome === null ? { skipped: 'taken by another worker, or ended' } : { ok: outcome.ok };
    },
  });
}

const queueKey = (jobId: string) => `job-${jobId}`;

function checkPeriodCode(periodCode: string) {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(periodCode))
    throw new RangeError(`period '${periodCode}' is not yyyy-mm`);
}

async function periodStatus(database: Database, periodCode: string): Promise<string | undefined> {
  const row = await database.db
    .selectFrom('production_period')
    .select('status')
    .where('code', '=', periodCode)
    .executeTakeFirst();
  return row?.status;
}

/**
 * Records a period job of `kind` (one queued or running per period: else answers that one) and
 * enqueues it with `payload` and its id; the payload is kept on the record for the sweep. When the
 * queue does not take it the record is cancelled and the error thrown.
 */
async function enqueuePeriodJob(
  database: Database,
  queue: JobQueue | null,
  kind: string,
  periodCode: string,
  requestedBy: string | null,
  payload?: Record<string, unknown>,
): Promise<{ job: JobRecord; duplicate: boolean }> {
  const { record, duplicate } = await createJobRecord(database, {
    kind,
    subject: periodCode,
    requestedBy,
    activeKey: `${kind}:${periodCode}`,
    payload,
  });
  if (duplicate || !queue) return { job: record, duplicate };
  try {
    await queue.enqueue(
      kind,
      { ...payload, jobId: record.id, periodCode, requestedBy: record.requestedBy },
      { key: queueKey(record.id) },
    );
  } catch (error) {
    await finishJobRecord(database, record.id, {
      state: 'cancelled',
      error: `not queued: ${error instanceof Error ? error.message : String(error)}`,
    });
    throw error;
  }
  return { job: record, duplicate };
}

/**
 * Asks for a period's calculation: records it and enqueues it. While one is queued or running for
 * the period, answers that one (`duplicate: true`) instead. When the queue does not take it (Redis
 * down) the record is cancelled and the error thrown (the API answers 503).
 */
export async function enqueuePeriodCalculation(
  database: Database,
  queue: JobQueue | null,
  periodCode: string,
  options: { requestedBy?: string | null } = {},
): Promise<{ job: JobRecord; duplicate: boolean }> {
  checkPeriodCode(periodCode);
  if ((await periodStatus(database, periodCode)) === 'closed')
    throw new CalculationRefusedError(
      `period ${periodCode} is closed; a change to it is posted as a recalculation in the open period`,
    );
  return enqueuePeriodJob(database, queue, PERIOD_CALCULATION, periodCode, options.requestedBy ?? null);
}

/**
 * Asks for a closed period's acts, printing `intermediary` as the customer: records the job and
 * enqueues it; while one is queued or running for the period, answers that one (`duplicate: true`).
 * A period that is not closed is refused at once (ActsRefusedError, 409).
 */
export async function enqueuePeriodActs(
  database: Database,
  queue: JobQueue | null,
  periodCode: string,
  options: { requestedBy?: string | null; intermediary: Intermediary },
): Promise<{ job: JobRecord; duplicate: boolean }> {
  checkPeriodCode(periodCode);
  const status = await periodStatus(database, periodCode);
  if (status !== 'closed') throw actsNotClosed(periodCode, status);
  return enqueuePeriodJob(database, queue, PERIOD_ACTS, periodCode, options.requestedBy ?? null, {
    intermediary: options.intermediary,
  });
}

/** The period's calculation now queued or running, else its last one; null when none was ever asked. */
export function periodCalculationJob(database: Database, periodCode: string): Promise<JobRecord | null> {
  return currentOrLastJobRecord(database, PERIOD_CALCULATION, periodCode);
}

/** The period's acts job now queued or running, else its last one; null when none was ever asked. */
export function periodActsJob(database: Database, periodCode: string): Promise<JobRecord | null> {
  return currentOrLastJobRecord(database, PERIOD_ACTS, periodCode);
}

/**
 * Finds the calculations and acts jobs a lost queue or a dead worker left: queued ones are enqueued
 * again with the payload kept on their record (unless `requeue: false`; an acts job whose record
 * keeps no intermediary is cancelled, to be asked for again), running ones whose process is gone are
 * marked failed. Answers what it did.
 */
export async function sweepPeriodJobs(
  queue: JobQueue,
  database: Database,
  options: { staleMs?: number; requeue?: boolean } = {},
): Promise<{ requeued: string[]; failed: string[] }> {
  const found = await recoverJobRecords(database, [PERIOD_CALCULATION, PERIOD_ACTS], {
    staleMs: options.staleMs,
  });
  if (options.requeue === false) found.queued = [];
  const requeued: string[] = [];
  for (const job of found.queued) {
    const payload = (job.payload ?? {}) as { intermediary?: Intermediary };
    if (job.kind === PERIOD_ACTS && !payload.intermediary) {
      await finishJobRecord(database, job.id, {
        state: 'cancelled',
        error: `the acts of period ${job.subject} were queued without the intermediary to print on them, and their queue lost them: produce them again`,
      });
      continue;
    }
    await queue.enqueue(
      job.kind,
      { ...payload, jobId: job.id, periodCode: job.subject, requestedBy: job.requestedBy },
      { key: queueKey(job.id) },
    );
    requeued.push(job.id);
  }
  return { requeued, failed: found.failed.map((j) => j.id) };
}

export interface PeriodJobs {
  /** Sweeps now (and resolves when done). */
  sweep(): Promise<{ requeued: string[]; failed: string[] }>;
  stop(): Promise<void>;
}

/**
 * What a worker process runs: the jobs registered, and the sweep (at once, then every `sweepMs`,
 * default 5 s) that finds queued and abandoned calculations and acts jobs from the database.
 */
export function startPeriodJobs(
  queue: JobQueue,
  deps: PeriodJobDeps,
  options: { sweepMs?: number; staleMs?: number } = {},
): PeriodJobs {
  registerPeriodJobs(queue, deps);
  let running: Promise<{ requeued: string[]; failed: string[] }> | null = null;
  let stopped = false;
  let failing = false;
  const sweep = () => {
    if (stopped) return Promise.resolve({ requeued: [], failed: [] });
    running ??= sweepPeriodJobs(queue, deps.database, { staleMs: options.staleMs })
      .then((found) => {
        if (failing) deps.logger?.info('period job sweep works again');
        failing = false;
        if (found.failed.length)
          deps.logger?.warn(
            { jobs: found.failed },
            `${found.failed.length} period job(s) left running by a stopped process marked failed`,
          );
        return found;
      })
      .catch((error) => {
        if (!failing) deps.logger?.warn({ err: error }, 'period job sweep failed');
        failing = true;
        return { requeued: [], failed: [] };
      })
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void sweep(), options.sweepMs ?? 5000);
  timer.unref();
  void sweep();
  return {
    sweep,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
