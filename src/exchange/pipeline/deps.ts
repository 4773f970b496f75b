/** What the exchange pipeline needs from its surroundings. */
import type { Logger } from 'pino';
import type { Database } from '../../db';

export interface ExchangeDeps {
  database: Database;
  /** `config.secretsDir`: keys and credentials adapters refer to. */
  secretsDir: string;
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** The adapters folder; the project's own by default (tests point elsewhere). */
  adaptersDir?: string;
}
