/**
 * Indexes that hold everything a walk of the sponsor tree reads, found with bench/api-explain.ts on
 * 100,000 consultants (a downline of 1,000: the walk read ~4,000 pages, four per step, the index and
 * then the row for valid_to, recorded_at and the recruit's id):
 *
 * - down, by sponsor: the step from a consultant to their recruits as of a date and as known at a
 *   moment (back-office/network/network-repository.ts treeBelow, the scope of a consultant);
 * - up, by consultant: the step from a consultant to their sponsor (uplineAsOf).
 *
 * With every column the step tests and returns in the index, PostgreSQL answers a step from the
 * index alone (an index-only scan where the table is vacuumed). Plain column lists, so the same DDL
 * is valid on Oracle.
 */
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('consultant_sponsor_walk_down_ix')
    .on('consultant_sponsor')
    .columns(['sponsor_id', 'superseded_at', 'valid_from', 'valid_to', 'recorded_at', 'consultant_id'])
    .execute();
  await db.schema
    .createIndex('consultant_sponsor_walk_up_ix')
    .on('consultant_sponsor')
    .columns(['consultant_id', 'superseded_at', 'valid_from', 'valid_to', 'recorded_at', 'sponsor_id'])
    .execute();
  // The narrower index the first is a prefix-extension of: one index per walk is enough to keep up to date.
  await db.schema.dropIndex('consultant_sponsor_down_ix').execute();
}
