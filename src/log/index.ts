/** Structured logging (pino). One root logger; modules take a child with their own name. */
import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.LOG_LEVEL || 'info'): Logger {
  return pino({ level, base: { app: 'ecspert' } });
}
