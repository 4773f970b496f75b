/**
 * What every command needs: configuration, a logger and the database, opened once and closed at
 * the end. Errors a user can fix (configuration, bad input) print one line and exit non-zero.
 */
import { InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type AppConfig } from '../config';
import { appliedMigrations, type Database, loadMigrations, migrate, openDatabase } from '../db';
import { DatabaseUnavailableError, isConnectionLoss } from '../db/availability';
import { DatabaseLockedError } from '../db/dialects/pglite-lock';
import { createLogger, type Logger } from '../log';

export interface CommandContext {
  config: AppConfig;
  logger: Logger;
  openDatabase(): Promise<Database>;
}

export function createContext(): CommandContext {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  return {
    config,
    logger,
    openDatabase: () => openDatabase(config.database),
  };
}

/** A problem the user can act on: printed as one line, without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Exit code of a command cut short by a lost database: EX_TEMPFAIL, "try again later". */
export const EXIT_DATABASE_UNAVAILABLE = 75;

function databaseLostLine(error: unknown): string {
  const problem =
    error instanceof DatabaseUnavailableError ? error.problem : String((error as Error)?.message);
  return `the database stopped answering (${problem}); what was not committed was rolled back: run the command again once the database is back`;
}

/**
 * A refusal of the services a person can act on: what the API answers with a 4xx (the error carries
 * that `statusCode`: a change inside a closed period without approval, a period closed, a bad plan).
 */
function isRefusal(error: unknown): boolean {
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Wraps a command action: known errors become one line on stderr and an exit code. */
export function action<A extends unknown[]>(
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`ecspert: configuration error: ${error.message}\n`);
        process.exit(2);
      }
      if (error instanceof UserError) {
        process.stderr.write(`ecspert: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      if (isRefusal(error) || error instanceof InvalidArgumentError) {
        process.stderr.write(`ecspert: ${(error as Error).message}\n`);
        process.exit(1);
      }
      if (error instanceof DatabaseLockedError) {
        process.stderr.write(`ecspert: ${error.message}\n`);
        process.exit(1);
      }
      if (error instanceof DatabaseUnavailableError || isConnectionLoss(error)) {
        process.stderr.write(`ecspert: ${databaseLostLine(error)}\n`);
        process.exit(EXIT_DATABASE_UNAVAILABLE);
      }
      process.stderr.write(`ecspert: ${(error as Error)?.message ?? String(error)}\n`);
      if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') {
        process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
      } else {
        process.stderr.write('ecspert: run with LOG_LEVEL=debug for the details\n');
      }
      process.exit(1);
    }
  };
}

/**
 * A command that reads or writes the hub's tables needs them: on a database not migrated (or
 * migrated by an older hub) the embedded database is migrated first, with one line saying so; a
 * server database is left alone and the command refused in one line naming `ecspert db migrate`.
 */
export async function ensureMigrated(context: CommandContext, database: Database): Promise<void> {
  const applied = new Set(await appliedMigrations(database.db, database.dialect));
  const pending = loadMigrations().filter((m) => !applied.has(m.id));
  if (!pending.length) return;
  if (context.config.database.engine === 'pglite') {
    const report = await migrate(database.db, database.dialect);
    process.stderr.write(
      `ecspert: ${database.describe} was not migrated: ${report.applied.length} migration(s) applied first\n`,
    );
    return;
  }
  throw new UserError(
    `${database.describe} is not migrated (${applied.size} migration(s) applied, ${pending.length} not yet, from ${pending[0].id}): run \`ecspert db migrate\` first`,
    2,
  );
}

/**
 * Opens the database, runs the work, and closes it whatever happens. The work finds the database
 * migrated (see ensureMigrated) unless `schema: 'as-is'` (the `db` commands themselves).
 */
export async function withDatabase<T>(
  context: CommandContext,
  work: (database: Database) => Promise<T>,
  options: { schema?: 'migrated' | 'as-is' } = {},
): Promise<T> {
  const database = await context.openDatabase();
  try {
    if (options.schema !== 'as-is') await ensureMigrated(context, database);
    return await work(database);
  } finally {
    await database.close();
  }
}
