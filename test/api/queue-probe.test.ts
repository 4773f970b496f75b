import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe, type QueueProbe } from '../../src/api';
import { openTestDatabase, type TestDatabase } from '../support/engines';
import { describeWithRedis, itWhen, redisUrl, toolAvailable } from '../support/services';
import { closedPort, memoryLogger, testConfig } from './support/api-harness';

let database: TestDatabase & { drop(): Promise<void> };
beforeAll(async () => {
  database = await openTestDatabase('pglite');
});
afterAll(async () => {
  await database?.drop();
});

async function apiWith(queue: QueueProbe): Promise<FastifyInstance> {
  return buildApi(
    { database, config: testConfig(), logger: memoryLogger().logger, queue },
    { ownsQueue: true },
  );
}

describe('queue probe in embedded mode', () => {
  it('is always reachable, having nothing to reach', async () => {
    const probe = createQueueProbe(null);
    expect(probe.mode).toBe('embedded');
    expect(await probe.ping()).toBe(true);
    await probe.close();
  });
});

describe('queue probe against a Redis that is not there', () => {
  // A refused connection is an answer: the probe says "down" on it, without waiting out its timeout.
  // The timeout is made long (20 s) so that waiting for it cannot be mistaken for answering at once,
  // however loaded the machine: the problem would read "no answer within 20000 ms" and the time
  // would pass the timeout.
  const refusedTimeoutMs = 20_000;
  it('answers false on a refused connection without waiting out its timeout, and /health says 503 degraded naming the queue', async () => {
    const { logger, lines } = memoryLogger();
    const probe = createQueueProbe(`redis://127.0.0.1:${await closedPort()}`, {
      logger,
      timeoutMs: refusedTimeoutMs,
    });
    const app = await apiWith(probe);
    try {
      const started = Date.now();
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(Date.now() - started).toBeLessThan(refusedTimeoutMs / 2);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toMatchObject({
        status: 'degraded',
        failing: ['queue'],
        database: { engine: 'pglite', ok: true },
        queue: { mode: 'redis', ok: false, problem: 'ECONNREFUSED' },
      });
      // Health checks every few seconds must not flood the log: one line when it goes away.
      expect(await probe.ping()).toBe(false);
      expect(await probe.ping()).toBe(false);
      expect(lines.filter((line) => line.msg === 'queue (Redis) unreachable')).toHaveLength(1);
    } finally {
      await app.close();
    }
  }, 40_000);

  it.each([
    'redis://:secret@127.0.0.1:PORT',
    'redis://default:secret@127.0.0.1:PORT',
    'redis://secret@127.0.0.1:PORT',
    'redis://127.0.0.1:PORT?password=secret',
  ])('never shows the password of %s in its log lines or on /health', async (form) => {
    const { logger, lines } = memoryLogger();
    const url = form.replace('PORT', String(await closedPort()));
    const probe = createQueueProbe(url, { logger });
    const app = await apiWith(probe);
    try {
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(503);
      expect(lines.map((line) => line.msg)).toContain('queue (Redis) unreachable');
      expect(response.body).not.toContain('secret');
      expect(JSON.stringify(lines)).not.toContain('secret');
      expect(lines.find((line) => line.msg === 'queue (Redis) unreachable')?.redis).toMatch(/\*\*\*/);
    } finally {
      await app.close();
    }
  });

  it('gives up on a server that accepts the connection but never answers, within its timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const timeoutMs = 1000;
    const probe = createQueueProbe(`redis://127.0.0.1:${port}`, { timeoutMs });
    const app = await apiWith(probe);
    try {
      const started = Date.now();
      const response = await app.inject({ method: 'GET', url: '/health' });
      const elapsed = Date.now() - started;
      expect(response.statusCode).toBe(503);
      expect(response.json().queue).toMatchObject({
        mode: 'redis',
        ok: false,
        problem: 'no answer within 1000 ms',
      });
      // It waited for its timeout (timers fire no earlier than asked; 50 ms for clock granularity),
      // and gave up then: a probe that never gave up would hang /health until the test times out.
      // The upper bound is the timeout with ample slack for a loaded machine (timers firing late).
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 50);
      expect(elapsed).toBeLessThan(timeoutMs * 10);
      expect(sockets.length).toBeGreaterThanOrEqual(1);
    } finally {
      await app.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  }, 30_000);
});

describeWithRedis('queue probe suite')('queue probe against the real Redis', () => {
  it('answers true and /health says ok with the queue in redis mode', async () => {
    const probe = createQueueProbe(redisUrl);
    const app = await apiWith(probe);
    try {
      expect(probe.mode).toBe('redis');
      const response = await app.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({
        status: 'ok',
        failing: [],
        queue: { mode: 'redis', ok: true },
      });
      expect(probe.problem).toBeNull();
    } finally {
      await app.close();
    }
    // The app owned the probe: it is closed now and says so instead of reconnecting.
    expect(await probe.ping()).toBe(false);
  });

  itWhen(
    toolAvailable('redis-server'),
    'queue probe restart test',
    'the redis-server program is not installed (apt-get install -y redis-server)',
  )('notices Redis going away and coming back, logging each change once', async () => {
    const port = await closedPort();
    const start = async (): Promise<ChildProcess> => {
      const child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        child.on('error', reject);
        child.stdout!.on('data', (chunk) => {
          if (/Ready to accept connections/.test(String(chunk))) resolve();
        });
      });
      return child;
    };
    const stop = async (child: ChildProcess) => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    };
    const { logger, lines } = memoryLogger();
    const probe = createQueueProbe(`redis://127.0.0.1:${port}`, { logger });
    let redis = await start();
    try {
      expect(await probe.ping()).toBe(true);
      await stop(redis);
      expect(await probe.ping()).toBe(false);
      expect(await probe.ping()).toBe(false);
      redis = await start();
      expect(await probe.ping()).toBe(true);
      expect(lines.map((line) => line.msg)).toEqual([
        'queue (Redis) unreachable',
        'queue (Redis) reachable again',
      ]);
    } finally {
      await probe.close();
      if (redis.exitCode === null) await stop(redis);
    }
  });
});
