/**
 * The normalised core: insurers and products, the network (units, consultants, sponsors, careers,
 * activity statuses) kept bitemporally, persons, applications and their registers, policies with
 * versions, amendments, payment schedule, premium payments, commission statement lines,
 * correspondence, production periods, users and roles, the audit log, the exchange message store
 * and reconciliation mismatches.
 *
 * Bitemporal tables carry valid_from/valid_to (when it is true in the business; valid_to is
 * exclusive, 9999-12-31 when open) and recorded_at/superseded_at (when the row was known;
 * superseded_at 9999-12-31 while it is current knowledge). Money is NUMERIC(18,2)/NUMBER(18,2).
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  const schema = db.schema;
  /** Adds the bitemporal columns to a table under construction. */
  const bitemporal = <B extends { addColumn: (...a: any[]) => B }>(b: B): B =>
    b
      .addColumn('valid_from', t.date, notNull)
      .addColumn('valid_to', t.date, notNull)
      .addColumn('recorded_at', t.timestamp, notNull)
      .addColumn('superseded_at', t.timestamp, notNull)
      .addColumn('recorded_by', t.text(100))
      .addColumn('reason', t.text(1000));

  await schema
    .createTable('insurer')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(40), (c) => c.notNull().unique()) // e.g. DNIPRO_LIFE
    .addColumn('name', t.text(300), notNull)
    .addColumn('company_code', t.text(10)) // ЄДРПОУ
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('product')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('code', t.text(40), notNull) // the insurer's product code, e.g. DL-SAV10
    .addColumn('name', t.text(300), notNull)
    .addColumn('product_group', t.text(40), notNull) // savings, term_life, motor, property, accident, travel, mtpl
    .addColumn('term_years', t.int)
    .addColumn('first_year_rate_pct', t.rate) // the intermediary's agreed rate from the insurer, year 1
    .addColumn('renewal_rate_pct', t.rate) // the same for renewal years
    .addUniqueConstraint('product_insurer_code_uq', ['insurer_id', 'code'])
    .execute();

  await schema
    .createTable('unit')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(40), (c) => c.notNull().unique())
    .addColumn('name', t.text(300), notNull)
    .addColumn('city', t.text(100))
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('consultant')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(40), (c) => c.notNull().unique()) // the intermediary's code, e.g. K-00012
    .addColumn('full_name', t.text(300), notNull)
    .addColumn('tax_number', t.text(10)) // РНОКПП
    .addColumn('legal_form', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('legal_form')} in ('individual', 'sole_proprietor')`),
    )
    .addColumn('email', t.text(200))
    .addColumn('phone', t.text(40))
    .addColumn('hired_on', t.date, notNull)
    .addColumn('terminated_on', t.date)
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  // Units form a tree with a manager; both change over time.
  await bitemporal(
    schema
      .createTable('unit_structure')
      .addColumn('id', t.id, identity)
      .addColumn('unit_id', t.ref, (c) => c.notNull().references('unit.id'))
      .addColumn('parent_unit_id', t.ref, (c) => c.references('unit.id'))
      .addColumn('manager_consultant_id', t.ref, (c) => c.references('consultant.id')),
  ).execute();

  // The sponsor (upline) of a consultant; null sponsor for the top of the network.
  await bitemporal(
    schema
      .createTable('consultant_sponsor')
      .addColumn('id', t.id, identity)
      .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
      .addColumn('sponsor_id', t.ref, (c) => c.references('consultant.id')),
  ).execute();

  await bitemporal(
    schema
      .createTable('consultant_unit')
      .addColumn('id', t.id, identity)
      .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
      .addColumn('unit_id', t.ref, (c) => c.notNull().references('unit.id')),
  ).execute();

  // Levels (ranks) of the career ladder; the plan declares them, this table names them.
  await schema
    .createTable('career_level')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(40), (c) => c.notNull().unique())
    .addColumn('name', t.text(200), notNull)
    .addColumn('rank_order', t.int, notNull) // 1 is the entry level
    .execute();

  await bitemporal(
    schema
      .createTable('consultant_career')
      .addColumn('id', t.id, identity)
      .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
      .addColumn('level_code', t.text(40), notNull)
      .addColumn('source', t.text(20), (c) =>
        c.notNull().check(sql`${sql.ref('source')} in ('calculation', 'manual', 'import', 'initial')`),
      )
      .addColumn('approved_by', t.text(100))
      .addColumn('approved_at', t.timestamp),
  ).execute();

  await bitemporal(
    schema
      .createTable('consultant_activity_status')
      .addColumn('id', t.id, identity)
      .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
      .addColumn('status', t.text(20), (c) =>
        c.notNull().check(sql`${sql.ref('status')} in ('active', 'inactive', 'suspended', 'terminated')`),
      )
      .addColumn('source', t.text(20), (c) =>
        c.notNull().check(sql`${sql.ref('source')} in ('derived', 'manual', 'initial')`),
      ),
  ).execute();

  for (const table of [
    'consultant_sponsor',
    'consultant_unit',
    'consultant_career',
    'consultant_activity_status',
  ]) {
    await schema
      .createIndex(`${table}_asof_ix`)
      .on(table)
      .columns(['consultant_id', 'superseded_at', 'valid_from'])
      .execute();
  }
  await schema
    .createIndex('consultant_sponsor_down_ix')
    .on('consultant_sponsor')
    .columns(['sponsor_id', 'superseded_at', 'valid_from'])
    .execute();
  await schema
    .createIndex('unit_structure_asof_ix')
    .on('unit_structure')
    .columns(['unit_id', 'superseded_at'])
    .execute();

  // Policyholders and insured persons.
  await schema
    .createTable('person')
    .addColumn('id', t.id, identity)
    .addColumn('person_kind', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('person_kind')} in ('individual', 'company')`),
    )
    .addColumn('full_name', t.text(300), notNull)
    .addColumn('tax_number', t.text(10)) // РНОКПП of an individual
    .addColumn('company_code', t.text(10)) // ЄДРПОУ of a company
    .addColumn('birth_date', t.date)
    .addColumn('created_at', t.timestamp, notNull)
    .execute();
  await schema.createIndex('person_tax_number_ix').on('person').column('tax_number').execute();

  await schema
    .createTable('application')
    .addColumn('id', t.id, identity)
    .addColumn('number', t.text(40), (c) => c.notNull().unique()) // the intermediary's application number
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('product_id', t.ref, (c) => c.notNull().references('product.id'))
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('policyholder_id', t.ref, (c) => c.notNull().references('person.id'))
    .addColumn('insured_person_id', t.ref, (c) => c.references('person.id'))
    .addColumn('signed_on', t.date, notNull)
    .addColumn('sum_insured', t.money, notNull)
    .addColumn('premium', t.money, notNull) // per payment
    .addColumn('payment_frequency', t.int, (c) =>
      c.notNull().check(sql`${sql.ref('payment_frequency')} in (1, 2, 4, 12)`),
    )
    .addColumn('status', t.text(20), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('status')} in ('pending', 'sent', 'accepted', 'rejected', 'issued', 'withdrawn')`,
        ),
    )
    .addColumn('status_reason', t.text(1000)) // the insurer's reason for a rejection
    .addColumn('policy_id', t.ref) // set when the insurer issues the policy
    .addColumn('details', t.json) // product-specific particulars, e.g. the vehicle for motor cover
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('updated_at', t.timestamp, notNull)
    .execute();
  await schema
    .createIndex('application_status_ix')
    .on('application')
    .columns(['insurer_id', 'status'])
    .execute();

  await schema
    .createTable('application_register')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('register_no', t.text(100), notNull) // e.g. REG_AG0042_20261005_001 or the batch number
    .addColumn('register_date', t.date, notNull)
    .addColumn('sequence_no', t.int, notNull) // the daily or running sequence the insurer asks for
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('built', 'sent', 'acknowledged', 'rejected', 'failed')`),
    )
    .addColumn('item_count', t.int, notNull)
    .addColumn('premium_total', t.money, notNull)
    .addColumn('external_id', t.text(200)) // the insurer's id for it, e.g. Karpaty's batchId
    .addColumn('outbound_message_id', t.ref)
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('sent_at', t.timestamp)
    .addUniqueConstraint('application_register_no_uq', ['insurer_id', 'register_no'])
    .execute();

  await schema
    .createTable('application_register_item')
    .addColumn('id', t.id, identity)
    .addColumn('register_id', t.ref, (c) => c.notNull().references('application_register.id'))
    .addColumn('application_id', t.ref, (c) => c.notNull().references('application.id'))
    .addColumn('row_no', t.int, notNull)
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('queued', 'sent', 'accepted', 'rejected', 'issued')`),
    )
    .addColumn('reason', t.text(1000))
    .addColumn('policy_number', t.text(60))
    .addColumn('answered_at', t.timestamp)
    .addUniqueConstraint('application_register_item_uq', ['register_id', 'application_id'])
    .execute();

  await schema
    .createTable('policy')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('number', t.text(60), notNull) // the insurer's policy number
    .addColumn('product_id', t.ref, (c) => c.notNull().references('product.id'))
    .addColumn('application_id', t.ref, (c) => c.references('application.id'))
    .addColumn('created_at', t.timestamp, notNull)
    .addUniqueConstraint('policy_insurer_number_uq', ['insurer_id', 'number'])
    .execute();

  // One row per known state of the policy, never changed once written. valid_from is the day that
  // state takes effect; the policy on day D is the row with the latest valid_from <= D, and among
  // rows with the same valid_from the highest version_no (a backdated amendment adds corrected rows
  // instead of editing the later ones).
  await schema
    .createTable('policy_version')
    .addColumn('id', t.id, identity)
    .addColumn('policy_id', t.ref, (c) => c.notNull().references('policy.id'))
    .addColumn('version_no', t.int, notNull)
    .addColumn('valid_from', t.date, notNull)
    .addColumn('recorded_at', t.timestamp, notNull)
    .addColumn('consultant_id', t.ref, (c) => c.references('consultant.id')) // null while the agent code is unknown
    .addColumn('agent_code', t.text(40), notNull) // the consultant code as the insurer sent it
    .addColumn('policyholder_id', t.ref, (c) => c.notNull().references('person.id'))
    .addColumn('insured_person_id', t.ref, (c) => c.references('person.id'))
    .addColumn('issued_on', t.date, notNull)
    .addColumn('cover_start', t.date, notNull)
    .addColumn('cover_end', t.date, notNull)
    .addColumn('sum_insured', t.money, notNull)
    .addColumn('annual_premium', t.money, notNull)
    .addColumn('payment_frequency', t.int, (c) =>
      c.notNull().check(sql`${sql.ref('payment_frequency')} in (1, 2, 4, 12)`),
    )
    .addColumn('status', t.text(20), (c) =>
      c
        .notNull()
        .check(sql`${sql.ref('status')} in ('in_force', 'terminated', 'expired', 'suspended', 'cancelled')`),
    )
    .addColumn('status_date', t.date, notNull)
    .addColumn('amendment_id', t.ref) // the amendment that made this version, if any
    .addColumn('source_message_id', t.ref)
    .addUniqueConstraint('policy_version_uq', ['policy_id', 'version_no'])
    .execute();
  await schema
    .createIndex('policy_version_consultant_ix')
    .on('policy_version')
    .column('consultant_id')
    .execute();

  await schema
    .createTable('amendment')
    .addColumn('id', t.id, identity)
    .addColumn('policy_id', t.ref, (c) => c.notNull().references('policy.id'))
    .addColumn('amendment_no', t.text(40), notNull) // the insurer's number of the supplementary agreement
    .addColumn('signed_on', t.date, notNull)
    .addColumn('effective_on', t.date, notNull) // may lie in the past
    .addColumn('change_kind', t.text(30), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('change_kind')} in ('sum_change', 'premium_change', 'frequency_change', 'agent_change', 'termination', 'cancellation', 'reinstatement')`,
        ),
    )
    .addColumn('new_value', t.text(200))
    .addColumn('details', t.json)
    .addColumn('source_message_id', t.ref)
    .addColumn('recorded_at', t.timestamp, notNull)
    .addUniqueConstraint('amendment_uq', ['policy_id', 'amendment_no'])
    .execute();

  await schema
    .createTable('payment_schedule')
    .addColumn('id', t.id, identity)
    .addColumn('policy_id', t.ref, (c) => c.notNull().references('policy.id'))
    .addColumn('installment_no', t.int, notNull)
    .addColumn('due_on', t.date, notNull)
    .addColumn('amount', t.money, notNull)
    .addColumn('policy_year', t.int, notNull)
    .addUniqueConstraint('payment_schedule_uq', ['policy_id', 'installment_no'])
    .execute();

  await schema
    .createTable('premium_payment')
    .addColumn('id', t.id, identity)
    .addColumn('policy_id', t.ref, (c) => c.notNull().references('policy.id'))
    .addColumn('paid_on', t.date, notNull)
    .addColumn('amount', t.money, notNull) // negative for a correction of an earlier row
    .addColumn('cover_from', t.date)
    .addColumn('cover_to', t.date)
    .addColumn('policy_year', t.int, notNull)
    .addColumn('external_key', t.text(200), (c) => c.notNull().unique()) // makes re-delivery harmless
    .addColumn('source_message_id', t.ref)
    .addColumn('source_row', t.int)
    .addColumn('recorded_at', t.timestamp, notNull)
    .execute();
  await schema
    .createIndex('premium_payment_paid_on_ix')
    .on('premium_payment')
    .columns(['paid_on', 'policy_id'])
    .execute();

  await schema
    .createTable('commission_statement_line')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('statement_month', t.text(7), notNull) // yyyy-mm
    .addColumn('policy_number', t.text(60), notNull)
    .addColumn('policy_id', t.ref, (c) => c.references('policy.id')) // null when the policy is unknown
    .addColumn('paid_on', t.date)
    .addColumn('premium', t.money, notNull)
    .addColumn('rate_pct', t.rate, notNull)
    .addColumn('commission', t.money, notNull)
    .addColumn('external_key', t.text(200), (c) => c.notNull().unique())
    .addColumn('source_message_id', t.ref)
    .addColumn('source_row', t.int)
    .addColumn('recorded_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('correspondence_message')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.references('insurer.id'))
    .addColumn('direction', t.text(10), (c) =>
      c.notNull().check(sql`${sql.ref('direction')} in ('inbound', 'outbound')`),
    )
    .addColumn('subject', t.text(1000), notNull)
    .addColumn('sender', t.text(300), notNull)
    .addColumn('recipients', t.text(1000), notNull)
    .addColumn('sent_at', t.timestamp, notNull)
    .addColumn('body_text', t.longText)
    .addColumn('policy_id', t.ref, (c) => c.references('policy.id'))
    .addColumn('application_id', t.ref, (c) => c.references('application.id'))
    .addColumn('thread_key', t.text(300)) // Message-ID of the first message of the thread
    .addColumn('external_id', t.text(300)) // Message-ID
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('new', 'awaiting_reply', 'answered', 'closed')`),
    )
    .addColumn('exchange_message_id', t.ref)
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('correspondence_attachment')
    .addColumn('id', t.id, identity)
    .addColumn('correspondence_id', t.ref, (c) => c.notNull().references('correspondence_message.id'))
    .addColumn('file_name', t.text(300), notNull)
    .addColumn('content_type', t.text(200), notNull)
    .addColumn('size_bytes', t.bigint, notNull)
    .addColumn('sha256', t.text(64), notNull)
    .addColumn('content', t.bytes, notNull)
    .execute();

  await schema
    .createTable('production_period')
    .addColumn('id', t.id, identity)
    .addColumn('code', t.text(7), (c) => c.notNull().unique()) // yyyy-mm
    .addColumn('starts_on', t.date, notNull)
    .addColumn('ends_on', t.date, notNull) // inclusive last day
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('open', 'calculated', 'closed')`),
    )
    .addColumn('calculated_at', t.timestamp)
    .addColumn('closed_at', t.timestamp)
    .addColumn('closed_by', t.text(100))
    .execute();

  await schema
    .createTable('app_role')
    .addColumn('code', t.text(40), (c) => c.primaryKey()) // admin, back_office, integration, management, consultant
    .addColumn('name', t.text(200), notNull)
    .execute();

  await schema
    .createTable('app_user')
    .addColumn('id', t.id, identity)
    .addColumn('login', t.text(100), (c) => c.notNull().unique())
    .addColumn('full_name', t.text(300), notNull)
    .addColumn('email', t.text(200))
    .addColumn('password_hash', t.text(300))
    .addColumn('consultant_id', t.ref, (c) => c.references('consultant.id')) // a consultant's own login
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('active', 'blocked')`),
    )
    .addColumn('created_at', t.timestamp, notNull)
    .execute();

  await schema
    .createTable('app_user_role')
    .addColumn('user_id', t.ref, (c) => c.notNull().references('app_user.id'))
    .addColumn('role_code', t.text(40), (c) => c.notNull().references('app_role.code'))
    .addPrimaryKeyConstraint('app_user_role_pk', ['user_id', 'role_code'])
    .execute();

  await schema
    .createTable('audit_log')
    .addColumn('id', t.id, identity)
    .addColumn('occurred_at', t.timestamp, notNull)
    .addColumn('actor', t.text(100), notNull) // a login, or system:<job>
    .addColumn('action', t.text(100), notNull) // e.g. consultant.sponsor_changed
    .addColumn('entity_kind', t.text(60), notNull)
    .addColumn('entity_id', t.text(100), notNull)
    .addColumn('before_state', t.json)
    .addColumn('after_state', t.json)
    .addColumn('reason', t.text(1000))
    .execute();
  await schema
    .createIndex('audit_log_entity_ix')
    .on('audit_log')
    .columns(['entity_kind', 'entity_id'])
    .execute();

  // Every payload in or out, stored raw before anything else happens to it.
  await schema
    .createTable('exchange_message')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.references('insurer.id'))
    .addColumn('channel', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('channel')} in ('sftp', 'rest', 'email', 'manual')`),
    )
    .addColumn('direction', t.text(10), (c) =>
      c.notNull().check(sql`${sql.ref('direction')} in ('inbound', 'outbound')`),
    )
    .addColumn('message_type', t.text(60), notNull) // contracts, payments, register, ack …
    .addColumn('external_name', t.text(500)) // file name or e-mail subject
    .addColumn('external_id', t.text(500)) // the insurer's id: path, Message-ID, batch id
    .addColumn('idempotency_key', t.text(200), (c) => c.notNull().unique()) // insurer:channel:sha256
    .addColumn('sha256', t.text(64), notNull)
    .addColumn('size_bytes', t.bigint, notNull)
    .addColumn('content_type', t.text(200))
    .addColumn('payload', t.bytes, notNull)
    .addColumn('status', t.text(20), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('status')} in ('received', 'parsed', 'mapped', 'applied', 'quarantined', 'failed', 'sent', 'built')`,
        ),
    )
    .addColumn('status_reason', t.json) // errors, each naming file, row and field
    .addColumn('replay_of_id', t.ref) // the message this one replays
    .addColumn('attempts', t.int, notNull)
    .addColumn('received_at', t.timestamp, notNull)
    .addColumn('processed_at', t.timestamp)
    .execute();
  await schema
    .createIndex('exchange_message_status_ix')
    .on('exchange_message')
    .columns(['status', 'insurer_id'])
    .execute();

  await schema
    .createTable('mismatch')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    .addColumn('kind', t.text(40), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('kind')} in ('unknown_policy', 'premium_differs', 'status_differs', 'consultant_code_unknown', 'commission_differs', 'application_rejected_but_issued', 'other')`,
        ),
    )
    .addColumn('policy_number', t.text(60))
    .addColumn('policy_id', t.ref, (c) => c.references('policy.id'))
    .addColumn('field', t.text(100))
    .addColumn('insurer_value', t.text(500))
    .addColumn('our_value', t.text(500))
    .addColumn('details', t.text(2000))
    .addColumn('source_message_id', t.ref)
    .addColumn('source_row', t.int)
    .addColumn('dedupe_key', t.text(300), (c) => c.notNull().unique())
    .addColumn('status', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('status')} in ('open', 'resolved', 'dismissed')`),
    )
    .addColumn('resolution', t.text(2000))
    .addColumn('resolved_by', t.text(100))
    .addColumn('resolved_at', t.timestamp)
    .addColumn('created_at', t.timestamp, notNull)
    .execute();
}
