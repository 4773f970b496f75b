/**
 * Why an endpoint of `npm run bench:api` is slow: calls the services behind the measured routes once
 * on the benchmark's database (kept with `npm run bench:api -- --keep`), records every SQL statement
 * they send, and prints each with its time and PostgreSQL's EXPLAIN (ANALYZE, BUFFERS).
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/api-explain.ts [K-000191] [--all-plans]
 *
 * Without --all-plans only statements taking 5 ms or more get their plan printed.
 */
import pg from 'pg';
import { listAccruals } from '../back-office/compensation';
import { consultantCard } from '../back-office/consultant-card';
import { relativesPage } from '../back-office/network';
import { listPolicies } from '../back-office/policies';
import { openDatabase } from '../src/db';
import { listMessages } from '../src/exchange/message-store';

const args = process.argv.slice(2);
const code = args.find((a) => !a.startsWith('--')) ?? 'K-000191';
const allPlans = args.includes('--all-plans');

interface Sent {
  text: string;
  values: unknown[];
}
let recording: Sent[] | null = null;
const original = pg.Client.prototype.query as (...a: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
  const [text, values] = a as [unknown, unknown];
  if (recording && typeof text === 'string') recording.push({ text, values: (values as unknown[]) ?? [] });
  return original.apply(this, a);
} as typeof pg.Client.prototype.query;

async function main(): Promise<void> {
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = '/bench_api';
  const database = await openDatabase({ engine: 'postgres', url: url.toString() }, { poolSize: 1 });
  const explainer = new pg.Client({ connectionString: url.toString() });
  await explainer.connect();
  const id = Number(
    (await explainer.query('select id from consultant where code = $1', [code])).rows[0]?.id ?? 0,
  );
  if (!id) throw new Error(`no consultant ${code} in bench_api (run npm run bench:api -- --keep first)`);
  const today = new Date().toISOString().slice(0, 10);
  const cases: [string, () => Promise<unknown>][] = [
    [
      'policies by consultant',
      () => listPolicies(database, { consultant: code, page: 1, pageSize: 50 } as never),
    ],
    ['downline', () => relativesPage(database, code, 'downline', today, { offset: 0, limit: 50 })],
    [
      'accruals of 2026-03 (one consultant)',
      () => listAccruals(database, { periodCode: '2026-03', consultantId: id, limit: 50 }),
    ],
    ['messages', () => listMessages(database, {}, { page: 1, pageSize: 50 })],
    ['consultant card', () => consultantCard(database, code, today)],
  ];
  for (const [name, call] of cases) {
    await call(); // warm the caches
    recording = [];
    const t = performance.now();
    await call();
    const total = performance.now() - t;
    const sent = recording;
    recording = null;
    console.log(`\n=== ${name} (${code}): ${total.toFixed(1)} ms in ${sent.length} statement(s)`);
    for (const s of sent) {
      if (!/^\s*(select|with)/i.test(s.text)) continue;
      const plan = (await explainer.query(`explain (analyze, buffers) ${s.text}`, s.values)).rows.map(
        (r) => r['QUERY PLAN'],
      );
      const ms = Number(/Execution Time: ([\d.]+)/.exec(plan.join('\n'))?.[1] ?? 0);
      console.log(`\n--- ${ms.toFixed(1)} ms: ${s.text.replace(/\s+/g, ' ').slice(0, 400)}`);
      if (allPlans || ms >= 5) console.log(plan.map((l) => `    ${l}`).join('\n'));
    }
  }
  await explainer.end();
  await database.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
