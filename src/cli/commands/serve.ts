/** `ecspert serve` and `ecspert start`: the web application and API. */
import type { Command } from 'commander';
import { createQueueProbe, installShutdownHandlers, startServer } from '../../api';
import { migrate } from '../../db';
import { isDemoSeeded, seedDemo } from '../../demo';
import { action, type CommandContext, createContext } from '../context';

async function serve(context: CommandContext, options: { prepare: boolean }): Promise<void> {
  const started = Date.now();
  const database = await context.openDatabase();
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
  } catch (error) {
    await database.close();
    throw error;
  }
  const queue = createQueueProbe(context.config.redisUrl, { logger: context.logger });
  const server = await startServer({ config: context.config, logger: context.logger, database, queue });
  installShutdownHandlers(server.close, context.logger);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    [
      `eCSpert hub is ready in ${seconds} s on ${database.describe}`,
      `  API reference ${server.url}/docs`,
      `  health        ${server.url}/health`,
      'Stop with Ctrl+C.',
    ].join('\n'),
  );
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('serve the web application and API on HOST:PORT (default 127.0.0.1:3000)')
    .action(action(async () => serve(createContext(), { prepare: false })));

  program
    .command('start')
    .description('migrate the database, seed the demo when it is empty, and serve (what `npm start` runs)')
    .action(action(async () => serve(createContext(), { prepare: true })));
}
