/**
 * Which real services and tools this machine offers to the tests. A suite whose service is missing
 * is reported as skipped (never as passed) after one line saying why; under CI=true a missing
 * service fails the run instead, since nothing may skip in CI.
 *
 * The checks are synchronous so a suite decides at collection time, before any test body runs:
 *   describeWhen(redisAnswers(), 'BullMQ job queue', `no Redis at ${redisUrl}`)('…', () => { … })
 *   describeWithRedis('BullMQ job queue')('…', () => { … })
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import net from 'node:net';

export const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

/**
 * Whether Redis at `url` answers PING (or asks for a password, which is an answer too), checked in
 * a child process so the answer is had synchronously.
 */
export function redisAnswers(url = redisUrl): boolean {
  const { hostname, port } = new URL(url);
  const script = `
    const s = require('node:net').connect(${Number(port || 6379)}, ${JSON.stringify(hostname)});
    s.setTimeout(1500, () => process.exit(1));
    s.on('error', () => process.exit(1));
    s.on('connect', () => s.write('PING\\r\\n'));
    s.on('data', (d) => process.exit(/PONG|NOAUTH/.test(String(d)) ? 0 : 1));`;
  return spawnSync(process.execPath, ['-e', script], { timeout: 3000, env: {} }).status === 0;
}

/** Whether `command` runs on this machine (e.g. `redis-server --version`). */
export function toolAvailable(command: string, args: string[] = ['--version']): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore', timeout: 5000 });
  return !result.error && result.status === 0;
}

const noted = new Set<string>();

/**
 * The verdict on one requirement: true to run; false after printing `<suite> skipped: <why>` once;
 * throws under CI=true.
 */
export function requirement(available: boolean, suite: string, why: string): boolean {
  if (available) return true;
  if (process.env.CI === 'true') throw new Error(`CI=true but ${suite} cannot run: ${why}`);
  const line = `${suite} skipped: ${why}`;
  if (!noted.has(line)) {
    noted.add(line);
    console.log(line);
  }
  return false;
}

/** `describe` when the requirement is met, else `describe.skip` (see `requirement`). */
export function describeWhen(available: boolean, suite: string, why: string): jest.Describe {
  return requirement(available, suite, why) ? describe : describe.skip;
}

/** `it` when the requirement is met, else `it.skip` (see `requirement`). */
export function itWhen(available: boolean, title: string, why: string): jest.It {
  return requirement(available, title, why) ? it : it.skip;
}

let redisVerdict: boolean | null = null;
/** Whether the shared Redis answers, checked once per test file. */
export function redisAvailable(): boolean {
  redisVerdict ??= redisAnswers(redisUrl);
  return redisVerdict;
}

/** `describe` for a suite that needs the Redis at REDIS_URL. */
export function describeWithRedis(suite: string): jest.Describe {
  return describeWhen(redisAvailable(), suite, `no Redis answers at ${redisUrl} (set REDIS_URL)`);
}

/** `describe` for a suite that starts Redis servers of its own (restarts, outages). */
export function describeWithRedisServer(suite: string): jest.Describe {
  return describeWhen(
    toolAvailable('redis-server'),
    suite,
    'the redis-server program is not installed (apt-get install -y redis-server)',
  );
}

/** A redis-server of a test's own, on a free port, keeping nothing on disk: it can be killed and restarted. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Kills it (SIGKILL, as a crash would) and starts it again empty on the same port. */
  restart(): Promise<void>;
  /** Kills it and leaves it down. */
  kill(): Promise<void>;
  /** Starts it again (empty) after kill(). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a private redis-server (`--save "" --appendonly no`); never the shared one on 6379. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      let output = '';
      started.once('error', reject);
      started.once('exit', (code) =>
        reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`)),
      );
      started.stdout!.on('data', (chunk) => {
        output += String(chunk);
        if (/Ready to accept connections/.test(output)) resolve();
      });
    });
    started.removeAllListeners('exit');
    started.stdout!.resume();
    child = started;
  };
  const kill = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    restart: async () => {
      await kill();
      await start();
    },
    stop: kill,
  };
}
