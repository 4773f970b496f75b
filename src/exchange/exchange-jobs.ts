/**
 * The exchange's background jobs and their schedules: each adapter's cron patterns run an exchange
 * with that insurer; one run per insurer at a time (the job key). The same handlers serve the
 * in-process queue and BullMQ.
 *
 * The database, not the queue, says what work there is: the recovery sweep (startExchangeRecovery)
 * finds received messages nobody processed and schedules whose time passed without a run, and
 * enqueues them again, so a Redis that lost its jobs and schedules costs a delay, never the work.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Cron } from 'croner';
import type { Database } from '../db';
import {
  createJobRecord,
  finishJobRecord,
  type JobQueue,
  type Recovery,
  recoverJobRecords,
  runRecordedJob,
  startRecovery,
} from '../jobs';
import { loadAdapter } from './adapter-config';
import { projectRoot } from './mapping';
import { listUnprocessedMessages, type UnprocessedMessage } from './message-store';
import type { ExchangeDeps } from './pipeline';
import { processMessage, processPending, replayMessage } from './pipeline';
import { type ChannelOverrides, runExchange } from './runs';
import { ExchangeCursors } from './runs/state';

export const EXCHANGE_RUN = 'exchange.run';
export const MESSAGE_PROCESS = 'exchange.process-message';
export const MESSAGE_REPLAY = 'exchange.replay-message';
/** Processes an insurer's received messages in the order their contents depend on each other. */
export const MESSAGES_PROCESS_PENDING = 'exchange.process-pending';

/** Schedules run in Kyiv time (the queue's default), and are checked for missed runs the same way. */
const SCHEDULE_TIMEZONE = 'Europe/Kyiv';
/** The exchange cursor that remembers when an insurer's last exchange run job began. */
const LAST_RUN_CURSOR = 'schedule:last-run-started';

/** Insurer codes of the adapters in the adapters folder. */
export function listAdapters(adaptersDir = path.join(projectRoot(), 'adapters')): string[] {
  return fs
    .readdirSync(adaptersDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(adaptersDir, d.name, 'adapter.yaml')))
    .map((d) => loadAdapter(d.name, { adaptersDir }).insurer.code)
    .sort();
}

export function registerExchangeJobs(
  queue: JobQueue,
  deps: ExchangeDeps,
  options: {
    overridesFor?: (insurerCode: string) => ChannelOverrides | undefined;
    /** Called after each mailbox pull (the back office files the new mail; see RunOptions). */
    afterMailPull?: () => Promise<void>;
    /** Insurers whose exchange is paused in this process, with why (a sandbox that could not start). */
    paused?: ReadonlyMap<string, string>;
  } = {},
): void {
  queue.register<{ insurerCode: string }>({
    name: EXCHANGE_RUN,
    attempts: 3,
    backoffMs: 30_000,
    handler: async ({ insurerCode }) => {
      // Before anything can fail: this run covers every schedule of the insurer due until now, and
      // a run that fails is retried by the queue, not found again by the sweep.
      await recordRunStarted(deps.database, insurerCode, new Date());
      // Its progress on a job record (GET /api/jobs?kind=exchange.run), one per try.
      const { record } = await createJobRecord(deps.database, { kind: EXCHANGE_RUN, subject: insurerCode });
      // Never towards the adapter's real servers when this process was to play the insurer: the run is
      // recorded as failed with why (the desk shows it), and not retried.
      const paused = options.paused?.get(insurerCode);
      if (paused !== undefined) {
        await finishJobRecord(deps.database, record.id, {
          state: 'failed',
          error: `the exchange with ${insurerCode} is paused in this process: ${paused}`,
        });
        return;
      }
      const recorded = await runRecordedJob(
        deps.database,
        record.id,
        async (progress) => {
          progress('exchanging');
          let received = 0;
          const report = await runExchange(deps, insurerCode, {
            overrides: options.overridesFor?.(insurerCode),
            afterMailPull: options.afterMailPull,
            onStep: (line) => {
              if (/^built |register|\bdeliver/i.test(line)) progress('sending');
              else if (/took in|new file|receiv/i.test(line)) {
                const n = Number(/(\d+)/.exec(line)?.[1] ?? 0);
                received = Math.max(received, n);
                progress('receiving', received, null);
              }
            },
          });
          progress('processing', report.processed.length, report.received.length);
          return report;
        },
        {
          resultOf: (report) => ({
            received: report.received.length,
            processed: report.processed.map((p) => `${p.file}:${p.status}`).slice(0, 200),
            register: report.registerBuilt?.fileName ?? null,
          }),
        },
      );
      // The queue retries a failed run; the record keeps each try's reason.
      if (!recorded?.ok) throw recorded ? recorded.error : new Error('exchange run record was taken');
      const report = recorded.value;
      deps.logger?.info(
        {
          insurer: insurerCode,
          register: report.registerBuilt?.fileName ?? null,
          received: report.received.length,
          processed: report.processed.map((p) => `${p.file}:${p.status}`),
        },
        'exchange run finished',
      );
      return { received: report.received.length, processed: report.processed.length };
    },
  });
  queue.register<{ messageId: number }>({
    name: MESSAGE_PROCESS,
    handler: async ({ messageId }) => processMessage(deps, messageId),
  });
  queue.register<{ insurerCode: string }>({
    name: MESSAGES_PROCESS_PENDING,
    handler: async ({ insurerCode }) => {
      const reports = await processPending(deps, insurerCode);
      return { processed: reports.map((r) => `${r.messageId}:${r.status}`) };
    },
  });
  queue.register<{ messageId: number }>({
    name: MESSAGE_REPLAY,
    attempts: 1,
    handler: async ({ messageId }) => replayMessage(deps, messageId),
  });
}

