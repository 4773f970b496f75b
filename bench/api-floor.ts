/**
 * The floor beside `npm run bench:api`: the same pages as the API's read endpoints, each by bare
 * indexed SQL through a bare fastify route (one pg pool the size of the app's, no login, no schema
 * validation, no service layer), so a reader sees how far an endpoint is from what this machine and
 * database can do at all. Started by bench/api.ts as a child process:
 *
 *   DATABASE_URL=postgres://…/bench_api PORT=… node --import tsx bench/api-floor.ts
 *   DATABASE_URL=pglite:<folder> PORT=… node --import tsx bench/api-floor.ts   (the embedded database)
 *
 * Routes (all GET, JSON):
 *   /floor/policies?consultant=K-…       the consultant's policies in effect today, first page by number, and their count
 *   /floor/downline?consultant=K-…       everyone below the consultant today, first page by generation and code, and the count
 *   /floor/accruals?period=…[&consultantId=N]  the period's posted ledger lines, first page by run and line
 *   /floor/messages                      the stored messages, newest first, first page, and the count
 *   /floor/card?consultant=K-…           the consultant, careers, sponsor, upline, direct downline, downline count, policy count, period totals
 */
import { PGlite } from '@electric-sql/pglite';
import fastify from 'fastify';
import pg from 'pg';

const PAGE = 50;
const url = process.env.DATABASE_URL ?? '';
// `pglite:<folder>`: the embedded database, opened bare (the API server has stopped by then).
const embedded = url.startsWith('pglite:') ? new PGlite({ dataDir: url.slice('pglite:'.length) }) : null;
const pool = embedded ? null : new pg.Pool({ connectionString: url, max: 10 });
const app = fastify({ logger: false });
const today = () => new Date().toISOString().slice(0, 10);
const NOW = "timestamp '9999-12-31 00:00:00'";

const rows = async (text: string, values: unknown[]): Promise<any[]> =>
  embedded ? (await embedded.query(text, values)).rows : (await pool!.query(text, values)).rows;

app.get<{ Querystring: { consultant: string } }>('/floor/policies', async (request) => {
  const day = today();
  const where = `from policy_version pv join policy p on p.id = pv.policy_id
     where pv.consultant_id = (select id from consultant where code = $1) and pv.valid_from <= $2
       and not exists (select 1 from policy_version n where n.policy_id = pv.policy_id and n.valid_from <= $2
                       and (n.valid_from, n.version_no) > (pv.valid_from, pv.version_no))`;
  const [items, total] = await Promise.all([
    rows(
      `select p.id, p.number, pv.status, pv.issued_on, pv.annual_premium ${where} order by p.number limit ${PAGE}`,
      [request.query.consultant, day],
    ),
    rows(`select count(*)::int as n ${where}`, [request.query.consultant, day]),
  ]);
  return { items, total: total[0].n };
});

const downline = `with recursive d(id, depth) as (
    select s.consultant_id, 1 from consultant_sponsor s
     where s.sponsor_id = (select id from consultant where code = $1)
       and s.superseded_at = ${NOW} and s.valid_from <= $2 and s.valid_to > $2
    union all
    select s.consultant_id, d.depth + 1 from d join consultant_sponsor s on s.sponsor_id = d.id
     and s.superseded_at = ${NOW} and s.valid_from <= $2 and s.valid_to > $2)`;
app.get<{ Querystring: { consultant: string } }>('/floor/downline', async (request) => {
  const found = await rows(
    `${downline} select c.code, c.full_name, d.depth, count(*) over () as total
       from d join consultant c on c.id = d.id order by d.depth, c.code limit ${PAGE}`,
    [request.query.consultant, today()],
  );
  return { items: found, total: found.length ? Number(found[0].total) : 0 };
});

app.get<{ Querystring: { period: string; consultantId?: string } }>('/floor/accruals', async (request) => {
  const { period, consultantId } = request.query;
  const items = await rows(
    `select a.*, c.code as consultant_code from accrual a join calculation_run r on r.id = a.run_id
       join consultant c on c.id = a.consultant_id
      where a.period_code = $1 and r.status = 'posted' ${consultantId ? 'and a.consultant_id = $2' : ''}
      order by a.run_id, a.line_no limit ${PAGE}`,
    consultantId ? [period, Number(consultantId)] : [period],
  );
  return { items };
});

app.get('/floor/messages', async () => {
  const [items, total] = await Promise.all([
    rows(
      `select id, insurer_id, channel, direction, message_type, external_name, sha256, size_bytes, status, received_at
         from exchange_message order by id desc limit ${PAGE}`,
      [],
    ),
    rows('select count(*)::int as n from exchange_message', []),
  ]);
  return { items, total: total[0].n };
});

app.get<{ Querystring: { consultant: string } }>('/floor/card', async (request) => {
  const day = today();
  const [consultant] = await rows('select * from consultant where code = $1', [request.query.consultant]);
  if (!consultant) return { error: 'not_found' };
  const id = consultant.id;
  const current = `superseded_at = ${NOW} and valid_from <= $2 and valid_to > $2`;
  const [careers, sponsor, direct, policies, accruals] = await Promise.all([
    rows(
      `select * from consultant_career where consultant_id = $1 and superseded_at = ${NOW} order by valid_from`,
      [id],
    ),
    rows(`select * from consultant_sponsor where consultant_id = $1 and ${current}`, [id, day]),
    rows(
      `select c.code, c.full_name from consultant_sponsor s join consultant c on c.id = s.consultant_id
        where s.sponsor_id = $1 and s.${current.replace(/ and /g, ' and s.')} order by c.code limit ${PAGE}`,
      [id, day],
    ),
    rows('select count(*)::int as n from policy_version where consultant_id = $1', [id]),
    rows(
      `select a.period_code, sum(a.amount) as total, count(*) as n from accrual a join calculation_run r on r.id = a.run_id
        where a.consultant_id = $1 and r.status = 'posted' and a.period_code <= $2 group by a.period_code order by a.period_code`,
      [id, day.slice(0, 7)],
    ),
  ]);
  const upline = await rows(
    `with recursive u(id, depth) as (
        select sponsor_id, 1 from consultant_sponsor where consultant_id = $1 and ${current}
        union all
        select s.sponsor_id, u.depth + 1 from u join consultant_sponsor s on s.consultant_id = u.id
         and s.${current.replace(/ and /g, ' and s.')} where s.sponsor_id is not null)
      select c.code, c.full_name, u.depth from u join consultant c on c.id = u.id order by u.depth`,
    [id, day],
  );
  // The card counts the whole downline, as the API's does.
  const [downlineTotal] = await rows(`${downline} select count(*)::int as n from d`, [
    request.query.consultant,
    day,
  ]);
  return {
    consultant,
    careers,
    sponsor,
    upline,
    direct,
    totalDownline: downlineTotal.n,
    policies: policies[0].n,
    accruals,
  };
});

app
  .listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) })
  .then((address) => console.log(`floor listening at ${address}`))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(
    signal,
    () =>
      void app.close().then(() => (embedded ? embedded.close() : pool!.end()).then(() => process.exit(0))),
  );
