/**
 * One process owns the embedded database. With `ecspert serve` running on a data folder, a CLI
 * `period calculate` on the same folder used to report its lines and exit 0, and the posting was gone
 * once the server stopped: each process worked on its own copy. Now the second process is refused
 * with one line naming the first and what to do; the folder is free again when the owner stops, and a
 * lock left by a process killed with -9 is taken over.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/private-postgres';

const bin = path.resolve(__dirname, '../../bin/ecspert.js');

function env(dataDir: string, extra: Record<string, string> = {}) {
  return {
    PATH: process.env.PATH ?? '',
    ECSPERT_FROM: 'sources',
    HOME: os.tmpdir(),
    ECSPERT_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

function ecspertSync(args: string[], dataDir: string) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: env(dataDir),
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

async function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--no-schedules'], {
    env: env(dataDir, { PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const started = Date.now();
  while (!/is ready in/.test(output)) {
    if (child.exitCode !== null) throw new Error(`ecspert serve exited early:\n${output}`);
    if (Date.now() - started > 120_000) throw new Error(`not ready after 120 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: `http://127.0.0.1:${port}` };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const exited = (child: ChildProcess) =>
  child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

describe('two processes on one embedded database', () => {
  let dataDir: string;
  let lockFile: string;
  const children: ChildProcess[] = [];

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-lock-'));
    lockFile = path.join(dataDir, 'db.lock');
    const migrated = ecspertSync(['db', 'migrate'], dataDir);
    if (migrated.status !== 0) throw new Error(`db migrate failed: ${migrated.stderr}`);
  }, 150_000);

  afterAll(() => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a CLI command while serve runs is refused with one line naming the server and what to do', async () => {
    const server = await serve(dataDir);
    children.push(server.child);

    const second = ecspertSync(['period', 'calculate', '2026-01'], dataDir);
    const refusal =
      `ecspert: the embedded database ${path.join(dataDir, 'db')} is in use by process ${server.child.pid} ` +
      `(ecspert serve, since SINCE): stop that process first, or use its API at ${server.url}, ` +
      'or set DATABASE_URL to a PostgreSQL database that several processes can share';
    expect({ status: second.status, stdout: second.stdout, stderr: second.stderr.split('\n') }).toEqual({
      status: 1,
      stdout: '',
      stderr: [expect.stringMatching(new RegExp(`^${escape(refusal).replace('SINCE', '[-0-9T:.]+Z')}$`))],
    });
    const owner = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    expect(owner).toMatchObject({ pid: server.child.pid, api: server.url, command: 'ecspert serve' });
    expect(second.stderr).toContain(`since ${owner.since})`);
    // The server did not notice anything.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    // Once it stops, the folder is free again.
    server.child.kill('SIGINT');
    expect(await exited(server.child)).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);
    const after = ecspertSync(['db', 'status'], dataDir);
    expect(after.stderr).toBe('');
    expect(after.status).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 200_000);

  it('a lock left by a server killed with -9 is taken over', async () => {
    const server = await serve(dataDir);
    children.push(server.child);
    server.child.kill('SIGKILL');
    await exited(server.child);
    // kill -9 leaves the lock file behind, naming a process that no longer runs.
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8')).pid).toBe(server.child.pid);

    const next = ecspertSync(['db', 'status'], dataDir);
    expect(next.stderr).toBe('');
    expect(next.status).toBe(0);
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 200_000);
});
