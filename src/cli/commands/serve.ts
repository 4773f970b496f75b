/** `ecspert serve`, `ecspert start` and `ecspert worker`: the API, and the background jobs. */
import type { Command } from 'commander';
import { createQueueProbe, installShutdownHandlers, startServer } from '../../api';
import { backOfficeRoutes } from '../../api/routes/back-office';
import { exchangeRoutes } from '../../api/routes/exchange';
import { type Database, migrate } from '../../db';
import { isDemoSeeded, seedDemo } from '../../demo';
import { enqueueExchangeRun, registerExchangeJobs, scheduleAdapters } from '../../exchange/exchange-jobs';
import type { ChannelOverrides } from '../../exchange/runs';
import { type LinkedSandbox, SANDBOXED_INSURERS, startLinkedSandbox } from '../../exchange/sandbox-link';
import { createJobQueue, type JobQueue } from '../../jobs';
import { action, type CommandContext, createContext } from '../context';

interface Background {
  jobs: JobQueue;
  sandboxes: LinkedSandbox[];
  scheduled: number;
  close(): Promise<void>;
}

/** The job queue with the exchange's jobs and schedules; in sandbox mode the insurers are local stand-ins. */
async function startBackground(
  context: CommandContext,
  database: Database,
  options: { sandbox: boolean; schedules: boolean },
): Promise<Background> {
  const sandboxes: LinkedSandbox[] = [];
  if (options.sandbox) {
    for (const code of SANDBOXED_INSURERS)
      sandboxes.push(await startLinkedSandbox(code, context.config.dataDir, context.config.secretsDir));
  }
  const overrides = new Map<string, ChannelOverrides>(sandboxes.map((s) => [s.insurerCode, s.overrides]));
  // With sandbox insurers, the exchange trusts their run-time keys (sandbox secrets), never the real ones.
  const secretsDir = sandboxes[0]?.secretsDir ?? context.config.secretsDir;
  const jobs = createJobQueue(context.config.redisUrl, context.logger);
  registerExchangeJobs(
    jobs,
    { database, secretsDir, logger: context.logger },
    { overridesFor: (code) => overrides.get(code) },
  );
  const scheduled = options.schedules ? (await scheduleAdapters(jobs)).length : 0;
  await jobs.start();
  return {
    jobs,
    sandboxes,
    scheduled,
    close: async () => {
      await jobs.close();
      for (const s of sandboxes) await s.close().catch(() => undefined);
    },
  };
}

async function serve(
  context: CommandContext,
  options: { prepare: boolean; schedules: boolean },
): Promise<void> {
  const started = Date.now();
  const database = await context.openDatabase();
  let background: Background | null = null;
  try {
    if (options.prepare) {
      const report = await migrate(database.db, database.dialect);
      if (report.applied.length) console.log(`database ready: ${report.applied.length} migration(s) applied`);
      if (!(await isDemoSeeded(database))) {
        console.log('empty database: seeding the demo intermediary (about 20 s, once)…');
        const summary = await seedDemo(database);
        console.log(
          `demo: ${summary.consultants} consultants, ${summary.policies} policies, ${summary.premiumPayments} premium payments`,
        );
      }
    }
    // The demo exchanges for real, with sandbox insurers on this machine.
    background = await startBackground(context, database, {
      sandbox: options.prepare,
      schedules: options.schedules,
    });
  } catch (error) {
    await background?.close();
    await database.close();
    throw error;
  }
  const queue = createQueueProbe(context.config.redisUrl, { logger: context.logger });
  const routes = [
    exchangeRoutes({ secretsDir: context.config.secretsDir, jobs: background.jobs }),
    backOfficeRoutes(),
  ];
  const server = await startServer({
    config: context.config,
    logger: context.logger,
    database,
    queue,
    routes,
  });
  const jobsAndSandboxes = background;
  installShutdownHandlers(async () => {
    await jobsAndSandboxes.close();
    await server.close();
  }, context.logger);
  if (options.prepare)
    for (const s of jobsAndSandboxes.sandboxes)
      await enqueueExchangeRun(jobsAndSandboxes.jobs, s.insurerCode);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    [
      `eCSpert hub is ready in ${seconds} s on ${database.describe}`,
      `  API reference ${server.url}/docs`,
      `  health        ${server.url}/health`,
      `  exchange      ${server.url}/api/exchange/messages`,
      ...jobsAndSandboxes.sandboxes.map((s) => `  sandbox ${s.insurerCode.padEnd(11)} ${s.url}`),
      `jobs: ${jobsAndSandboxes.jobs.mode === 'redis' ? 'BullMQ' : 'in-process'}, ${jobsAndSandboxes.scheduled} exchange schedule(s)`,
      'Stop with Ctrl+C.',
    ].join('\n'),
  );
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the API on HOST:PORT (default 127.0.0.1:3000) and run the exchange schedules')
    .option('--no-schedules', 'do not run the adapters’ exchange schedules in this process')
    .action(
      action(async (options: { schedules: boolean }) =>
        serve(createContext(), { prepare: false, schedules: options.schedules }),
      ),
    );

  program
    .command('start')
    .description(
      'migrate the database, seed the demo when it is empty, start the sandbox insurers, and serve (what `npm start` runs)',
    )
    .option('--no-schedules', 'do not run the adapters’ exchange schedules')
    .action(
      action(async (options: { schedules: boolean }) =>
        serve(createContext(), { prepare: true, schedules: options.schedules }),
      ),
    );

  program
    .command('worker')
    .description(
      'take background jobs (exchange runs, message processing) from the queue; run several with REDIS_URL set',
    )
    .action(
      action(async () => {
        const context = createContext();
        const database = await context.openDatabase();
        const background = await startBackground(context, database, { sandbox: false, schedules: false });
        console.log(
          `worker taking ${background.jobs.mode === 'redis' ? 'BullMQ' : 'in-process'} jobs; stop with Ctrl+C`,
        );
        installShutdownHandlers(async () => {
          await background.close();
          await database.close();
        }, context.logger);
      }),
    );
}
