/** `ecspert db …`: the database schema. */
import type { Command } from 'commander';
import { appliedMigrations, migrate } from '../../db';
import { action, createContext, withDatabase } from '../context';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the database: schema migrations');

  db.command('migrate')
    .description('apply the migrations not yet applied (running it again changes nothing)')
    .action(
      action(async () => {
        const context = createContext();
        await withDatabase(context, async (database) => {
          const report = await migrate(database.db, database.dialect, undefined, (id) =>
            console.log(`applied ${id}`),
          );
          console.log(
            `${database.describe}: ${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already in place`,
          );
        });
      }),
    );

  db.command('status')
    .description('list the migrations applied to the database')
    .action(
      action(async () => {
        const context = createContext();
        await withDatabase(context, async (database) => {
          const applied = await appliedMigrations(database.db, database.dialect);
          console.log(`${database.describe}: ${applied.length} migration(s) applied`);
          for (const id of applied) console.log(`  ${id}`);
        });
      }),
    );
}
