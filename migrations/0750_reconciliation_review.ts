/**
 * Reconciliation review to the end (src/exchange/reconciliation owns these tables): more mismatch
 * kinds (a payment for a policy we do not know, a commission rate or amount that differs, an
 * application accepted with no contract after N days, a contract with no application), the state
 * `ignored` in place of `dismissed`, what a person decided (the action, a linked application or
 * consultant) and which message resolved a mismatch by itself; and agent-code aliases, which later
 * imports use to resolve an insurer's consultant code to one of ours. The trail of each mismatch is
 * the audit log (entity `mismatch`).
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

const KINDS = [
  'unknown_policy',
  'payment_unknown_policy',
  'premium_differs',
  'status_differs',
  'consultant_code_unknown',
  'commission_differs',
  'commission_rate_differs',
  'commission_amount_differs',
  'accepted_no_contract',
  'contract_without_application',
  'application_rejected_but_issued',
  'other',
];
const inKinds = KINDS.map((k) => `'${k}'`).join(', ');

export async function up({ db, types: t, dialect }: MigrationContext): Promise<void> {
  if (dialect.isOracle) {
    // The checks of 0001 are unnamed: find them by what they test and drop them.
    await sql
      .raw(
        `begin
  for c in (select constraint_name from user_constraints
             where table_name = 'mismatch' and constraint_type = 'C'
               and (search_condition_vc like '%"kind" in%' or search_condition_vc like '%"status" in%')) loop
    execute immediate 'alter table "mismatch" drop constraint "' || c.constraint_name || '"';
  end loop;
end;`,
      )
      .execute(db);
    await sql
      .raw(
        `alter table "mismatch" add ("action" varchar2(40 char), "application_id" number(19), "consultant_id" number(19), "resolved_by_message_id" number(19))`,
      )
      .execute(db);
  } else {
    await sql.raw(`alter table "mismatch" drop constraint if exists "mismatch_kind_check"`).execute(db);
    await sql.raw(`alter table "mismatch" drop constraint if exists "mismatch_status_check"`).execute(db);
    // What was done: accept_insurer, keep_ours, link_application, link_consultant, add_alias, ignore,
    // auto_rule (a configured rule), cleared (a later message removed the difference).
    await db.schema.alterTable('mismatch').addColumn('action', t.text(40)).execute();
    await db.schema.alterTable('mismatch').addColumn('application_id', t.ref).execute();
    await db.schema.alterTable('mismatch').addColumn('consultant_id', t.ref).execute();
    await db.schema.alterTable('mismatch').addColumn('resolved_by_message_id', t.ref).execute();
  }
  await db.updateTable('mismatch').set({ status: 'ignored' }).where('status', '=', 'dismissed').execute();
  await db
    .updateTable('mismatch')
    .set({ kind: 'commission_rate_differs' })
    .where('kind', '=', 'commission_differs')
    .where('field', '=', 'rate_pct')
    .execute();
  await db
    .updateTable('mismatch')
    .set({ kind: 'commission_amount_differs' })
    .where('kind', '=', 'commission_differs')
    .where('field', '=', 'commission')
    .execute();
  await sql
    .raw(`alter table "mismatch" add constraint "mismatch_kind_ck" check ("kind" in (${inKinds}))`)
    .execute(db);
  await sql
    .raw(
      `alter table "mismatch" add constraint "mismatch_status_ck" check ("status" in ('open', 'resolved', 'ignored'))`,
    )
    .execute(db);
  await db.schema.createIndex('mismatch_status_kind_ix').on('mismatch').columns(['status', 'kind']).execute();

  await db.schema
    .createTable('agent_code_alias')
    .addColumn('id', t.id, identity)
    .addColumn('insurer_id', t.ref, (c) => c.notNull().references('insurer.id'))
    // The code as the insurer writes it, e.g. K-99999.
    .addColumn('agent_code', t.text(40), notNull)
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('created_by', t.text(100), notNull)
    .addColumn('created_at', t.timestamp, notNull)
    // The mismatch it was added from, if any.
    .addColumn('mismatch_id', t.ref)
    .addUniqueConstraint('agent_code_alias_uq', ['insurer_id', 'agent_code'])
    .execute();
}