/** Puts every adapter's cron patterns on the queue; answers what was scheduled. */
export async function scheduleAdapters(
  queue: JobQueue,
  adaptersDir?: string,
  paused: ReadonlyMap<string, string> = new Map(),
): Promise<{ id: string; cron: string }[]> {
  const scheduled: { id: string; cron: string }[] = [];
  for (const code of listAdapters(adaptersDir)) {
    if (paused.has(code)) continue;
    const adapter = loadAdapter(code, { adaptersDir });
    for (const [name, cron] of Object.entries(adapter.schedules ?? {})) {
      const id = `${code}:${name}`;
      await queue.schedule(id, cron, EXCHANGE_RUN, { insurerCode: code });
      scheduled.push({ id, cron });
    }
  }
  return scheduled;
}

/** Enqueues a run now; runs already waiting for the same insurer are not doubled. */
export function enqueueExchangeRun(queue: JobQueue, insurerCode: string) {
  return queue.enqueue(EXCHANGE_RUN, { insurerCode }, { key: `exchange-run:${insurerCode}` });
}

/** Enqueues processing of an insurer's received messages; not doubled while one waits or runs. */
export function enqueueProcessPending(queue: JobQueue, insurerCode: string) {
  return queue.enqueue(MESSAGES_PROCESS_PENDING, { insurerCode }, { key: `process-pending:${insurerCode}` });
}

/**
 * Inbound messages stored but not processed yet (failed ones with attempts left included), received
 * before `receivedBefore`, that belong to an insurer: the message store's own list, the database
 * being the source of truth after the queue is lost.
 */
export async function findUnprocessedMessages(
  database: Database,
  options: { receivedBefore?: Date } = {},
): Promise<(UnprocessedMessage & { insurerCode: string })[]> {
  const rows = await listUnprocessedMessages(database, { receivedBefore: options.receivedBefore });
  return rows.filter((r): r is UnprocessedMessage & { insurerCode: string } => r.insurerCode !== null);
}

/**
 * Enqueues processing for every insurer with messages received more than `graceMs` ago and not
 * processed yet (the run that received them processes them itself; the grace leaves it the time).
 */
export async function sweepUnprocessedMessages(
  queue: JobQueue,
  database: Database,
  options: { graceMs?: number; now?: Date } = {},
): Promise<{ messages: number; insurers: string[] }> {
  const now = options.now ?? new Date();
  const pending = await findUnprocessedMessages(database, {
    receivedBefore: new Date(now.getTime() - (options.graceMs ?? 5 * 60_000)),
  });
  const insurers = [...new Set(pending.map((m) => m.insurerCode))].sort();
  for (const code of insurers) await enqueueProcessPending(queue, code);
  return { messages: pending.length, insurers };
}

async function insurerId(database: Database, code: string): Promise<number | null> {
  const row = await database.db
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', code)
    .executeTakeFirst();
  return row ? Number(row.id) : null;
}

async function setCursor(cursors: ExchangeCursors, at: Date) {
  try {
    await cursors.set(LAST_RUN_CURSOR, at.toISOString());
  } catch {
    // Another process inserted the cursor at the same moment: set it again, now as an update.
    await cursors.set(LAST_RUN_CURSOR, at.toISOString());
  }
}

/** Remembers that an exchange run job of the insurer began at `at`: its schedules are not due before. */
export async function recordRunStarted(database: Database, insurerCode: string, at: Date): Promise<void> {
  const id = await insurerId(database, insurerCode);
  if (id !== null) await setCursor(new ExchangeCursors(database, id), at);
}

export interface DueSchedule {
  insurerCode: string;
  /** The schedule's name in adapter.yaml, e.g. `fetch-out`. */
  schedule: string;
  /** When it should have run. */
  dueAt: Date;
}

/**
 * Schedules that should have run more than `graceMs` ago and did not: no exchange run job of the
 * insurer began since. An insurer never run by a job before starts counting from now.
 */
