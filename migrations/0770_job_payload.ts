/**
 * What a queued job was asked with (src/jobs/job-records.ts owns the table), JSON: the sweep that
 * enqueues again a job its queue lost reads it from here, so the job runs as it was asked for (a
 * period's acts print the intermediary the request named, not whatever the worker is configured with).
 */
import { sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  // Oracle adds a column with ALTER TABLE … ADD (…); ADD COLUMN is PostgreSQL's.
  if (dialect.isOracle) await sql.raw(`alter table "job_record" add ("payload" clob)`).execute(db);
  else await db.schema.alterTable('job_record').addColumn('payload', t.json).execute();
}
