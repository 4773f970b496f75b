import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { Agent, request } from 'undici';
import { createQueueProbe, startServer } from '../../src/api';
import { bareDatabaseUrl, memoryLogger, openBareDatabase, testConfig } from './support/api-harness';

const ROOT = path.resolve(__dirname, '../..');

describe('startServer', () => {
  const agent = new Agent();
  afterAll(async () => {
    await agent.close();
  });

  it('listens on a free port, answers /health over HTTP, and close() closes the database too', async () => {
    const database = await openBareDatabase();
    const { logger, lines } = memoryLogger();
    const server = await startServer({
      config: testConfig({ port: 0 }),
      logger,
      database,
      queue: createQueueProbe(null),
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);

    const health = await request(`${server.url}/health`, { dispatcher: agent });
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toMatchObject({
      status: 'ok',
      database: { engine: database.dialect.engine, ok: true },
    });
    const docs = await request(`${server.url}/docs/json`, { dispatcher: agent });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(((await docs.body.json()) as { paths: object }).paths)).toContain('/api/insurers');
    expect(lines.some((line) => line.msg === `API listening at ${server.url}`)).toBe(true);

    await expect(server.close()).resolves.toBeUndefined();
    await expect(server.close()).resolves.toBeUndefined();
    const fresh = new Agent();
    await expect(request(`${server.url}/health`, { dispatcher: fresh })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await fresh.close();
    // The server owned the database: it is closed, not left open behind a stopped server.
    expect(await database.ping().catch(() => false)).toBe(false);
  });

  it('lets a request in flight finish before close() resolves', async () => {
    let entered!: () => void;
    let answeredAt = 0;
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    const slowRoutes: FastifyPluginAsync = async (app) => {
      app.get('/api/test/slow', { config: { permission: 'public' } }, async () => {
        entered();
        await new Promise((resolve) => setTimeout(resolve, 400));
        answeredAt = Date.now();
        return { done: true };
      });
    };
    const database = await openBareDatabase();
    const server = await startServer({
      config: testConfig({ port: 0 }),
      logger: memoryLogger().logger,
      database,
      queue: createQueueProbe(null),
      routes: [slowRoutes],
    });
    const inFlight = request(`${server.url}/api/test/slow`, { dispatcher: agent });
    await handlerEntered;
    const closeStarted = Date.now();
    const closing = server.close().then(() => Date.now());
    const response = await inFlight;
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ done: true });
    // The kept-alive connection is told to hang up, so close does not wait out the keep-alive timeout.
    expect(response.headers.connection).toBe('close');
    const closedAt = await closing;
    expect(answeredAt).toBeGreaterThan(0);
    expect(closedAt).toBeGreaterThanOrEqual(answeredAt);
    expect(closedAt - closeStarted).toBeLessThan(5000);
  });

  it('refuses a port in use with a clear error and leaves nothing open', async () => {
    const first = await startServer({
      config: testConfig({ port: 0 }),
      logger: memoryLogger().logger,
      database: await openBareDatabase(),
      queue: createQueueProbe(null),
    });
    const port = Number(new URL(first.url).port);
    const second = await openBareDatabase();
    expect(await second.ping()).toBe(true);
    try {
      await expect(
        startServer({
          config: testConfig({ port }),
          logger: memoryLogger().logger,
          database: second,
          queue: createQueueProbe(null),
        }),
      ).rejects.toMatchObject({ code: 'EADDRINUSE' });
      expect(await second.ping().catch(() => false)).toBe(false);
    } finally {
      await first.close();
    }
  });
});

/** Starts the fixture server in its own node process; resolves with its URL once it listens. */
async function startServerProcess(): Promise<{
  child: ChildProcess;
  url: string;
  stdout: () => string;
  exited: Promise<number | null>;
}> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, 'fixtures/serve-until-signal.ts')],
    {
      cwd: ROOT,
      env: { ...env, LOG_LEVEL: 'info', DATABASE_URL: bareDatabaseUrl(), REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk) => (out += String(chunk)));
  child.stderr!.on('data', (chunk) => (err += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /^READY (\S+)$/m.exec(out);
      if (match) resolve(match[1]);
    };
    child.stdout!.on('data', check);
    void exited.then((code) =>
      reject(new Error(`the server process exited with ${code} before listening:\n${err}`)),
    );
  });
  return { child, url, stdout: () => out, exited };
}

async function waitForLine(stdout: () => string, text: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (!stdout().includes(text)) {
    if (Date.now() > deadline) throw new Error(`no '${text}' in the server's output:\n${stdout()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('shutdown on signals', () => {
  it('on SIGTERM finishes the request in flight, logs one line and exits 0', async () => {
    const server = await startServerProcess();
    const agent = new Agent();
    try {
      const health = await request(`${server.url}/health`, { dispatcher: agent });
      expect(health.statusCode).toBe(200);
      await health.body.dump();

      const inFlight = request(`${server.url}/api/test/slow?ms=600`, { dispatcher: agent });
      await waitForLine(server.stdout, 'slow request started');
      server.child.kill('SIGTERM');
      const response = await inFlight;
      expect(response.statusCode).toBe(200);
      expect(await response.body.json()).toEqual({ waitedMs: 600 });
      expect(await server.exited).toBe(0);
      const stopped = server
        .stdout()
        .split('\n')
        .filter((line) => line.includes('stopped on SIGTERM'));
      expect(stopped).toHaveLength(1);
      expect(JSON.parse(stopped[0])).toMatchObject({
        level: 30,
        signal: 'SIGTERM',
        msg: 'stopped on SIGTERM',
      });
    } finally {
      await agent.close();
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });

  it('on a second signal exits at once without waiting for a hung request', async () => {
    const server = await startServerProcess();
    const agent = new Agent();
    try {
      const inFlight = request(`${server.url}/api/test/slow?ms=30000`, { dispatcher: agent }).catch(
        (error) => error,
      );
      await waitForLine(server.stdout, 'slow request started');
      server.child.kill('SIGINT');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(server.child.exitCode).toBeNull(); // still waiting for the request
      const started = Date.now();
      server.child.kill('SIGINT');
      expect(await server.exited).toBe(130);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(server.stdout()).toContain('second SIGINT while shutting down');
      expect(await inFlight).toBeInstanceOf(Error);
    } finally {
      await agent.close();
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
  });
});
