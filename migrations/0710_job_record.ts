/**
 * Background work a person waits for (a period's calculation, an exchange run, acts), one row per
 * job, written by whichever worker runs it (in-process or BullMQ) and read by the API and the CLI
 * (src/jobs/job-records.ts owns the table). The queue is not the source of truth: a job recorded
 * `queued` that no queue holds is enqueued again, and one left `running` by a process that died is
 * marked `failed` with a reason a person can act on.
 *
 * `active_key` is set while a job is queued or running (e.g. `period.calculate:2026-03`) and cleared
 * when it ends: its unique index makes "one calculation per period at a time" a fact of the database,
 * across processes (PostgreSQL and Oracle both let any number of rows hold NULL in a unique index).
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('job_record')
    // A UUID, given when the job is asked for (the API answers it at once).
    .addColumn('id', t.text(36), (c) => c.primaryKey())
    // What the job does: period.calculate, exchange.run, period.acts.
    .addColumn('kind', t.text(40), notNull)
    // What it works on: a period code (yyyy-mm), an insurer code.
    .addColumn('subject', t.text(100), notNull)
    .addColumn('state', t.text(20), (c) =>
      c
        .notNull()
        .check(sql`${sql.ref('state')} in ('queued', 'running', 'succeeded', 'failed', 'cancelled')`),
    )
    // The stage last reached (inputs, calculating, lines, contests, done …) and its counts.
    .addColumn('stage', t.text(40))
    .addColumn('done_count', t.bigint)
    .addColumn('total_count', t.bigint)
    // Set while queued or running, cleared when it ends: one active job per key.
    .addColumn('active_key', t.text(150))
    .addColumn('requested_by', t.text(100))
    .addColumn('requested_at', t.timestamp, notNull)
    .addColumn('started_at', t.timestamp)
    .addColumn('finished_at', t.timestamp)
    // The process running it (host:pid) and when it last said it is alive.
    .addColumn('worker', t.text(200))
    .addColumn('heartbeat_at', t.timestamp)
    .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
    // Why it failed, in words a person can act on.
    .addColumn('error', t.text(2000))
    // What it produced (a calculation's run id, line count and totals), JSON.
    .addColumn('result', t.json)
    .execute();
  await db.schema
    .createIndex('job_record_active_key_ux')
    .on('job_record')
    .column('active_key')
    .unique()
    .execute();
  await db.schema
    .createIndex('job_record_subject_ix')
    .on('job_record')
    .columns(['kind', 'subject', 'requested_at'])
    .execute();
  await db.schema
    .createIndex('job_record_state_ix')
    .on('job_record')
    .columns(['state', 'requested_at'])
    .execute();
}
