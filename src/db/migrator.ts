/**
 * Applies the versioned migrations in `migrations/` (files named `NNNN_name.ts`) in order, records
 * each in `schema_migration`, and skips what is recorded, so running it again changes nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { ColumnTypes, SqlDialect } from './sql-dialect';

export interface MigrationContext {
  db: Kysely<any>;
  types: ColumnTypes;
  dialect: SqlDialect;
}

export interface Migration {
  /** File name without extension, e.g. `0001_core`. */
  id: string;
  up(context: MigrationContext): Promise<void>;
}

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.(ts|js)$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((file) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(path.join(dir, file)) as { up?: Migration['up'] };
      if (typeof mod.up !== 'function') throw new Error(`migration ${file} exports no up()`);
      return { id: file.replace(/\.(ts|js)$/, ''), up: mod.up };
    });
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

async function ensureLedger(db: Kysely<any>, dialect: SqlDialect): Promise<void> {
  if (await dialect.tableExists(db, 'schema_migration')) return;
  await db.schema
    .createTable('schema_migration')
    .addColumn('id', dialect.types.text(200), (c) => c.primaryKey())
    .addColumn('applied_at', dialect.types.timestamp, (c) => c.notNull())
    .execute();
}

export async function migrate(
  db: Kysely<any>,
  dialect: SqlDialect,
  migrations: Migration[] = loadMigrations(),
  onApplied?: (id: string) => void,
): Promise<MigrationReport> {
  return dialect.withMigrationLock(db, async (locked) => {
    await ensureLedger(locked, dialect);
    const done = new Set(
      (await locked.selectFrom('schema_migration').select('id').execute()).map((r: { id: string }) => r.id),
    );
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      if (done.has(migration.id)) {
        report.alreadyApplied.push(migration.id);
        continue;
      }
      const apply = async (trx: Kysely<any>) => {
        await migration.up({ db: trx, types: dialect.types, dialect });
        await trx
          .insertInto('schema_migration')
          .values({ id: migration.id, applied_at: new Date() })
          .execute();
      };
      // PostgreSQL runs DDL in a transaction, so a failed migration leaves nothing behind.
      if (dialect.supportsTransactionalDdl) await locked.transaction().execute(apply);
      else await apply(locked);
      report.applied.push(migration.id);
      onApplied?.(migration.id);
    }
    return report;
  });
}

/** The migrations recorded as applied, oldest first. */
export async function appliedMigrations(db: Kysely<any>, dialect: SqlDialect): Promise<string[]> {
  if (!(await dialect.tableExists(db, 'schema_migration'))) return [];
  const rows = await db.selectFrom('schema_migration').select('id').orderBy('id').execute();
  return rows.map((r: { id: string }) => r.id);
}

export { sql };