export async function findDueSchedules(
  deps: ExchangeDeps,
  options: { graceMs?: number; now?: Date; paused?: ReadonlyMap<string, string> } = {},
): Promise<DueSchedule[]> {
  const now = options.now ?? new Date();
  const latest = now.getTime() - (options.graceMs ?? 5 * 60_000);
  const due: DueSchedule[] = [];
  for (const code of listAdapters(deps.adaptersDir)) {
    if (options.paused?.has(code)) continue;
    const schedules = Object.entries(loadAdapter(code, { adaptersDir: deps.adaptersDir }).schedules ?? {});
    if (!schedules.length) continue;
    const id = await insurerId(deps.database, code);
    if (id === null) continue;
    const cursors = new ExchangeCursors(deps.database, id);
    const lastRun = await cursors.get(LAST_RUN_CURSOR);
    if (!lastRun) {
      await setCursor(cursors, now);
      continue;
    }
    for (const [name, pattern] of schedules) {
      const next = new Cron(pattern, { timezone: SCHEDULE_TIMEZONE }).nextRun(new Date(lastRun));
      if (next && next.getTime() <= latest) due.push({ insurerCode: code, schedule: name, dueAt: next });
    }
  }
  return due;
}

/** Enqueues one exchange run per insurer with a schedule missed (see findDueSchedules). */
export async function sweepDueSchedules(
  queue: JobQueue,
  deps: ExchangeDeps,
  options: { graceMs?: number; now?: Date; paused?: ReadonlyMap<string, string> } = {},
): Promise<{ due: DueSchedule[]; insurers: string[] }> {
  const due = await findDueSchedules(deps, options);
  const insurers = [...new Set(due.map((d) => d.insurerCode))].sort();
  for (const code of insurers) await enqueueExchangeRun(queue, code);
  return { due, insurers };
}

export interface ExchangeRecoveryOptions {
  /** Whether this process runs the adapters' schedules (serve without --no-schedules). */
  schedules: boolean;
  /** How often to sweep; default 60 s. */
  intervalMs?: number;
  /** How long work may wait for its own job before the sweep takes it; default 5 minutes. */
  graceMs?: number;
  /** Insurers whose schedules are paused in this process, with why. */
  paused?: ReadonlyMap<string, string>;
}

/**
 * Finds the exchange's work again from the database: at once, every `intervalMs`, and when the
 * queue's connection is back. Schedules are registered again and missed ones run only where this
 * process runs the schedules; received messages are swept in every process.
 */
export function startExchangeRecovery(
  queue: JobQueue,
  deps: ExchangeDeps,
  options: ExchangeRecoveryOptions,
): Recovery {
  const graceMs = options.graceMs ?? 5 * 60_000;
  return startRecovery(
    queue,
    [
      {
        name: 'unprocessed messages',
        run: async () => {
          const { messages, insurers } = await sweepUnprocessedMessages(queue, deps.database, { graceMs });
          return { enqueued: insurers.length, detail: { messages, insurers } };
        },
      },
      {
        // A run's record left running by a process that died: failed, with why (the queue retries the run).
        name: 'abandoned run records',
        run: async () => {
          const { failed } = await recoverJobRecords(deps.database, [EXCHANGE_RUN]);
          return { enqueued: 0, detail: failed.map((j) => j.id) };
        },
      },
      ...(options.schedules
        ? [
            {
              name: 'missed schedules',
              run: async () => {
                const { due, insurers } = await sweepDueSchedules(queue, deps, {
                  graceMs,
                  paused: options.paused,
                });
                return {
                  enqueued: insurers.length,
                  detail: due.map((d) => `${d.insurerCode}:${d.schedule}`),
                };
              },
            },
          ]
        : []),
    ],
    { intervalMs: options.intervalMs, logger: deps.logger },
  );
}

export interface ExchangeBackground {
  /** The adapters' schedules put on the queue (none with `schedules: false`). */
  scheduled: { id: string; cron: string }[];
  /** Stops what this started on the queue (the queue itself is closed by its owner). */
  stop(): Promise<void>;
}

/**
 * What `serve` and `worker` run in the background: the exchange's jobs registered, the adapters'
 * schedules put on the queue (where this process runs them), the queue taking jobs, and the
 * recovery sweep that finds lost work again from the database (see startExchangeRecovery).
 */
export async function startExchangeBackground(
  queue: JobQueue,
  deps: ExchangeDeps,
  options: {
    schedules: boolean;
    overridesFor?: (insurerCode: string) => ChannelOverrides | undefined;
    afterMailPull?: () => Promise<void>;
    /**
     * Insurers whose exchange is paused in this process, with why: `npm start` pauses an insurer
     * whose sandbox could not start, so its schedules never reach the adapter's real servers.
     */
    paused?: ReadonlyMap<string, string>;
    /** Recovery sweep settings (tests use short ones). */
    recovery?: Omit<ExchangeRecoveryOptions, 'schedules' | 'paused'>;
  },
): Promise<ExchangeBackground> {
  const paused = options.paused ?? new Map<string, string>();
  registerExchangeJobs(queue, deps, {
    overridesFor: options.overridesFor,
    afterMailPull: options.afterMailPull,
    paused,
  });
  const scheduled = options.schedules ? await scheduleAdapters(queue, deps.adaptersDir, paused) : [];
  await queue.start();
  const recovery = startExchangeRecovery(queue, deps, {
    ...options.recovery,
    schedules: options.schedules,
    paused,
  });
  return {
    scheduled,
    stop: () => recovery.stop(),
  };
}
