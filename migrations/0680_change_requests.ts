/**
 * Changes inside closed periods wait for a second person (back-office/periods/approvals.ts owns the
 * table): a manual career change, a sponsor change or a transfer whose date falls in a closed period
 * is kept here as a change request, proposed by the signed-in user who entered it, with nothing
 * applied; another signed-in user approves it (then it is applied, with both names) or rejects it
 * with a reason. A request is decided once: the status moves from pending only by a conditional
 * update, so two approvers at once apply it once.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('change_request')
    .addColumn('id', t.id, identity)
    .addColumn('kind', t.text(40), (c) =>
      c
        .notNull()
        .check(sql`${sql.ref('kind')} in ('career_change', 'sponsor_change', 'unit_change', 'transfer')`),
    )
    .addColumn('consultant_code', t.text(40), notNull)
    .addColumn('effective_on', t.date, notNull)
    // The closed period the change reaches into (yyyy-mm), when it was proposed.
    .addColumn('closed_period', t.text(7), notNull)
    // The change as proposed (the service's input without its authors), JSON.
    .addColumn('change', t.json, notNull)
    .addColumn('reason', t.text(1000), notNull)
    .addColumn('status', t.text(20), (c) =>
      c
        .notNull()
        .defaultTo('pending')
        .check(sql`${sql.ref('status')} in ('pending', 'approved', 'rejected')`),
    )
    .addColumn('proposed_by', t.text(100), notNull)
    .addColumn('proposed_at', t.timestamp, notNull)
    .addColumn('decided_by', t.text(100))
    .addColumn('decided_at', t.timestamp)
    .addColumn('decision_reason', t.text(1000))
    // What applying it did (the periods asked to be recalculated …), JSON; null until approved.
    .addColumn('result', t.json)
    .execute();
  await db.schema
    .createIndex('change_request_status_ix')
    .on('change_request')
    .columns(['status', 'proposed_at'])
    .execute();
}
