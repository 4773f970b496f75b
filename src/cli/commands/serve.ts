/** `ecspert serve`, `ecspert start` and `ecspert worker`: the API, and the background jobs. */
import net from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { createQueueProbe, installShutdownHandlers, startServer } from '../../api';
import { webAppBuilt } from '../../api/web-app';
import { productRoutes } from '../../api/routes';
import { type Database, migrate } from '../../db';
import { countUsers } from '../../auth';
import { isDemoSeeded, seedDemo } from '../../demo';
import { fileNewMail } from '../../../back-office/correspondence';
import { enqueueExchangeRun, startExchangeBackground } from '../../exchange/exchange-jobs';
import { projectRoot } from '../../exchange/mapping';
import type { ChannelOverrides } from '../../exchange/runs';
import { type LinkedSandbox, SANDBOXED_INSURERS, startLinkedSandbox } from '../../exchange/sandbox-link';
import { createJobQueue, type JobQueue } from '../../jobs';
import { startPeriodJobs } from '../../../back-office/period-jobs';
import { reportMailFromEnv, startReportScheduler } from '../../../back-office/reports';
import { type AppConfig, ConfigError } from '../../config';
import { action, type CommandContext, createContext, ensureMigrated } from '../context';
import { printDemoLogins } from './demo';

/** How often an idle worker looks at its database. */
const WORKER_HEARTBEAT_MS = 2000;

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
  // An insurer whose sandbox could not start: its exchange pauses here rather than reach its real servers.
  const paused = new Map<string, string>();
  if (options.sandbox) {
    for (const code of SANDBOXED_INSURERS) {
      try {
        sandboxes.push(await startLinkedSandbox(code, context.config.dataDir, context.config.secretsDir));
      } catch (error) {
        // One sandbox that cannot start (Polissia's without Dovecot) says why in one line; the others go on.
        const message = ((error as Error).message ?? String(error)).split('\n')[0];
        console.log(`sandbox ${code} not started: ${message}`);
        console.log(`  ${code}: its schedules are paused in this process (no run reaches its real servers)`);
        paused.set(code, `its sandbox did not start (${message})`);
        context.logger.debug({ err: error, insurer: code }, 'sandbox not started');
      }
    }
  }
  const overrides = new Map<string, ChannelOverrides>(sandboxes.map((s) => [s.insurerCode, s.overrides]));
  // With sandbox insurers, the exchange trusts their run-time keys (sandbox secrets), never the real ones.
  const secretsDir = sandboxes[0]?.secretsDir ?? context.config.secretsDir;
  const jobs = createJobQueue(context.config.redisUrl, context.logger);
  // Jobs, schedules, and the sweep that finds lost work again from the database (a Redis restart).
  const exchange = await startExchangeBackground(
    jobs,
    { database, secretsDir, logger: context.logger },
    {
      schedules: options.schedules,
      overridesFor: (code) => overrides.get(code),
      // Mail pulled from an insurer's mailbox is filed as correspondence (threads, unknown senders).
      afterMailPull: () => fileNewMail(database).then(() => undefined),
      paused,
      recovery: context.config.recovery,
    },
  );
  // Period calculations asked for by the API or the CLI (`--queue`), and the sweep that finds them again.
  const periodJobs = startPeriodJobs(jobs, { database, logger: context.logger });
  // Reports sent by e-mail on a schedule: every process looks; the database gives each run to one.
  const reportMail = reportMailFromEnv();
  const reportSchedules = startReportScheduler(database, {
    settings: () => reportMail,
    logger: context.logger,
  });
  return {
    jobs,
    sandboxes,
    scheduled: exchange.scheduled.length,
    close: async () => {
      await reportSchedules.stop();
      await periodJobs.stop();
      await exchange.stop();
      await jobs.close();
      for (const s of sandboxes) await s.close().catch(() => undefined);
    },
  };
}

/**
 * Binds HOST:PORT for a moment and lets go: a port in use or a HOST that is not this machine's is
 * told at once, naming the setting, not after the migrations and the demo seed.
 */
