/**
 * What an exchange remembers between runs, in the database: where each pull left off (cursors)
 * and which remote items were already fetched and stored.
 */
import type { Database } from '../../db';
import type { FetchedEntry, FetchedRegistry } from '../transports';

export class ExchangeCursors {
  constructor(
    private readonly database: Database,
    private readonly insurerId: number,
  ) {}

  async get(name: string): Promise<string | null> {
    const row = await this.database.db
      .selectFrom('exchange_cursor')
      .select('cursor_value')
      .where('insurer_id', '=', this.insurerId)
      .where('cursor_name', '=', name)
      .executeTakeFirst();
    return row?.cursor_value ?? null;
  }

  async set(name: string, value: string): Promise<void> {
    const updated = await this.database.db
      .updateTable('exchange_cursor')
      .set({ cursor_value: value, updated_at: new Date() })
      .where('insurer_id', '=', this.insurerId)
      .where('cursor_name', '=', name)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows ?? 0) > 0) return;
    await this.database.db
      .insertInto('exchange_cursor')
      .values({ insurer_id: this.insurerId, cursor_name: name, cursor_value: value, updated_at: new Date() })
      .execute();
  }
}

/** The fetched-items registry of a channel, kept in the database beside the messages themselves. */
export class DatabaseFetchedRegistry implements FetchedRegistry {
  constructor(
    private readonly database: Database,
    private readonly insurerId: number,
    private readonly channel: string,
  ) {}

  async has(key: string): Promise<boolean> {
    const row = await this.database.db
      .selectFrom('exchange_fetched_item')
      .select('id')
      .where('insurer_id', '=', this.insurerId)
      .where('channel', '=', this.channel)
      .where('version_key', '=', key)
      .executeTakeFirst();
    return !!row;
  }

  async add(entry: FetchedEntry): Promise<void> {
    if (await this.has(entry.key)) return;
    try {
      await this.database.db
        .insertInto('exchange_fetched_item')
        .values({
          insurer_id: this.insurerId,
          channel: this.channel,
          version_key: entry.key,
          fetched_at: entry.fetchedAt,
        })
        .execute();
    } catch (error) {
      if (!this.database.dialect.isUniqueViolation(error)) throw error;
    }
  }
}
