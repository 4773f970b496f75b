/**
 * Correspondence with insurers (back-office/correspondence owns these tables): every e-mail to or
 * from an insurer kept as a letter that references its stored message (the raw mail stays in the
 * message store, never copied), grouped into threads by Message-ID / In-Reply-To / References and by
 * the subject keys `Договір №…` / `Заява №…`, each thread linked to a policy, application or
 * consultant and in a state (waiting for us, waiting for the insurer, closed). A letter from an
 * unknown sender waits in a queue for a person (assigned to an insurer or dismissed with a reason).
 * One letter per stored message (unique), so filing twice, or by two processes at once, files once.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('correspondence_thread')
    .addColumn('id', t.id, identity)
    // Null while the thread holds only a letter from an unknown sender not yet assigned.
    .addColumn('insurer_id', t.ref, (c) => c.references('insurer.id'))
    .addColumn('subject', t.text(1000), notNull)
    // policy:<number> or application:<number>, from the subject; null when the subject names neither.
    .addColumn('subject_key', t.text(200))
    .addColumn('policy_id', t.ref)
    .addColumn('policy_number', t.text(100))
    .addColumn('application_id', t.ref)
    .addColumn('application_number', t.text(100))
    .addColumn('consultant_id', t.ref)
    .addColumn('consultant_code', t.text(40))
    .addColumn('state', t.text(30), (c) =>
      c.notNull().check(sql`${sql.ref('state')} in ('waiting_for_us', 'waiting_for_insurer', 'closed')`),
    )
    // The stored message whose letter opened the thread (its natural key).
    .addColumn('opened_by_message_id', t.ref, (c) => c.notNull().unique())
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('last_letter_at', t.timestamp, notNull)
    .execute();
  await db.schema
    .createIndex('correspondence_thread_state_ix')
    .on('correspondence_thread')
    .columns(['state', 'last_letter_at'])
    .execute();
  await db.schema
    .createIndex('correspondence_thread_policy_ix')
    .on('correspondence_thread')
    .column('policy_id')
    .execute();
  await db.schema
    .createIndex('correspondence_thread_key_ix')
    .on('correspondence_thread')
    .columns(['subject_key', 'insurer_id'])
    .execute();

  await db.schema
    .createTable('correspondence_letter')
    .addColumn('id', t.id, identity)
    .addColumn('thread_id', t.ref, (c) => c.notNull().references('correspondence_thread.id'))
    // The stored mail (message store); unique: a message is filed once.
    .addColumn('message_id', t.ref, (c) => c.notNull().unique().references('exchange_message.id'))
    .addColumn('direction', t.text(10), (c) =>
      c.notNull().check(sql`${sql.ref('direction')} in ('inbound', 'outbound')`),
    )
    .addColumn('insurer_id', t.ref, (c) => c.references('insurer.id'))
    .addColumn('mail_message_id', t.text(998))
    .addColumn('in_reply_to', t.text(998))
    .addColumn('mail_references', t.longText)
    .addColumn('subject', t.text(1000), notNull)
    .addColumn('sender', t.text(320), notNull)
    .addColumn('recipients', t.text(2000), notNull)
    .addColumn('written_at', t.timestamp, notNull)
    .addColumn('filed_at', t.timestamp, notNull)
    // Unknown sender: pending until a person assigns it to an insurer or dismisses it with a reason.
    .addColumn('sender_queue', t.text(20), (c) =>
      c.check(sql`${sql.ref('sender_queue')} in ('pending', 'assigned', 'dismissed')`),
    )
    .addColumn('queue_reason', t.text(1000))
    .addColumn('queue_by', t.text(100))
    .addColumn('queue_at', t.timestamp)
    // Our reply: not_sent (a failed send, retryable) → sending (claimed by one sender) → sent.
    .addColumn('send_status', t.text(20), (c) =>
      c.check(sql`${sql.ref('send_status')} in ('not_sent', 'sending', 'sent')`),
    )
    .addColumn('send_error', t.text(2000))
    .addColumn('send_attempts', t.int, (c) => c.notNull().defaultTo(0))
    .addColumn('author', t.text(100))
    .execute();
  await db.schema
    .createIndex('correspondence_letter_thread_ix')
    .on('correspondence_letter')
    .columns(['thread_id', 'written_at'])
    .execute();
  await db.schema
    .createIndex('correspondence_letter_mail_id_ix')
    .on('correspondence_letter')
    .column('mail_message_id')
    .execute();
  await db.schema
    .createIndex('correspondence_letter_queue_ix')
    .on('correspondence_letter')
    .column('sender_queue')
    .execute();

  await db.schema
    .createTable('correspondence_letter_attachment')
    .addColumn('id', t.id, identity)
    .addColumn('letter_id', t.ref, (c) => c.notNull().references('correspondence_letter.id'))
    // The attachment's place among the stored mail's attachments (parseMail order): its bytes are read from there.
    .addColumn('position', t.int, notNull)
    .addColumn('file_name', t.text(500), notNull)
    .addColumn('content_type', t.text(200), notNull)
    .addColumn('size_bytes', t.bigint, notNull)
    .addColumn('sha256', t.text(64), notNull)
    .execute();
  await db.schema
    .createIndex('correspondence_letter_attachment_ix')
    .on('correspondence_letter_attachment')
    .columns(['letter_id', 'position'])
    .unique()
    .execute();

  // One row that filers lock in turn, so two processes filing at once never open two threads for one conversation.
  await db.schema
    .createTable('correspondence_filing_lock')
    .addColumn('name', t.text(40), (c) => c.primaryKey())
    .execute();
  await db.insertInto('correspondence_filing_lock').values({ name: 'filing' }).execute();
}
