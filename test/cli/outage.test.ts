/**
 * `ecspert serve`, `ecspert worker` and a CLI command through a real database outage: a private
 * PostgreSQL is stopped under them (`pg_ctl -m immediate`) and started again. The server and the
 * worker keep running; /health reports the database down and up again; requests meanwhile get a quick
 * 503 with Retry-After, and the server serves again by itself. A command cut short prints one line.
 *
 * To have a statement in flight at the moment of the outage, a psql session holds a table lock the
 * statement waits for.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import {
  freePort,
  postgresBinDir,
  type PrivatePostgres,
  privatePostgresAvailable,
  startPrivatePostgres,
} from '../support/private-postgres';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');
const describeIf = privatePostgresAvailable('ecspert through a database outage') ? describe : describe.skip;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  probe: () => Promise<T | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
}

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function ecspert(args: string[], env: Record<string, string>): Running {
  const child = spawn(process.execPath, [bin, ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      ECSPERT_FROM: 'sources',
      HOME: os.tmpdir(),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** A psql session that holds an exclusive lock on `table` until the server goes away. */
function holdLock(pg: PrivatePostgres, table: string, database = 'postgres'): ChildProcess {
  const psql = path.join(postgresBinDir()!, 'psql');
  const child = spawn(
    psql,
    [
      ...['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-d', database, '-Xq', '-c'],
      `begin; lock table ${table} in access exclusive mode; select pg_sleep(600);`,
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => undefined);
  return child;
}

const lockWaiters = async (pg: PrivatePostgres) =>
  Number(await pg.psql(`select count(*) from pg_stat_activity where wait_event_type = 'Lock'`));

describeIf('ecspert through a PostgreSQL outage', () => {
  let pg: PrivatePostgres;
  /** An API token of a user made with the CLI, as a program calling the API has one. */
  let auth: { authorization: string };

  beforeAll(async () => {
    pg = await startPrivatePostgres();
    const migrated = spawnSync(process.execPath, [bin, 'db', 'migrate'], {
      env: { PATH: process.env.PATH ?? '', ECSPERT_FROM: 'sources', HOME: os.tmpdir(), DATABASE_URL: pg.url },
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (migrated.status !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
    const cli = (...args: string[]) => {
      const result = spawnSync(process.execPath, [bin, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          ECSPERT_FROM: 'sources',
          HOME: os.tmpdir(),
          DATABASE_URL: pg.url,
        },
        encoding: 'utf8',
        timeout: 120_000,
      });
      if (result.status !== 0) throw new Error(`ecspert ${args.join(' ')} failed: ${result.stderr}`);
      return result.stdout;
    };
    cli('user', 'add', 'monitor', '--role', 'integration');
    const token = /^ecs_\S+$/m.exec(cli('user', 'token', 'monitor', '--name', 'outage test'))![0];
    auth = { authorization: `Bearer ${token}` };
  }, 180_000);

  afterAll(async () => {
    await pg?.destroy();
  });

  it('serve and a worker keep running: /health says down, requests get a quick 503, and it serves again by itself', async () => {
    const port = await freePort();
    const server = ecspert(['serve'], { DATABASE_URL: pg.url, PORT: String(port) });
    const worker = ecspert(['worker'], { DATABASE_URL: pg.url });
    const url = `http://127.0.0.1:${port}`;
    try {
      await until('serve is ready', async () => {
        if (server.child.exitCode !== null) throw new Error(`serve exited:\n${server.output()}`);
        return /is ready in/.test(server.output());
      });
      await until('the worker is ready', async () => /worker taking/.test(worker.output()));
      expect((await fetch(`${url}/health`)).status).toBe(200);
      expect((await fetch(`${url}/api/insurers`, { headers: auth })).status).toBe(200);

      // A request in flight when the database goes away: its statement waits on a lock.
      const locker = holdLock(pg, 'insurer');
      await until('the lock is held', async () => (await lockWaiters(pg)) === 0 && locker.pid !== undefined);
      await sleep(300);
      const inFlight = fetch(`${url}/api/insurers`, { headers: auth });
      await until('the request waits on the lock', async () => (await lockWaiters(pg)) >= 1);

      const stoppedAt = Date.now();
      await pg.stop('immediate');
      const cut = await inFlight;
      expect(cut.status).toBe(503);
      expect(cut.headers.get('retry-after')).toBe('5');
      expect(await cut.json()).toMatchObject({ error: 'database_unavailable' });

      const downReport = await until('/health reports the database down', async () => {
        const response = await fetch(`${url}/health`);
        return response.status === 503 ? { body: await response.json(), at: Date.now() } : null;
      });
      const downAfterMs = downReport.at - stoppedAt;
      expect(downReport.body).toMatchObject({
        status: 'degraded',
        failing: ['database'],
        database: {
          engine: 'postgres',
          ok: false,
          problem: expect.any(String),
          downSince: expect.any(String),
        },
      });

      // Work is refused at once, not after a connect timeout.
      const asked = Date.now();
      const refused = await fetch(`${url}/api/insurers`, { headers: auth });
      const refusedInMs = Date.now() - asked;
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect(await refused.json()).toEqual({
        error: 'database_unavailable',
        message: expect.stringMatching(/^the database is not answering/),
      });
      expect(refusedInMs).toBeLessThan(500);

      // A while without the database: the schedules, the pools and the worker must not give up.
      await sleep(3000);
      expect(server.child.exitCode).toBeNull();
      expect(worker.child.exitCode).toBeNull();

      const startedAt = Date.now();
      await pg.start();
      const upAt = await until('/health reports the database up', async () =>
        (await fetch(`${url}/health`)).status === 200 ? Date.now() : null,
      );
      const upAfterMs = upAt - startedAt;
      const back = await fetch(`${url}/api/insurers`, { headers: auth });
      expect(back.status).toBe(200);
      expect(await back.json()).toMatchObject({ total: expect.any(Number) });
      await until(
        'the worker sees it back',
        async () => /database answers again/.test(worker.output()),
        5000,
      );

      console.log(
        `/health reported the database down ${downAfterMs} ms after it stopped, up ${upAfterMs} ms after it started; a request meanwhile was refused in ${refusedInMs} ms`,
      );
      expect(server.output()).toMatch(/database stopped answering/);
      expect(server.output()).toMatch(/database answers again after/);
      expect(worker.output()).toMatch(/database stopped answering/);
      expect(server.output()).not.toMatch(/Unhandled 'error' event|\n\s+at /);
      expect(worker.output()).not.toMatch(/Unhandled 'error' event|\n\s+at /);

      server.child.kill('SIGINT');
      worker.child.kill('SIGINT');
      expect(await server.exited).toBe(0);
      expect(await worker.exited).toBe(0);
    } finally {
      for (const p of [server, worker]) if (p.child.exitCode === null) p.child.kill('SIGKILL');
      await pg.start();
    }
  }, 120_000);

  it('a command cut short by the outage prints one line and exits 75', async () => {
    await pg.psql('create database cut_short');
    const url = pg.url.replace(/\/postgres$/, '/cut_short');
    const migrated = spawnSync(process.execPath, [bin, 'db', 'migrate'], {
      env: { PATH: process.env.PATH ?? '', ECSPERT_FROM: 'sources', HOME: os.tmpdir(), DATABASE_URL: url },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(migrated.status).toBe(0);
    // The seed's first look at the consultants waits on the lock while the database goes away.
    const locker = holdLock(pg, 'consultant', 'cut_short');
    await sleep(500);
    const seed = ecspert(['demo', 'seed'], { DATABASE_URL: url });
    try {
      await until('the seed waits on the lock', async () => (await lockWaiters(pg)) >= 1, 60_000);
      await pg.stop('immediate');
      expect(await seed.exited).toBe(75);
      const lines = seed.output().trim().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(
          /^ecspert: the database stopped answering \(.+\); what was not committed was rolled back: run the command again once the database is back$/,
        ),
      ]);
    } finally {
      if (seed.child.exitCode === null) seed.child.kill('SIGKILL');
      locker.kill('SIGKILL');
      await pg.start();
    }
  }, 120_000);
});
