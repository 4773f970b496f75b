/**
 * `ecspert period calculate <yyyy-mm> --queue [--no-wait]`: the period's calculation as a queued job
 * (back-office/period-jobs), the same one the API's POST /api/periods/:code/calculations asks for.
 * One per period at a time: asked while one is queued or running, the command follows that one.
 *
 * Who runs it: with REDIS_URL, a worker on BullMQ (`ecspert worker`, or `ecspert serve`); without,
 * this command itself while it waits (an in-process worker). `--no-wait` prints the job and returns:
 * without REDIS_URL the job then waits in the database for the next `ecspert serve` or `worker` on it.
 * While waiting it draws the job's progress per stage (a bar on a terminal, a line per stage
 * otherwise) and at the end prints the calculation's figures.
 */
import type { Logger } from 'pino';
import {
  enqueuePeriodCalculation,
  PERIOD_CALCULATION,
  registerPeriodJobs,
  sweepPeriodJobs,
  type CalculationJobResult,
} from '../../../back-office/period-jobs';
import { formatHryvnias } from '../../db/money';
import {
  createJobQueue,
  getJobRecord,
  type JobProgressEvent,
  jobProgressEvents,
  type JobRecord,
} from '../../jobs';
import { type CommandContext, UserError, withDatabase } from '../context';
import { createProgress } from '../progress';

const money = (kop: number) => formatHryvnias(kop).replace(/\u00a0/g, ' ');

/** What each stage is called where a person reads it. */
const STAGE_LABELS: Record<string, string> = {
  inputs: 'reading inputs (payments)',
  calculating: 'calculating (consultants)',
  lines: 'writing lines',
  contests: 'metrics, careers, contests',
  done: 'done',
};

const POLL_MS = 250;
/** With Redis, a job still queued this long is told to have no worker yet. */
const NO_WORKER_HINT_MS = 10_000;

export async function calculateQueued(
  context: CommandContext,
  code: string,
  options: { preview?: boolean; plan?: string; lines?: boolean; by?: string; wait: boolean },
): Promise<void> {
  if (options.preview || options.plan)
    throw new UserError('--queue posts with the registered plan: it goes without --preview and --plan');
  const logger = context.logger as unknown as Logger;
  await withDatabase(context, async (database) => {
    const queue = createJobQueue(context.config.redisUrl, logger);
    const inProcess = queue.mode === 'embedded';
    try {
      registerPeriodJobs(queue, { database, logger });
      // A calculation left running by a process that died would hold the period for ever.
      await sweepPeriodJobs(queue, database, { requeue: false });
      // Nobody else takes jobs from an in-process queue: this command is the worker while it waits.
      if (inProcess && options.wait) await queue.start();
      const { job, duplicate } = await enqueuePeriodCalculation(
        database,
        // In-process without waiting: the record alone, for the next server or worker to take.
        inProcess && !options.wait ? null : queue,
        code,
        { requestedBy: options.by ?? null },
      );
      console.log(
        duplicate
          ? `period ${code}: a calculation is already ${job.state}: job ${job.id} (asked by ${job.requestedBy ?? 'someone'} at ${job.requestedAt.toISOString()})`
          : `period ${code}: calculation queued as job ${job.id}`,
      );
      // Queued before with no worker to take it (`--no-wait` without REDIS_URL): this one runs it.
      if (duplicate && inProcess && options.wait && job.state === 'queued')
        await queue.enqueue(
          PERIOD_CALCULATION,
          { jobId: job.id, periodCode: code, requestedBy: job.requestedBy },
          { key: `job-${job.id}` },
        );
      if (!options.wait) {
        console.log(
          inProcess
            ? '  it runs when `ecspert serve` or `ecspert worker` next runs on this database (no REDIS_URL: no worker is waiting now)'
            : '  a worker on the queue takes it (`ecspert worker` or `ecspert serve` with REDIS_URL)',
        );
        console.log(`  follow it: GET /api/jobs/${job.id}, or GET /api/periods/${code}`);
        return;
      }
      const ended = await follow(database, job.id, !inProcess);
      report(ended, options.lines);
    } finally {
      await queue.close();
    }
  });
}

async function follow(
  database: Parameters<typeof getJobRecord>[0],
  id: string,
  remote: boolean,
): Promise<JobRecord> {
  const progress = createProgress();
  const show = (stage: string, done: number | null, total: number | null) => {
    const d = done ?? 0;
    progress.update(STAGE_LABELS[stage] ?? stage, d, Math.max(total ?? d, d));
  };
  // Run by this process: its progress as it happens (a poll would wait for the posting to commit).
  const heard = (event: JobProgressEvent) => {
    if (event.id === id) show(event.stage, event.done, event.total);
  };
  jobProgressEvents.on('progress', heard);
  const asked = Date.now();
  let hinted = false;
  try {
    for (;;) {
      const job = await getJobRecord(database, id);
      if (!job) throw new UserError(`job ${id} is gone from the database`);
      if (job.state === 'running' && job.stage) show(job.stage, job.done, job.total);
      if (job.state !== 'queued' && job.state !== 'running') return job;
      if (remote && !hinted && job.state === 'queued' && Date.now() - asked > NO_WORKER_HINT_MS) {
        hinted = true;
        process.stderr.write(
          `job ${id} is still queued: is a worker running on this queue (\`ecspert worker\` or \`ecspert serve\` with REDIS_URL)? Ctrl+C stops waiting, not the job\n`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    jobProgressEvents.off('progress', heard);
    progress.stop();
  }
}

function report(job: JobRecord, lines?: boolean) {
  if (job.state !== 'succeeded')
    throw new UserError(`calculation job ${job.id} ${job.state}: ${job.error ?? 'no reason recorded'}`);
  const result = job.result as (CalculationJobResult & { stages?: { stage: string; at: string }[] }) | null;
  if (!result) {
    console.log(`job ${job.id} succeeded`);
    return;
  }
  console.log(
    `${result.periodCode} run ${result.runId}: ${result.lineCount} line(s), ${money(result.totalKop)} (plan ${result.planCode} ${result.planVersion}), ${result.missing.length} input problem(s), ${result.careerDecisions.length} career decision(s)`,
  );
  console.log(`  input fingerprint ${result.fingerprint}`);
  for (const [kind, kop] of Object.entries(result.byKind)) console.log(`  ${kind}: ${money(kop)}`);
  for (const m of result.missing.slice(0, 20)) console.log(`  ! ${m.reason}`);
  const started = job.startedAt ?? job.requestedAt;
  const seconds = ((job.finishedAt ?? new Date()).getTime() - started.getTime()) / 1000;
  console.log(
    `  job ${job.id}: ${seconds.toFixed(1)} s, stages ${(result.stages ?? []).map((s) => s.stage).join(' → ')}`,
  );
  if (lines) console.log(`  the lines: ecspert accruals ${result.periodCode}`);
}
