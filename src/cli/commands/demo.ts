/** `ecspert demo …`: a believable intermediary to try the product on. */
import type { Command } from 'commander';
import { migrate } from '../../db';
import { DEFAULT_SEED, type DemoLogin, isDemoSeeded, seedDemo } from '../../demo';
import { action, createContext, UserError, withDatabase } from '../context';
import { createProgress } from '../progress';

/** The demo's logins and their generated passwords, printed this once. */
export function printDemoLogins(logins: DemoLogin[]): void {
  if (!logins.length) return;
  console.log('demo logins (passwords shown this once; sign in with POST /api/auth/login):');
  for (const l of logins) console.log(`  ${l.login.padEnd(12)} ${l.role.padEnd(14)} ${l.password}`);
}

export function registerDemoCommands(program: Command): void {
  const demo = program
    .command('demo')
    .description('demo data: an intermediary with a network, policies and payments');

  demo
    .command('seed')
    .description(
      'fill an empty database with the demo intermediary (3 insurers, ~200 consultants, ~2,000 policies, 6 months of payments)',
    )
    .option(
      '--seed <number>',
      'random seed; the same seed gives the same data (the default is the demo `ecspert start` seeds)',
      String(DEFAULT_SEED),
    )
    .action(
      action(async (options: { seed: string }) => {
        const seed = Number(options.seed);
        if (!Number.isInteger(seed)) throw new UserError(`--seed: '${options.seed}' is not a whole number`);
        const context = createContext();
        await withDatabase(
          context,
          async (database) => {
            await migrate(database.db, database.dialect);
            if (await isDemoSeeded(database)) {
              throw new UserError(
                `${database.describe} already holds consultants: the demo is only seeded into an empty database`,
              );
            }
            const progress = createProgress();
            const started = Date.now();
            const summary = await seedDemo(database, {
              seed,
              onProgress: (step, done, total) => progress.update(step, done, total),
            });
            progress.stop();
            const { logins, ...counts } = summary;
            console.log(
              `demo seeded in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(counts)}`,
            );
            printDemoLogins(logins);
          },
          { schema: 'as-is' },
        );
      }),
    );
}
