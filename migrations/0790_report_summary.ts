/**
 * The management reports' summary (back-office/reports/summary.ts owns it): per production period,
 * unit, career level, insurer and product, the applications signed, the policies issued and their
 * premium written, the premiums received and the premiums due by the payment calendar, as the
 * detail stands now, with the consultants' unit and level as of `dims_as_of`.
 *
 * `report_summary_period` says which periods are built (when, with the dimensions of which date);
 * `report_summary_stale` holds the marks the writers of the detail leave in their own transaction
 * (src/db/report-stale.ts: src/policy-records for applications, policies, versions, calendars and
 * payments): a report reading a marked period rebuilds it first, holding the one row of
 * `report_summary_lock` so that two readers at once rebuild once. Plain columns, valid on Oracle.
 *
 * Also an index of policy versions by the date they take effect: whether any version takes effect
 * after a report's "as of" date (then the report reads the detail).
 */
import { type ColumnDefinitionBuilder } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('report_summary')
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('unit_id', t.ref)
    .addColumn('level_code', t.text(40))
    .addColumn('insurer_id', t.ref)
    .addColumn('product_id', t.ref)
    .addColumn('applications', t.int, notNull)
    .addColumn('policies', t.int, notNull)
    .addColumn('written', t.money, notNull)
    .addColumn('received', t.money, notNull)
    .addColumn('due', t.money, notNull)
    // How many payment and calendar rows the sums are of (a row of 0.00 still makes a report's row).
    .addColumn('payments', t.int, notNull)
    .addColumn('instalments', t.int, notNull)
    .execute();
  await db.schema
    .createIndex('report_summary_period_ix')
    .on('report_summary')
    .column('period_code')
    .execute();
  await db.schema
    .createTable('report_summary_period')
    .addColumn('period_code', t.text(7), (c) => c.primaryKey())
    .addColumn('built_at', t.timestamp, notNull)
    .addColumn('dims_as_of', t.date, notNull)
    // The units' and careers' rows and superseded rows counted by the build (summary.ts dimsStamp).
    .addColumn('dims_stamp', t.text(200), notNull)
    .execute();
  await db.schema
    .createTable('report_summary_stale')
    .addColumn('id', t.id, identity)
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('marked_at', t.timestamp, notNull)
    .execute();
  await db.schema
    .createIndex('report_summary_stale_period_ix')
    .on('report_summary_stale')
    .column('period_code')
    .execute();
  await db.schema
    .createTable('report_summary_lock')
    .addColumn('lock_key', t.text(40), (c) => c.primaryKey())
    .execute();
  await db.insertInto('report_summary_lock').values({ lock_key: 'summary' }).execute();
  await db.schema
    .createIndex('policy_version_valid_from_ix')
    .on('policy_version')
    .column('valid_from')
    .execute();
}
