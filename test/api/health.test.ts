import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db';
import { type AvailabilityMonitor, DatabaseUnavailableError } from '../../src/db/availability';
import { describeEachEngine, postgresUrl } from '../support/engines';
import { memoryLogger, testConfig } from './support/api-harness';
import packageJson from '../../package.json';

/** Routes another module might add, registered through buildApi's `routes` hook (public: no login here). */
const probeRoutes: FastifyPluginAsync = async (app) => {
  const config = { permission: 'public' } as const;
  app.get('/api/probe/engine', { config }, async () => ({ engine: app.database.dialect.engine }));
  app.get('/api/probe/boom', { config }, async () => {
    throw new Error('connection string postgres://hub:s3cret@db/prod rejected');
  });
  app.get('/api/probe/lost', { config }, async () => {
    throw new DatabaseUnavailableError('ECONNRESET');
  });
  app.post(
    '/api/probe/policies',
    {
      config,
      schema: {
        body: {
          type: 'object',
          required: ['policy'],
          properties: {
            policy: {
              type: 'object',
              required: ['number'],
              properties: { number: { type: 'string' }, premium: { type: 'integer', minimum: 0 } },
            },
          },
        },
      },
    },
    async () => ({ accepted: true }),
  );
};

describeEachEngine('HTTP API shell', (ctx) => {
  let app: FastifyInstance;
  let log: ReturnType<typeof memoryLogger>;

  beforeAll(async () => {
    log = memoryLogger();
    app = await buildApi(
      { database: ctx.database, config: testConfig(), logger: log.logger, queue: createQueueProbe(null) },
      { routes: [probeRoutes] },
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers /health with the database engine, the queue mode and the version', async () => {
    const response = await app.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const health = response.json();
    expect(health).toEqual({
      status: 'ok',
      failing: [],
      database: { engine: ctx.database.engine, ok: true, latencyMs: expect.any(Number) },
      queue: { mode: 'embedded', ok: true, latencyMs: expect.any(Number) },
      version: packageJson.version,
      uptimeSeconds: expect.any(Number),
    });
    expect(health.database.latencyMs).toBeLessThan(2000);
    expect(health.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });

  it('documents /health and /api/insurers in the OpenAPI JSON and serves Swagger UI at /docs', async () => {
    const response = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const spec = response.json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(spec.info).toMatchObject({ title: 'eCSpert hub API', version: packageJson.version });
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/api/insurers']));
    expect(spec.paths['/health'].get.responses['200'].content['application/json'].schema.$ref).toBe(
      '#/components/schemas/HealthReport',
    );
    expect(spec.paths['/health'].get.responses).toHaveProperty('503');
    expect(spec.components.schemas.HealthReport.properties.database.required).toEqual([
      'engine',
      'ok',
      'latencyMs',
    ]);
    const params = spec.paths['/api/insurers'].get.parameters.map(
      (p: { name: string; in: string }) => `${p.in}:${p.name}`,
    );
    expect(params).toEqual(['query:page', 'query:pageSize', 'query:active', 'query:q', 'query:sort']);
    expect(spec.components.schemas.Insurer.properties.companyCode.nullable).toBe(true);

    const ui = await app.inject({ method: 'GET', url: '/docs' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.body).toContain('swagger');
  });

  it('answers an unknown route with a 404 in JSON', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/no-such-thing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({ error: 'not_found', message: 'no route GET /api/no-such-thing' });
  });

  it('lets other modules add routes that see app.database', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/probe/engine' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ engine: ctx.database.engine });
  });

  it('answers a failing route with 500, the request id and no detail, and logs the cause under that id', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/probe/boom' });
    expect(response.statusCode).toBe(500);
    const body = response.json();
    expect(body).toEqual({
      error: 'internal',
      message: expect.any(String),
      requestId: response.headers['x-request-id'],
    });
    expect(response.body).not.toContain('s3cret');
    expect(response.body).not.toContain('Error');
    const logged = log.lines.find((line) => line.level === 50 && line.requestId === body.requestId);
    expect(logged).toBeDefined();
    expect(JSON.stringify(logged)).toContain('rejected');
    expect((logged!.err as { stack: string }).stack).toContain('health.test.ts');
  });

  it('names every invalid body field in a 400', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/probe/policies',
      payload: { policy: { premium: -5 } },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error).toBe('bad_request');
    expect(body.details).toEqual(
      expect.arrayContaining([
        { field: 'body.policy.number', message: "must have required property 'number'" },
        { field: 'body.policy.premium', message: 'must be >= 0' },
      ]),
    );
    expect(body.message).toContain('body.policy.number');
  });

  it('answers malformed JSON with a 400 in the same shape', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/probe/policies',
      headers: { 'content-type': 'application/json' },
      payload: '{"policy": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'bad_request', message: expect.stringMatching(/JSON/i) });
  });

  it("keeps a caller's X-Request-Id and replaces one that is not an id", async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': 'lb-7f3a.42' },
    });
    expect(kept.headers['x-request-id']).toBe('lb-7f3a.42');
    const replaced = await app.inject({
      method: 'GET',
      url: '/api/no-such-thing',
      headers: { 'x-request-id': 'evil\nline {"level":60}' },
    });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.lines.some((line) => String(line.requestId).includes('evil'))).toBe(false);
  });

  it('answers 503 "degraded" naming the database when it stops answering', async () => {
    const other =
      ctx.database.engine === 'pglite'
        ? await openDatabase({ engine: 'pglite', dataDir: null })
        : await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
    // Kysely opens its driver on the first query (a real server has migrated by now).
    await sql`select 1`.execute(other.db);
    const degradedApp = await buildApi({
      database: other,
      config: testConfig(),
      logger: memoryLogger().logger,
      queue: createQueueProbe(null),
    });
    try {
      expect((await degradedApp.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
      await other.close();
      const response = await degradedApp.inject({ method: 'GET', url: '/health' });
      expect(response.statusCode).toBe(503);
      const health = response.json();
      expect(health).toMatchObject({
        status: 'degraded',
        failing: ['database'],
        database: { engine: ctx.database.engine, ok: false, problem: expect.any(String) },
        queue: { mode: 'embedded', ok: true },
      });
      expect(health.database.problem).not.toMatch(/\n\s+at /);
    } finally {
      await degradedApp.close();
    }
  });

  describe('while the database is down', () => {
    const monitor = () => ctx.database.availability as AvailabilityMonitor;
    afterEach(async () => {
      // The monitor's probe finds the (healthy) test database again within a second.
      for (let i = 0; i < 100 && !monitor().up; i++) await new Promise((r) => setTimeout(r, 50));
      expect(monitor().up).toBe(true);
    });

    it('refuses routes at once with 503, Retry-After and database_unavailable; /health and /docs still answer', async () => {
      monitor().markDown(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      );
      const refused = await app.inject({ method: 'GET', url: '/api/probe/engine' });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json()).toEqual({
        error: 'database_unavailable',
        message: 'the database is not answering (ECONNREFUSED); nothing was done, try again in 5 s',
      });
      expect((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode).toBe(200);
      // /health asks the database itself: this one answers, so it is marked up again.
      const health = await app.inject({ method: 'GET', url: '/health' });
      expect(health.statusCode).toBe(200);
      expect(monitor().up).toBe(true);
      expect((await app.inject({ method: 'GET', url: '/api/probe/engine' })).statusCode).toBe(200);
    });

    it('answers a route that meets a lost connection with 503, not 500', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/probe/lost' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).toEqual({
        error: 'database_unavailable',
        message: expect.stringMatching(/^the database is not answering/),
        requestId: response.headers['x-request-id'],
      });
    });
  });
});
