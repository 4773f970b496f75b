/**
 * Runs a database suite on every engine this machine offers: PGlite always, PostgreSQL when
 * DATABASE_URL (or TEST_DATABASE_URL) points at one. Each suite gets its own schema on PostgreSQL
 * and its own in-memory PGlite, with the migrations applied. Under CI=true a missing PostgreSQL
 * fails the run instead of skipping.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Database, migrate, openDatabase } from '../../src/db';

export type TestEngine = 'pglite' | 'postgres';

export function postgresUrl(): string | null {
  const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || '';
  return /^postgres(ql)?:\/\//.test(url) ? url : null;
}

let skipNoted = false;
export function availableEngines(): TestEngine[] {
  const engines: TestEngine[] = ['pglite'];
  if (postgresUrl()) engines.push('postgres');
  else if (process.env.CI === 'true') {
    throw new Error(
      'CI=true but DATABASE_URL does not point at PostgreSQL: the PostgreSQL suites cannot be skipped in CI',
    );
  } else if (!skipNoted) {
    skipNoted = true;
    console.log('PostgreSQL suites skipped: set DATABASE_URL=postgres://… to run them');
  }
  return engines;
}

export interface TestDatabase extends Database {
  engine: TestEngine;
  /** The PostgreSQL schema of this suite, or null on PGlite. */
  schemaName: string | null;
}

/** Opens a fresh, migrated database on the engine; `drop()` removes it again. */
export async function openTestDatabase(
  engine: TestEngine,
): Promise<TestDatabase & { drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite', dataDir: null });
    await migrate(database.db, database.dialect);
    return { ...database, engine, schemaName: null, drop: () => database.close() };
  }
  const url = postgresUrl()!;
  const schemaName = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
  await sql`create schema ${sql.id(schemaName)}`.execute(admin.db);
  await admin.close();
  const database = await openDatabase({ engine: 'postgres', url }, { searchPath: schemaName, poolSize: 4 });
  await migrate(database.db, database.dialect);
  return {
    ...database,
    engine,
    schemaName,
    drop: async () => {
      await sql`drop schema ${sql.id(schemaName)} cascade`.execute(database.db);
      await database.close();
    },
  };
}

/**
 * `describe` once per engine, with a fresh migrated database in `ctx.database` for the suite.
 * Usage: describeEachEngine('network', (ctx) => { it('…', async () => { ctx.database.db … }) })
 */
export function describeEachEngine(name: string, body: (ctx: { database: TestDatabase }) => void): void {
  for (const engine of availableEngines()) {
    describe(`${name} [${engine}]`, () => {
      const ctx = {} as { database: TestDatabase & { drop(): Promise<void> } };
      beforeAll(async () => {
        ctx.database = await openTestDatabase(engine);
      });
      afterAll(async () => {
        await ctx.database?.drop();
      });
      body(ctx);
    });
  }
}
