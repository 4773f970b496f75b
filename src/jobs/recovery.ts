/**
 * The queue is not the source of truth, the database is: a Redis restarted without persistence
 * loses every waiting job and schedule. Recovery finds the work again, on a timer of this process
 * (never a queue schedule, which would vanish with the rest) and at once when the queue's
 * connection comes back: it registers the schedules again, then runs each task, which looks in the
 * database for work the queue should hold and enqueues it, de-duplicated by job key.
 */
import type { Logger } from 'pino';
import type { JobQueue } from './job-queue';

export interface RecoveryTask {
  /** For the log, e.g. `unprocessed messages`. */
  name: string;
  /** Looks for lost work and enqueues it; answers what it enqueued, for the log. */
  run(): Promise<{ enqueued: number; detail?: unknown }>;
}

export interface RecoveryOptions {
  /** How often the sweep runs; default 60 s. Each run is a few indexed queries. */
  intervalMs?: number;
  logger?: Logger;
}

export interface Recovery {
  /** Runs every task now (a run already going is followed by one more); resolves when done. */
  runNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startRecovery(
  queue: JobQueue,
  tasks: RecoveryTask[],
  options: RecoveryOptions = {},
): Recovery {
  const logger = options.logger;
  const all: RecoveryTask[] = [
    {
      name: 'schedules',
      run: async () => {
        const restored = await queue.ensureSchedules();
        return { enqueued: restored.length, detail: restored };
      },
    },
    ...tasks,
  ];
  /** Tasks failing now: each failure streak is logged once, and its end once. */
  const failing = new Set<string>();
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  const sweep = async () => {
    for (const task of all) {
      if (stopped) return;
      try {
        const { enqueued, detail } = await task.run();
        if (failing.delete(task.name)) logger?.info({ task: task.name }, 'recovery works again');
        if (enqueued)
          logger?.info({ task: task.name, enqueued, detail }, `recovery: ${task.name} found again`);
      } catch (error) {
        if (!failing.has(task.name)) logger?.warn({ task: task.name, err: error }, 'recovery sweep failed');
        failing.add(task.name);
      }
    }
  };

  const runNow = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await sweep();
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const timer = setInterval(() => void runNow(), options.intervalMs ?? 60_000);
  timer.unref();
  queue.onReconnect(() => void runNow());
  void runNow();

  return {
    runNow,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      // A sweep waiting on a Redis that is down would wait for ever: shutting down does not.
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([
        running?.catch(() => undefined),
        new Promise((resolve) => (timeout = setTimeout(resolve, 2000))),
      ]);
      clearTimeout(timeout);
    },
  };
}
