/**
 * Gives every route `app.database`; closes it with the app only when the app was handed ownership.
 *
 * While the database is down (a lost connection marked it so; it is probed every second until it
 * answers), requests are refused at once with 503, a Retry-After and `error: database_unavailable`,
 * instead of waiting on a pool that cannot connect; /health and the API reference still answer.
 * A request that meets the outage first, before it is known, gets the same 503 instead of a 500
 * (from the error handler, src/api/errors.ts).
 * The app logs once when the database goes away and once when it is back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Database } from '../../db';
import { DATABASE_RETRY_AFTER_SECONDS, databaseUnavailableBody } from '../errors';

declare module 'fastify' {
  interface FastifyInstance {
    /** The one database of the hub: `app.database.db` is the typed Kysely instance. */
    database: Database;
  }
}

export interface DatabasePluginOptions {
  database: Database;
  /** True when closing the app should close the database (the server owns it; tests usually do not). */
  ownsDatabase?: boolean;
}

/** Paths that answer without the database: the health check says what is down, the docs are static. */
const WITHOUT_DATABASE = /^\/(health|docs)(\/|\?|$)/;

export const databasePlugin = fp<DatabasePluginOptions>(
  async (app, { database, ownsDatabase = false }) => {
    app.decorate('database', database);

    const availability = database.availability;
    if (availability) {
      const stopListening = availability.onChange((change) => {
        if (!change.up)
          app.log.error(
            { problem: change.problem },
            `database stopped answering (${change.problem}): refusing requests with 503 until it is back`,
          );
        else
          app.log.warn(
            { downForMs: change.downForMs },
            `database answers again after ${(change.downForMs / 1000).toFixed(1)} s: serving requests`,
          );
      });
      app.addHook('onClose', async () => stopListening());

      app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (availability.up || WITHOUT_DATABASE.test(request.url)) return;
        reply.code(503).header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        return reply.send(databaseUnavailableBody(availability.problem));
      });
    }

    if (ownsDatabase) {
      app.addHook('onClose', async () => {
        await database.close();
      });
    }
  },
  { name: 'ecspert-database', fastify: '5.x' },
);
