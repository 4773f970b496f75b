/** Gives every route `app.queue` (the queue probe); closes it with the app only when it owns it. */
import fp from 'fastify-plugin';
import type { QueueProbe } from '../queue-probe';

declare module 'fastify' {
  interface FastifyInstance {
    /** Whether the job queue (embedded or Redis) is reachable. */
    queue: QueueProbe;
  }
}

export interface QueuePluginOptions {
  queue: QueueProbe;
  ownsQueue?: boolean;
}

export const queuePlugin = fp<QueuePluginOptions>(
  async (app, { queue, ownsQueue = false }) => {
    app.decorate('queue', queue);
    if (ownsQueue) {
      app.addHook('onClose', async () => {
        await queue.close();
      });
    }
  },
  { name: 'ecspert-queue', fastify: '5.x' },
);
