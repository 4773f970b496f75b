/**
 * A worker process for the kill-and-restart test: takes a recorded calculation job on PostgreSQL
 * (claims it and reports its first stage, as a real worker does), says so on stdout, and hangs
 * until it is killed.
 */
import { openDatabase } from '../../../src/db';
import { claimJobRecord, reportJobProgress } from '../../../src/jobs';

async function main() {
  const [url, schema, jobId] = process.argv.slice(2);
  const database = await openDatabase({ engine: 'postgres', url }, { searchPath: schema, poolSize: 1 });
  if (!(await claimJobRecord(database, jobId))) throw new Error(`job ${jobId} was not there to take`);
  await reportJobProgress(database, jobId, { stage: 'inputs', done: 0, total: null });
  process.stdout.write(`claimed ${process.pid}\n`);
  await new Promise(() => undefined); // the worker dies here
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
