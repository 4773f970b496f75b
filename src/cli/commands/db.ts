/** `ecspert db …`: the database schema. */
import type { Command } from 'commander';
import { appliedMigrations, loadMigrations, migrate } from '../../db';
import { action, createContext, withDatabase } from '../context';
import { printJson, withJson } from '../list';

/** These commands are what migrates: they take the database as it is. */
const AS_IS = { schema: 'as-is' } as const;

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the database: schema migrations');

  db.command('migrate')
    .description('apply the migrations not yet applied (running it again changes nothing)')
    .action(
      action(async () => {
        const context = createContext();
        await withDatabase(
          context,
          async (database) => {
            const report = await migrate(database.db, database.dialect, undefined, (id) =>
              console.log(`applied ${id}`),
            );
            console.log(
              `${database.describe}: ${report.applied.length} migration(s) applied, ${report.alreadyApplied.length} already in place`,
            );
          },
          AS_IS,
        );
      }),
    );

  withJson(
    db.command('status').description('list the migrations applied to the database, and those not yet'),
  ).action(
    action(async (o: { json?: boolean }) => {
      const context = createContext();
      await withDatabase(
        context,
        async (database) => {
          const applied = await appliedMigrations(database.db, database.dialect);
          const pending = loadMigrations()
            .map((m) => m.id)
            .filter((id) => !applied.includes(id));
          if (o.json) return printJson({ database: database.describe, applied, pending });
          console.log(
            `${database.describe}: ${applied.length} migration(s) applied, ${pending.length} not yet`,
          );
          for (const id of applied) console.log(`  ${id}`);
          for (const id of pending) console.log(`  ${id} (not applied: ecspert db migrate)`);
        },
        AS_IS,
      );
    }),
  );
}
