/**
 * The exchange's background jobs and their schedules: each adapter's cron patterns run an exchange
 * with that insurer; one run per insurer at a time (the job key). The same handlers serve the
 * in-process queue and BullMQ.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { JobQueue } from '../jobs';
import { loadAdapter } from './adapter-config';
import { projectRoot } from './mapping';
import type { ExchangeDeps } from './pipeline';
import { processMessage, replayMessage } from './pipeline';
import { type ChannelOverrides, runExchange } from './runs';

export const EXCHANGE_RUN = 'exchange.run';
export const MESSAGE_PROCESS = 'exchange.process-message';
export const MESSAGE_REPLAY = 'exchange.replay-message';

/** Insurer codes of the adapters in the adapters folder. */
export function listAdapters(adaptersDir = path.join(projectRoot(), 'adapters')): string[] {
  return fs
    .readdirSync(adaptersDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(adaptersDir, d.name, 'adapter.yaml')))
    .map((d) => loadAdapter(d.name, { adaptersDir }).insurer.code)
    .sort();
}

export function registerExchangeJobs(
  queue: JobQueue,
  deps: ExchangeDeps,
  options: { overridesFor?: (insurerCode: string) => ChannelOverrides | undefined } = {},
): void {
  queue.register<{ insurerCode: string }>({
    name: EXCHANGE_RUN,
    attempts: 3,
    backoffMs: 30_000,
    handler: async ({ insurerCode }) => {
      const report = await runExchange(deps, insurerCode, { overrides: options.overridesFor?.(insurerCode) });
      deps.logger?.info(
        {
          insurer: insurerCode,
          register: report.registerBuilt?.fileName ?? null,
          received: report.received.length,
          processed: report.processed.map((p) => `${p.file}:${p.status}`),
        },
        'exchange run finished',
      );
      return { received: report.received.length, processed: report.processed.length };
    },
  });
  queue.register<{ messageId: number }>({
    name: MESSAGE_PROCESS,
    handler: async ({ messageId }) => processMessage(deps, messageId),
  });
  queue.register<{ messageId: number }>({
    name: MESSAGE_REPLAY,
    attempts: 1,
    handler: async ({ messageId }) => replayMessage(deps, messageId),
  });
}

/** Puts every adapter's cron patterns on the queue; answers what was scheduled. */
export async function scheduleAdapters(
  queue: JobQueue,
  adaptersDir?: string,
): Promise<{ id: string; cron: string }[]> {
  const scheduled: { id: string; cron: string }[] = [];
  for (const code of listAdapters(adaptersDir)) {
    const adapter = loadAdapter(code, { adaptersDir });
    for (const [name, cron] of Object.entries(adapter.schedules ?? {})) {
      const id = `${code}:${name}`;
      await queue.schedule(id, cron, EXCHANGE_RUN, { insurerCode: code });
      scheduled.push({ id, cron });
    }
  }
  return scheduled;
}

/** Enqueues a run now; runs already waiting for the same insurer are not doubled. */
export function enqueueExchangeRun(queue: JobQueue, insurerCode: string) {
  return queue.enqueue(EXCHANGE_RUN, { insurerCode }, { key: `exchange-run:${insurerCode}` });
}