export async function checkListenAddress(config: Pick<AppConfig, 'host' | 'port'>): Promise<void> {
  const { host, port } = config;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new ConfigError(
            'PORT',
            `${where} is in use by another program (another ecspert?): stop it or set PORT to a free port`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(new ConfigError('PORT', `${port} needs privileges to listen on: set PORT to 1024 or above`));
      else
        reject(
          new ConfigError(
            'HOST',
            `'${host}' is not an address of this machine to listen on (${error.code ?? error.message}): set HOST to one, e.g. 127.0.0.1 or 0.0.0.0`,
          ),
        );
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

async function serve(
  context: CommandContext,
  options: { prepare: boolean; schedules: boolean },
): Promise<void> {
  const started = Date.now();
  await checkListenAddress(context.config);
  const database = await context.openDatabase();
  let background: Background | null = null;
  try {
    if (!options.prepare) await ensureMigrated(context, database);
    if (options.prepare) {
      const report = await migrate(database.db, database.dialect);
      if (report.applied.length) console.log(`database ready: ${report.applied.length} migration(s) applied`);
      if (!(await isDemoSeeded(database))) {
        console.log('empty database: seeding the demo intermediary (about 20 s, once)…');
        const summary = await seedDemo(database);
        console.log(
          `demo: ${summary.consultants} consultants, ${summary.policies} policies, ${summary.premiumPayments} premium payments`,
        );
        printDemoLogins(summary.logins);
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
  const users = await countUsers(database).catch(() => null);
  const queue = createQueueProbe(context.config.redisUrl, { logger: context.logger });
  const routes = productRoutes({ secretsDir: context.config.secretsDir, jobs: background.jobs });
  // The web application, built at install (`npm run build:web`).
  const webRoot = path.join(projectRoot(), 'web', 'dist');
  const server = await startServer({
    config: context.config,
    logger: context.logger,
    database,
    queue,
    routes,
    webRoot,
  });
  // A second process opening the same embedded database is told to use this API instead.
  database.announce?.({ api: server.url });
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
      webAppBuilt(webRoot)
        ? `  web app       ${server.url}/`
        : `  web app       not built: run \`npm run build:web\``,
      `  API reference ${server.url}/docs`,
      `  health        ${server.url}/health`,
      `  exchange      ${server.url}/api/exchange/messages`,
      ...jobsAndSandboxes.sandboxes.map((s) => `  sandbox ${s.insurerCode.padEnd(11)} ${s.url}`),
      `jobs: ${jobsAndSandboxes.jobs.mode === 'redis' ? 'BullMQ' : 'in-process'}, ${jobsAndSandboxes.scheduled} exchange schedule(s)`,
      ...loginHelp(server.url, users),
      'Stop with Ctrl+C.',
    ].join('\n'),
  );
}

/** How to sign in, and on a database without users how to add the first administrator. */
function loginHelp(url: string, users: number | null): string[] {
  const signIn = [
    `sign in   POST ${url}/api/auth/login {"login","password"} (a session cookie), or send a program's`,
    '          API token as `Authorization: Bearer <token>` (ecspert user token <login> --name <what for>)',
  ];
  if (users === 0)
    return [
      'no users yet: every API route but /health, /docs and the login answers 401 until you add one:',
      '  ecspert user add admin --role administrator   (with this server stopped on the embedded database)',
      ...signIn,
    ];
  return signIn;
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
        // Jobs that meet a lost database fail and are retried; the worker itself keeps running. It
        // looks at the database every few seconds, so its log says when the database went away and
        // came back, and so it stays up until Ctrl+C even when no job or connection is pending.
        database.availability?.onChange((change) =>
          change.up
            ? context.logger.warn(
                { downForMs: change.downForMs },
                `database answers again after ${(change.downForMs / 1000).toFixed(1)} s: taking jobs`,
              )
            : context.logger.error(
                { problem: change.problem },
                `database stopped answering (${change.problem}): jobs wait until it is back`,
              ),
        );
        const heartbeat = setInterval(() => void database.ping().catch(() => undefined), WORKER_HEARTBEAT_MS);
        console.log(
          `worker taking ${background.jobs.mode === 'redis' ? 'BullMQ' : 'in-process'} jobs; stop with Ctrl+C`,
        );
        installShutdownHandlers(async () => {
          clearInterval(heartbeat);
          await background.close();
          await database.close();
        }, context.logger);
      }),
    );
}
