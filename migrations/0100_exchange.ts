/**
 * The exchange pipeline's own records beside the message store of 0001: the status trail of each
 * stored message, the rows a message could not apply (quarantined for a person), and the requests to
 * recalculate production periods that an inbound change reached back into.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  // Every status a message passed through, with what happened: received → parsed → mapped → applied.
  await db.schema
    .createTable('exchange_message_event')
    .addColumn('id', t.id, identity)
    .addColumn('message_id', t.ref, (c) => c.notNull().references('exchange_message.id'))
    .addColumn('occurred_at', t.timestamp, notNull)
    .addColumn('status', t.text(20), notNull)
    .addColumn('detail', t.text(2000))
    .execute();
  await db.schema
    .createIndex('exchange_message_event_ix')
    .on('exchange_message_event')
    .column('message_id')
    .execute();

  // A row of a message that could not be applied: kept with its raw fields and the reason.
  await db.schema
    .createTable('exchange_row_issue')
    .addColumn('id', t.id, identity)
    .addColumn('message_id', t.ref, (c) => c.notNull().references('exchange_message.id'))
    .addColumn('row_no', t.int) // physical line or element number in the file; null for the whole file
    .addColumn('field', t.text(200))
    .addColumn('kind', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('kind')} in ('parse', 'mapping', 'validation', 'reference')`),
    )
    .addColumn('message', t.text(2000), notNull)
    .addColumn('raw', t.json)
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('open', 'resolved', 'dismissed')`),
    )
    .addColumn('created_at', t.timestamp, notNull)
    .execute();
  await db.schema
    .createIndex('exchange_row_issue_ix')
    .on('exchange_row_issue')
    .columns(['message_id', 'row_no'])
    .execute();

  // A change whose effective date lies in a calculated or closed period asks for its recalculation.
  await db.schema
    .createTable('recalculation_request')
    .addColumn('id', t.id, identity)
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('effective_on', t.date, notNull)
    .addColumn('cause_kind', t.text(40), notNull) // late_payment, amendment, agent_change, career_change, sponsor_change …
    .addColumn('cause_ref', t.text(200), notNull) // what to look at, e.g. amendment:17 or premium_payment:2033
    .addColumn('description', t.text(1000), notNull)
    .addColumn('dedupe_key', t.text(300), (c) => c.notNull().unique())
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('pending', 'done', 'dismissed')`),
    )
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('processed_at', t.timestamp)
    .execute();
  await db.schema
    .createIndex('recalculation_request_ix')
    .on('recalculation_request')
    .columns(['status', 'period_code'])
    .execute();

  // Where each insurer's pulls left off (e.g. Karpaty's changedSince), so a restart resumes there.
  await db.schema
    .createTable('exchange_cursor')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('cursor_name', t.text(100), notNull)
    .addColumn('cursor_value', t.text(500), notNull)
    .addColumn('updated_at', t.timestamp, notNull)
    .addUniqueConstraint('exchange_cursor_uq', ['insurer_id', 'cursor_name'])
    .execute();

  // What a channel has fetched and stored, so a restart does not download it again.
  await db.schema
    .createTable('exchange_fetched_item')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('channel', t.text(20), notNull)
    .addColumn('version_key', t.text(700), notNull) // path + size + modification time
    .addColumn('fetched_at', t.timestamp, notNull)
    .addUniqueConstraint('exchange_fetched_item_uq', ['insurer_id', 'channel', 'version_key'])
    .execute();
}
