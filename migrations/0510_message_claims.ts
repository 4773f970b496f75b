/**
 * Claiming messages (issue 9): processors find the inbound messages still waiting by direction and
 * status, then claim each with a row lock, so that listing them stays cheap as the store grows.
 */
import type { MigrationContext } from '../src/db/migrator';

export async function up({ db }: MigrationContext): Promise<void> {
  await db.schema
    .createIndex('exchange_message_waiting_ix')
    .on('exchange_message')
    .columns(['direction', 'status'])
    .execute();
}
