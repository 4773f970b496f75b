/**
 * A PostgreSQL server of the test's own, to stop and start mid-test (outages, restarts), never the
 * shared one on 5432 that other suites use. It is initdb'd in a temp folder, listens on a free port
 * of 127.0.0.1 with trust auth, and runs as the `postgres` OS user when we are root (PostgreSQL
 * refuses to run as root).
 *
 *     const describeIf = privatePostgresAvailable('outage suite') ? describe : describe.skip;
 *     describeIf('…', () => {
 *       let pg: PrivatePostgres;
 *       beforeAll(async () => (pg = await startPrivatePostgres()));
 *       … DATABASE_URL = pg.url …
 *     await pg.stop();              // the database goes away (connections are cut)
 *     await pg.start();             // and comes back on the same port, with the same data
 *     await pg.destroy();           // stops it and removes the folder
 *
 * privatePostgresAvailable() tells synchronously (so a suite can skip) whether this machine has the
 * server binaries and a user to run them as: when not, it prints one line, or throws under CI=true.
 * Once it said yes, a server that fails to start fails the suite.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** e.g. postgres://postgres@127.0.0.1:54023/postgres */
  readonly url: string;
  readonly port: number;
  /** The cluster's folder (PGDATA). */
  readonly dataDir: string;
  /** Whether the server is running (as far as this helper started/stopped it). */
  readonly running: boolean;
  /**
   * Stops the server. `immediate` (default) cuts every connection at once, as a crash or a pulled
   * cable would look to clients; `fast` rolls back and disconnects cleanly.
   */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Runs SQL through psql as the superuser; returns psql's unaligned output. */
  psql(sqlText: string, database?: string): Promise<string>;
  /** Stops the server and removes its folder. Idempotent. */
  destroy(): Promise<void>;
}

/** Where Debian keeps the server binaries; PG_BIN overrides. */
export function postgresBinDir(): string | null {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return null;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary, as `postgres` when we are root. */
async function asPostgres(bin: string, args: string[], timeoutMs = 60_000): Promise<string> {
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const { stdout } = await run(file, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

/** Why a private server cannot run here, or null when it can. */
function missing(): string | null {
  const bin = postgresBinDir();
  if (!bin)
    return 'no PostgreSQL server binaries (install postgresql, or set PG_BIN to the folder holding pg_ctl)';
  if (!fs.existsSync(path.join(bin, 'initdb'))) return `no initdb in ${bin}`;
  if (isRoot()) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no postgres user to run the server as';
    }
  }
  return null;
}

/**
 * True when a private server can run here. Otherwise prints one line naming the suite and why, so it
 * skips, or throws under CI=true, where nothing may skip.
 */
export function privatePostgresAvailable(suite: string): boolean {
  const why = missing();
  if (!why) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but a private PostgreSQL cannot run (${why}): ${suite} cannot be skipped in CI`);
  console.log(`${suite} skipped: a private PostgreSQL cannot run here (${why})`);
  return false;
}

/** initdb + pg_ctl start of a fresh cluster on a free port; throws when it cannot start. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(missing() ?? 'no PostgreSQL server binaries');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  const logFile = path.join(root, 'server.log');
  fs.mkdirSync(socketDir);
  fs.chmodSync(root, 0o755);
  if (isRoot()) {
    await run('chown', ['-R', 'postgres', root]);
  }
  const port = await freePort();
  await asPostgres(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '--no-instructions',
    '-E',
    'UTF8',
  ]);
  fs.appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${socketDir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'shared_buffers = 16MB',
      'max_connections = 40',
      '',
    ].join('\n'),
  );
  let running = false;
  const pgCtl = (args: string[]) => asPostgres(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
  const cluster: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    get running() {
      return running;
    },
    async start() {
      if (running) return;
      await pgCtl(['-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop(mode = 'immediate') {
      if (!running) return;
      await pgCtl(['-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async psql(sqlText, database = 'postgres') {
      const { stdout } = await run(
        path.join(bin, 'psql'),
        ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', database, '-XAtq', '-c', sqlText],
        { timeout: 60_000 },
      );
      return stdout.trim();
    },
    async destroy() {
      await cluster.stop('immediate').catch(() => undefined);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await cluster.start();
  } catch (error) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').trim().split('\n').pop() : '';
    fs.rmSync(root, { recursive: true, force: true });
    throw new Error(`${(error as Error).message.split('\n')[0]}${log ? `: ${log}` : ''}`);
  }
  return cluster;
}
