/**
 * Reports sent by e-mail on a schedule (back-office/reports/schedules.ts owns these tables): which
 * report with which filters (a relative period range), in which formats, to whom, on which cron in
 * Kyiv time, on whose behalf (the report is rendered with that user's scope), active or paused; and
 * every delivery, one per recipient and run, with the exact bytes of the mail stored before it is
 * sent and the SMTP server's answer when it is refused. A run is claimed by moving the schedule's
 * next_run_at with a conditional update, so two workers send it once; the unique index on
 * (schedule, trigger, run, recipient) holds that even if the claim were bypassed.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('report_schedule')
    .addColumn('id', t.id, identity)
    .addColumn('name', t.text(200), notNull)
    // A management report's name (sales, network …) or `consultant`.
    .addColumn('report', t.text(30), notNull)
    .addColumn('consultant_code', t.text(40))
    // The filters as JSON: a relative range ({ periods, offset }), unit, insurer, product, level.
    .addColumn('filters', t.longText, notNull)
    // xlsx, pdf or xlsx,pdf.
    .addColumn('formats', t.text(20), notNull)
    // Addresses, comma-separated.
    .addColumn('recipients', t.text(4000), notNull)
    // Five fields, in Kyiv time.
    .addColumn('cron', t.text(100), notNull)
    .addColumn('active', t.int, (c) => c.notNull().defaultTo(1))
    .addColumn('owner_user_id', t.ref, notNull)
    .addColumn('owner_login', t.text(100), notNull)
    .addColumn('next_run_at', t.timestamp)
    .addColumn('last_run_at', t.timestamp)
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('created_by', t.text(100), notNull)
    .addColumn('updated_at', t.timestamp, notNull)
    .addColumn('updated_by', t.text(100), notNull)
    // Removed schedules are kept (their deliveries refer to them), out of every list.
    .addColumn('removed_at', t.timestamp)
    .addColumn('removed_by', t.text(100))
    .execute();
  await db.schema
    .createIndex('report_schedule_due_ix')
    .on('report_schedule')
    .columns(['active', 'next_run_at'])
    .execute();

  await db.schema
    .createTable('report_delivery')
    .addColumn('id', t.id, identity)
    .addColumn('schedule_id', t.ref, (c) => c.notNull().references('report_schedule.id'))
    // The run: the due moment of a scheduled run, the moment asked of a send now.
    .addColumn('run_at', t.timestamp, notNull)
    .addColumn('run_trigger', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('run_trigger')} in ('schedule', 'manual')`),
    )
    .addColumn('recipient', t.text(320), notNull)
    .addColumn('subject', t.text(1000), notNull)
    .addColumn('mail_message_id', t.text(998))
    // The whole mail as it goes out, stored before anything is sent (null: nothing could be rendered).
    .addColumn('payload', t.bytes)
    .addColumn('sha256', t.text(64))
    .addColumn('size_bytes', t.bigint)
    // pending (stored, not sent yet) → sending (claimed by one sender) → sent | failed (retryable).
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('pending', 'sending', 'sent', 'failed')`),
    )
    .addColumn('error', t.text(2000))
    .addColumn('attempts', t.int, (c) => c.notNull().defaultTo(0))
    .addColumn('requested_by', t.text(100), notNull)
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('sent_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('report_delivery_run_ux')
    .on('report_delivery')
    .columns(['schedule_id', 'run_trigger', 'run_at', 'recipient'])
    .unique()
    .execute();
  await db.schema
    .createIndex('report_delivery_status_ix')
    .on('report_delivery')
    .columns(['status', 'created_at'])
    .execute();
}
