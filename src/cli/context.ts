/**
 * What every command needs: configuration, a logger and the database, opened once and closed at
 * the end. Errors a user can fix (configuration, bad input) print one line and exit non-zero.
 */
import { ConfigError, loadConfig, type AppConfig } from '../config';
import { type Database, openDatabase } from '../db';
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

/** Opens the database, runs the work, and closes it whatever happens. */
export async function withDatabase<T>(
  context: CommandContext,
  work: (database: Database) => Promise<T>,
): Promise<T> {
  const database = await context.openDatabase();
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}
