/**
 * The metrics of every consultant in a period as they stand now (back-office/compensation owns the
 * table): written by the period's calculation, then kept current by every correction run of the
 * period (a bounded one rewrites the consultants it recalculated). A bounded recalculation of a
 * closed period reads the uplines' volumes, legs and commissions from here instead of calculating
 * the whole network again. One row per period and consultant; plain columns, so the same DDL is
 * valid on Oracle.
 *
 * Also an index of the ledger by source (kind and id), for the bounded recalculation's reads.
 */
import type { ColumnDefinitionBuilder } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('period_metric_current')
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('consultant_id', t.ref, notNull)
    // The sponsor at the end of the period (whose legs and active directs this consultant counts in).
    .addColumn('sponsor_id', t.ref)
    .addColumn('personal_volume_u', t.bigint, notNull) // points in millionths
    .addColumn('group_volume_u', t.bigint, notNull)
    .addColumn('personal_premium', t.money, notNull)
    .addColumn('new_policies', t.int, notNull)
    .addColumn('active_directs', t.int, notNull)
    .addColumn('legs', t.int, notNull)
    .addColumn('is_active', t.int, notNull) // 1 active, 0 not (no boolean columns: Oracle)
    .addColumn('is_qualified', t.int, notNull)
    .addColumn('career_level', t.text(40), notNull)
    .addColumn('paid_level', t.text(40), notNull)
    // Personal and structural (differential and generation) commission of the period, as in force.
    .addColumn('personal_commission', t.money, notNull)
    .addColumn('structural_commission', t.money, notNull)
    // When the inputs were read: the state a later correction compares its causes against.
    .addColumn('known_at', t.timestamp, notNull)
    .addPrimaryKeyConstraint('period_metric_current_pk', ['period_code', 'consultant_id'])
    .execute();
  // A bounded recalculation reads the ledger's lines of the reach by source: a sale's lines by its
  // payment, a consultant's bonuses by the consultant, a lapsed policy's chargebacks by the policy.
  await db.schema
    .createIndex('accrual_source_ix')
    .on('accrual')
    .columns(['source_kind', 'source_id'])
    .execute();
}
