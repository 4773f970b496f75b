/**
 * The process the crash test kills: processes one stored message in a schema of PostgreSQL and prints
 * `progress <rows>` lines while it reads and applies, then `done <status>`.
 *   node -r tsx/cjs test/exchange/crash/process-child.ts <schema> <messageId>
 * DATABASE_URL names the server.
 */
import { openDatabase } from '../../../src/db';
import { processMessage } from '../../../src/exchange/pipeline';

async function main(): Promise<void> {
  const [schema, messageId] = process.argv.slice(2);
  const url = new URL(process.env.DATABASE_URL!);
  url.searchParams.set('application_name', `crash-child-${schema}`);
  const database = await openDatabase(
    { engine: 'postgres', url: url.toString() },
    { searchPath: schema, poolSize: 2 },
  );
  const report = await processMessage({ database, secretsDir: __dirname }, Number(messageId), {
    chunkSize: 1000,
    onProgress: ({ rows, done }) => {
      if (!done) process.stdout.write(`progress ${rows}\n`);
    },
  });
  process.stdout.write(`done ${report.status}\n`);
  await database.close();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
