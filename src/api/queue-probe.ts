/**
 * Tells /health whether the job queue can be reached. In embedded mode jobs run in-process, so there
 * is nothing to reach; in queue mode the probe pings Redis over its own small connection, separate
 * from BullMQ's, so a health check never competes with workers for a connection.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { redactUrl } from '../config';
import { describeProblem, withTimeout } from './timeout';

export type QueueMode = 'embedded' | 'redis';

export interface QueueProbe {
  /** `embedded` when jobs run in-process (no REDIS_URL), `redis` when they run on BullMQ. */
  readonly mode: QueueMode;
  /** True when the queue answers; never throws, never waits longer than the probe's timeout. */
  ping(): Promise<boolean>;
  /** Why the last ping failed, e.g. `ECONNREFUSED`; null after a good ping. */
  readonly problem: string | null;
  close(): Promise<void>;
}

export interface QueueProbeOptions {
  /** Logs one line when the queue becomes unreachable and one when it is back, never one per ping. */
  logger?: Logger;
  /** The longest a ping may take, connecting included; default 1500 ms. */
  timeoutMs?: number;
}

class EmbeddedQueueProbe implements QueueProbe {
  readonly mode = 'embedded';
  readonly problem = null;
  async ping(): Promise<boolean> {
    return true;
  }
  async close(): Promise<void> {}
}

class RedisQueueProbe implements QueueProbe {
  readonly mode = 'redis';
  problem: string | null = null;
  private readonly client: Redis;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private connectionError: string | null = null;
  /** null until the first ping, so the first failure is logged too. */
  private reachable: boolean | null = null;

  constructor(
    private readonly url: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger | undefined,
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: Math.max(200, timeoutMs - 200),
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 1,
      // Commands fail at once while disconnected instead of queueing behind a reconnect.
      enableOfflineQueue: false,
      // No background reconnect loop: each ping connects again when needed, so a Redis that is down
      // costs one refused connection per health check instead of a stream of retries and log lines.
      retryStrategy: () => null,
    });
    // ioredis prints unhandled 'error' events to stderr; ping() reports them instead. The event carries
    // the cause (ECONNREFUSED) where the rejected connect() only says "Connection is closed".
    this.client.on('error', (error) => {
      this.connectionError = describeProblem(error);
    });
  }

  async ping(): Promise<boolean> {
    if (this.closed) {
      this.problem = 'the probe is closed';
      return false;
    }
    this.connectionError = null;
    try {
      await withTimeout(
        this.ensureConnected().then(() => this.client.ping()),
        this.timeoutMs,
      );
      return this.note(true, null);
    } catch (error) {
      // Start the next ping from a clean connection rather than one stuck half-open.
      if (this.client.status !== 'end' && this.client.status !== 'wait') this.client.disconnect();
      return this.note(false, this.connectionError ?? describeProblem(error));
    }
  }

  private ensureConnected(): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return Promise.resolve();
    if (!this.connecting) {
      this.connecting = this.client.connect().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private note(ok: boolean, problem: string | null): boolean {
    this.problem = problem;
    if (ok !== this.reachable) {
      if (!ok) this.logger?.warn({ redis: redactUrl(this.url), problem }, 'queue (Redis) unreachable');
      else if (this.reachable === false)
        this.logger?.info({ redis: redactUrl(this.url) }, 'queue (Redis) reachable again');
      this.reachable = ok;
    }
    return ok;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // disconnect, not quit: a probe has no replies worth waiting for, and quit hangs on a dead server.
    this.client.disconnect();
    await this.connecting?.catch(() => undefined);
  }
}

/** A probe for `REDIS_URL`: embedded mode when it is null. The Redis connection opens on the first ping. */
export function createQueueProbe(redisUrl: string | null, options: QueueProbeOptions = {}): QueueProbe {
  if (!redisUrl) return new EmbeddedQueueProbe();
  return new RedisQueueProbe(redisUrl, options.timeoutMs ?? 1500, options.logger);
}
