/**
 * Indexes for two API reads that `npm run bench:api` found reading whole tables (EXPLAIN in
 * bench/api-explain.ts):
 *
 * - the message store, newest first (`GET /api/exchange/messages`, `ecspert message list`), sorts
 *   by received_at, id: without an index every page read and sorted every stored message
 *   (100,000 messages: a parallel seq scan and top-N sort, ~100–200 ms a page);
 * - a consultant's accruals by period (the consultant card's totals, a consultant's own lines)
 *   asked for `consultant_id = ? and period_code <= ?`: the (period_code, consultant_id) index
 *   could only be range-scanned over every period's lines, so the card got slower with every
 *   period calculated (one period of 100,000 consultants: 745 index pages for one consultant).
 */
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('exchange_message_received_ix')
    .on('exchange_message')
    .columns(['received_at', 'id'])
    .execute();
  await db.schema
    .createIndex('accrual_consultant_ix')
    .on('accrual')
    .columns(['consultant_id', 'period_code'])
    .execute();
}
