/**
 * Acts of completed work: the per-year number sequence (one row per year, locked while a number is
 * taken so numbers are gapless under concurrent issuing), the issued acts with their totals and the
 * PDF as signed (bytes and sha256), their grouped lines and their withholding by tax and rate period.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('act_number_sequence')
    .addColumn('act_year', t.int, (c) => c.primaryKey())
    .addColumn('last_number', t.int, notNull) // the last number taken; the next act gets last_number + 1
    .addColumn('updated_at', t.timestamp, notNull)
    .execute();

  await db.schema
    .createTable('act')
    .addColumn('id', t.id, identity)
    .addColumn('act_number', t.text(20), (c) => c.notNull().unique()) // e.g. 2026/000123
    .addColumn('act_year', t.int, notNull)
    .addColumn('sequence_no', t.int, notNull)
    .addColumn('act_date', t.date, notNull)
    .addColumn('period_code', t.text(7), notNull)
    .addColumn('consultant_id', t.ref, (c) => c.notNull().references('consultant.id'))
    .addColumn('consultant_code', t.text(40), notNull) // as printed on the act
    .addColumn('consultant_name', t.text(300), notNull)
    .addColumn('tax_number', t.text(10))
    .addColumn('legal_form', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('legal_form')} in ('individual', 'sole_proprietor')`),
    )
    .addColumn('period_total', t.money, notNull)
    .addColumn('corrections_total', t.money, notNull)
    .addColumn('gross', t.money, notNull)
    .addColumn('pdfo', t.money, notNull)
    .addColumn('military_levy', t.money, notNull)
    .addColumn('withheld', t.money, notNull)
    .addColumn('net', t.money, notNull)
    .addColumn('accrual_count', t.int, notNull)
    .addColumn('pdf', t.bytes, notNull) // the document as issued, reprinted byte for byte
    .addColumn('pdf_sha256', t.text(64), notNull)
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('created_by', t.text(100))
    .addUniqueConstraint('act_year_seq_uq', ['act_year', 'sequence_no'])
    .addUniqueConstraint('act_consultant_period_uq', ['consultant_id', 'period_code'])
    .execute();
  await db.schema.createIndex('act_period_ix').on('act').column('period_code').execute();

  await db.schema
    .createTable('act_line')
    .addColumn('id', t.id, identity)
    .addColumn('act_id', t.ref, (c) => c.notNull().references('act.id'))
    .addColumn('line_no', t.int, notNull)
    .addColumn('section', t.text(20), (c) =>
      c.notNull().check(sql`${sql.ref('section')} in ('period', 'correction')`),
    )
    .addColumn('kind', t.text(20), notNull)
    .addColumn('accrual_period', t.text(7), notNull) // the act's period, or the corrected period
    .addColumn('accrual_count', t.int, notNull)
    .addColumn('amount', t.money, notNull)
    .execute();
  await db.schema.createIndex('act_line_ix').on('act_line').columns(['act_id', 'line_no']).execute();

  await db.schema
    .createTable('act_withholding')
    .addColumn('id', t.id, identity)
    .addColumn('act_id', t.ref, (c) => c.notNull().references('act.id'))
    .addColumn('tax_code', t.text(40), notNull) // pdfo, military_levy
    .addColumn('rate', t.rate, notNull) // percent
    .addColumn('rate_from', t.text(7), notNull) // the rate table row: first period
    .addColumn('rate_to', t.text(7)) // last period, inclusive; null while in force
    .addColumn('accrual_periods', t.text(2000), notNull) // comma-separated yyyy-mm
    .addColumn('base', t.money, notNull)
    .addColumn('amount', t.money, notNull)
    .execute();
  await db.schema.createIndex('act_withholding_ix').on('act_withholding').column('act_id').execute();
}
