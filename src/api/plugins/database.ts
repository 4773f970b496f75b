/** Gives every route `app.database`; closes it with the app only when the app was handed ownership. */
import fp from 'fastify-plugin';
import type { Database } from '../../db';

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

export const databasePlugin = fp<DatabasePluginOptions>(
  async (app, { database, ownsDatabase = false }) => {
    app.decorate('database', database);
    if (ownsDatabase) {
      app.addHook('onClose', async () => {
        await database.close();
      });
    }
  },
  { name: 'ecspert-database', fastify: '5.x' },
);
