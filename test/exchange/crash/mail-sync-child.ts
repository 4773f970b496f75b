/**
 * The process the mail crash test kills: syncs the insurer's mailbox into the message store of a
 * PostgreSQL schema, printing `stored <n>` after each mail, then `done <n>`. It waits `delayMs` after
 * each mail, as a slow link would, so that the kill lands in the middle of the mailbox.
 *   node -r tsx/cjs test/exchange/crash/mail-sync-child.ts <schema> <insurerId> <host> <port> <user> <password> <delayMs>
 * DATABASE_URL names the server.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { openDatabase } from '../../../src/db';
import { pullNew } from '../../../src/exchange/transports';
import { insurerMailbox, storeMail } from '../support/mailbox-sync';

async function main(): Promise<void> {
  const [schema, insurerId, host, port, user, password, delayMs] = process.argv.slice(2);
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set('application_name', `mail-child-${schema}`);
  const database = await openDatabase(
    { engine: 'postgres', url: url.toString() },
    { searchPath: schema, poolSize: 2 },
  );
  const channel = insurerMailbox(database, Number(insurerId), {
    host,
    port: Number(port),
    user,
    password,
  });
  let stored = 0;
  await pullNew(channel, async (item) => {
    await storeMail(database, item);
    stored += 1;
    process.stdout.write(`stored ${stored}\n`);
    await wait(Number(delayMs));
  });
  process.stdout.write(`done ${stored}\n`);
  await channel.close();
  await database.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
