/**
 * The process the chunked-store crash test kills: migrates the database, then stores one inbound
 * message from a slow stream of `chunks` chunks of 1,000 bytes (chunk size 1,000), printing
 * `chunk <n>` as each piece is handed to the store, then `done <id>`.
 *   node -r tsx/cjs test/exchange/message-store/store-child.ts pglite <dataDir> <chunks>
 *   node -r tsx/cjs test/exchange/message-store/store-child.ts postgres <schema> <chunks>   (DATABASE_URL names the server)
 */
import { type Database, migrate, openDatabase } from '../../../src/db';
import { storeMessage } from '../../../src/exchange/message-store';

async function main(): Promise<void> {
  const [engine, where, chunks] = process.argv.slice(2);
  const database: Database =
    engine === 'pglite'
      ? await openDatabase({ engine: 'pglite', dataDir: where })
      : await openDatabase(
          { engine: 'postgres', url: process.env.DATABASE_URL! },
          { searchPath: where, poolSize: 2 },
        );
  await migrate(database.db, database.dialect);
  const existing = await database.db
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', 'DNIPRO_LIFE')
    .executeTakeFirst();
  if (!existing)
    await database.db
      .insertInto('insurer')
      .values({ code: 'DNIPRO_LIFE', name: 'Дніпро Лайф', created_at: new Date('2025-01-01') })
      .execute();
  async function* slow() {
    for (let n = 1; n <= Number(chunks); n++) {
      process.stdout.write(`chunk ${n}\n`);
      yield Buffer.alloc(1000, n % 256);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const { message } = await storeMessage(
    database,
    {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      direction: 'inbound',
      messageType: 'contracts',
      externalName: 'CONTRACTS_20261002.csv',
      payload: slow(),
    },
    new Date(),
    { chunkBytes: 1000 },
  );
  process.stdout.write(`done ${message.id}\n`);
  await database.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
