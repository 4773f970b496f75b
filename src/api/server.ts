/**
 * Runs the API on HOST:PORT and stops it cleanly: close() lets in-flight requests finish, then closes
 * the queue probe and the database, in that order, because requests still use both until they end.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../config';
import type { Database } from '../db';
import { buildApi } from './app';
import type { QueueProbe } from './queue-probe';

export interface StartServerOptions {
  /** host and port are read from here; port 0 picks a free port (tests). */
  config: AppConfig;
  logger: Logger;
  /** Owned by the server from now on: close() closes it. */
  database: Database;
  /** Owned by the server from now on: close() closes it. */
  queue: QueueProbe;
  routes?: FastifyPluginAsync[];
  /** The built web application to serve at `/` (see ApiOptions.webRoot). */
  webRoot?: string;
}

export interface RunningServer {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  /** Stops accepting, waits for in-flight requests, closes the queue probe and the database. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { config, logger, database, queue } = options;
  const app = await buildApi(
    { config, logger, database, queue },
    { routes: options.routes, ownsDatabase: true, ownsQueue: true, webRoot: options.webRoot },
  );
  try {
    await app.listen({
      host: config.host,
      port: config.port,
      listenTextResolver: (address) => `API listening at ${address}`,
    });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | null = null;
  return {
    app,
    url: `http://${host}:${port}`,
    // The plugins' onClose hooks close the queue probe and the database after the server stops.
    close: () => (closing ??= app.close()),
  };
}

export interface ShutdownOptions {
  /** How the process ends; process.exit unless a test says otherwise. */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
}

/**
 * On the first SIGINT/SIGTERM: close, log one line, exit 0 (1 when closing failed). A second signal
 * while closing exits at once with 130, for when an in-flight request will not end.
 * Returns a function that removes the handlers.
 */
export function installShutdownHandlers(
  close: () => Promise<void>,
  logger: Logger,
  options: ShutdownOptions = {},
): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, `second ${signal} while shutting down: exiting without waiting`);
      exit(130);
      return;
    }
    shuttingDown = true;
    const started = Date.now();
    close().then(
      () => {
        logger.info({ signal, ms: Date.now() - started }, `stopped on ${signal}`);
        exit(0);
      },
      (error: unknown) => {
        logger.error({ signal, err: error }, `stopping on ${signal} failed`);
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
