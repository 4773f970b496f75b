/**
 * The HTTP surface as a client or a browser meets it: security headers on every answer (also on
 * refusals), Strict-Transport-Security only over HTTPS from a trusted proxy, the client's address
 * taken from X-Forwarded-For only when ECSPERT_TRUST_PROXY names the proxy (the login throttle counts
 * it), a 10 MB body refused with 413 in the one error shape over a real socket, no stack trace in any
 * answer, and the API reference (Swagger UI) loading in a real browser under the Content-Security-Policy.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { chromium } from 'playwright-core';
import { Agent, request } from 'undici';
import { buildApi, createQueueProbe, startServer } from '../../src/api';
import type { AppConfig } from '../../src/config';
import { ConfigError, loadConfig } from '../../src/config';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, openBareDatabase, testConfig, trustedAs } from './support/api-harness';

const CHROMIUM = '/usr/bin/chromium';

describe('ECSPERT_TRUST_PROXY', () => {
  it('is off unless set, and takes true, hops, or addresses and ranges', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ ECSPERT_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ ECSPERT_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ ECSPERT_TRUST_PROXY: '10.0.0.5, 10.1.0.0/16,loopback,::1' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
      'loopback',
      '::1',
    ]);
  });

  it('names the setting and the bad entry when it is not an address', () => {
    expect(() => loadConfig({ ECSPERT_TRUST_PROXY: '10.0.0.5,proxy.local' })).toThrow(ConfigError);
    expect(() => loadConfig({ ECSPERT_TRUST_PROXY: '10.0.0.5,proxy.local' })).toThrow(
      /^ECSPERT_TRUST_PROXY: 'proxy.local' is not an IP address or CIDR range/,
    );
    expect(() => loadConfig({ ECSPERT_TRUST_PROXY: '10.0.0.0/33' })).toThrow(/'10.0.0.0\/33'/);
  });
});

describe('security headers', () => {
  let database: Awaited<ReturnType<typeof openBareDatabase>>;
  const apps: FastifyInstance[] = [];
  const boom: FastifyPluginAsync = async (app) => {
    app.get('/api/boom', { config: { permission: 'public' } }, async () => {
      throw new Error('secret detail of the failure');
    });
    app.get('/api/teapot', { config: { permission: 'public' } }, async () => {
      throw Object.assign(new Error('no coffee here'), { statusCode: 418 });
    });
  };

  async function build(config: Partial<AppConfig> = {}, signedIn = false): Promise<FastifyInstance> {
    const app = await buildApi(
      {
        database,
        config: testConfig(config),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [boom], authenticate: signedIn ? trustedAs('administrator') : async () => null },
    );
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    database = await openBareDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await database?.close();
  });

  it('come with every answer, refusals included', async () => {
    const app = await build();
    for (const url of ['/health', '/api/insurers', '/api/no-such-route', '/docs/json']) {
      const response = await app.inject({ method: 'GET', url });
      const headers = response.headers;
      expect([url, headers['content-security-policy']]).toEqual([
        url,
        expect.stringContaining("default-src 'self'"),
      ]);
      expect(String(headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      expect(String(headers['content-security-policy'])).toContain("object-src 'none'");
      expect([url, headers['x-content-type-options']]).toEqual([url, 'nosniff']);
      expect([url, headers['x-frame-options']]).toEqual([url, 'DENY']);
      expect([url, headers['referrer-policy']]).toEqual([url, 'no-referrer']);
      expect([url, headers['cross-origin-opener-policy']]).toEqual([url, 'same-origin']);
      expect([url, headers['x-powered-by']]).toEqual([url, undefined]);
      // Plain HTTP: no HSTS.
      expect([url, headers['strict-transport-security']]).toEqual([url, undefined]);
    }
    expect((await app.inject({ method: 'GET', url: '/api/insurers' })).statusCode).toBe(401);
  });

  it('send Strict-Transport-Security only when a trusted proxy says the request came over HTTPS', async () => {
    const untrusting = await build();
    const viaProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };
    const ignored = await untrusting.inject({
      method: 'GET',
      url: '/health',
      headers: viaProxy,
      remoteAddress: '10.0.0.5',
    });
    expect(ignored.headers['strict-transport-security']).toBeUndefined();

    const trusting = await build({ trustProxy: ['10.0.0.5'] });
    const https = await trusting.inject({
      method: 'GET',
      url: '/health',
      headers: viaProxy,
      remoteAddress: '10.0.0.5',
    });
    expect(https.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
    // The same header from an address that is not the proxy counts for nothing.
    const spoofed = await trusting.inject({
      method: 'GET',
      url: '/health',
      headers: viaProxy,
      remoteAddress: '10.0.0.6',
    });
    expect(spoofed.headers['strict-transport-security']).toBeUndefined();
    const plain = await trusting.inject({ method: 'GET', url: '/health', remoteAddress: '10.0.0.5' });
    expect(plain.headers['strict-transport-security']).toBeUndefined();
  });

  it('answer no stack trace: a failure gives only a request id, a client error its message', async () => {
    const app = await build();
    const failed = await app.inject({ method: 'GET', url: '/api/boom' });
    expect(failed.statusCode).toBe(500);
    expect(failed.json()).toEqual({
      error: 'internal',
      message: 'the request failed on our side; quote the request id to support',
      requestId: failed.headers['x-request-id'],
    });
    expect(failed.body).not.toMatch(/secret detail|\bat .*\.ts:\d+|stack/);
    const teapot = await app.inject({ method: 'GET', url: '/api/teapot' });
    expect(teapot.statusCode).toBe(418);
    expect(teapot.json()).toEqual({ error: 'i_m_a_teapot', message: 'no coffee here' });
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"login": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(Object.keys(malformed.json()).sort()).toEqual(['error', 'message']);
    expect(malformed.body).not.toMatch(/\bat .*\.js:\d+|node_modules/);
  });
});

describe('deeply nested JSON', () => {
  let database: Awaited<ReturnType<typeof openBareDatabase>>;
  let app: FastifyInstance;
  beforeAll(async () => {
    database = await openBareDatabase();
    app = await buildApi(
      {
        database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { authenticate: async () => null },
    );
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('is refused with 400 naming where, however deep (it used to run the validator out of stack: 500)', async () => {
    for (const depth of [40, 100_000, 400_000]) {
      const payload = `{"login": ${'['.repeat(depth)}${']'.repeat(depth)}, "password": "x"}`;
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect([depth, response.statusCode]).toEqual([depth, 400]);
      expect(response.json()).toEqual({
        error: 'bad_request',
        message: expect.stringMatching(
          /^the JSON body nests deeper than 32 levels \(at body\.login\[0\]\[0\]/,
        ),
      });
    }
    const objects = `{"login": "a", "password": "x", "extra": ${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`;
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: objects,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toMatch(/\(at body\.extra\.a\.a\.a/);
  });

  it('lets an ordinary body through to the route’s own checks', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { login: [[['nested but shallow']]], password: 'x' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ details: [{ field: 'body.login', message: 'must be string' }] });
  });
});

describeEachEngine('the client address behind a reverse proxy', (ctx) => {
  const apps: FastifyInstance[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const build = async (trustProxy: AppConfig['trustProxy']) => {
    const app = await buildApi(
      {
        database: ctx.database,
        config: testConfig({ trustProxy }),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { loginFailuresPerAddress: 2 },
    );
    apps.push(app);
    return app;
  };
  // A login of its own per attempt: five failures of one login would lock it (429) whatever the address.
  let attempts = 0;
  const fail = (app: FastifyInstance, remoteAddress: string, forwardedFor?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { login: `nobody-${++attempts}`, password: 'not-the-password' },
      remoteAddress,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });

  it('is what the trusted proxy says, so the login throttle slows one client, not everyone behind the proxy', async () => {
    const app = await build(['10.0.0.5']);
    expect((await fail(app, '10.0.0.5', '203.0.113.1')).statusCode).toBe(401);
    expect((await fail(app, '10.0.0.5', '203.0.113.1')).statusCode).toBe(401);
    expect((await fail(app, '10.0.0.5', '203.0.113.1')).statusCode).toBe(429);
    // Another client behind the same proxy is not slowed.
    expect((await fail(app, '10.0.0.5', '203.0.113.2')).statusCode).toBe(401);
  });

  it('is the socket’s peer when no proxy is trusted: a forged X-Forwarded-For does not dodge the throttle', async () => {
    const app = await build(false);
    expect((await fail(app, '10.0.0.9', '203.0.113.1')).statusCode).toBe(401);
    expect((await fail(app, '10.0.0.9', '203.0.113.2')).statusCode).toBe(401);
    const third = await fail(app, '10.0.0.9', '203.0.113.3');
    expect(third.statusCode).toBe(429);
    expect(third.json()).toMatchObject({ error: 'too_many_requests' });
  });

  it('is the socket’s peer when X-Forwarded-For comes from an address that is not the proxy', async () => {
    const app = await build(['10.0.0.5']);
    expect((await fail(app, '10.0.0.7', '203.0.113.1')).statusCode).toBe(401);
    expect((await fail(app, '10.0.0.7', '203.0.113.2')).statusCode).toBe(401);
    expect((await fail(app, '10.0.0.7', '203.0.113.3')).statusCode).toBe(429);
  });
});

describe('over a listening server', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  const agent = new Agent();

  beforeAll(async () => {
    server = await startServer({
      config: testConfig({ port: 0 }),
      logger: memoryLogger('silent').logger,
      database: await openBareDatabase(),
      queue: createQueueProbe(null),
    });
  });
  afterAll(async () => {
    await agent.close();
    await server?.close();
  });

  /** Sends a request by hand and reads whatever the server answers, even while the body is still going. */
  function rawExchange(head: string, body: Buffer | null, chunked: boolean): Promise<string> {
    const { hostname, port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      let answer = '';
      socket.on('data', (d) => (answer += d.toString('utf8')));
      socket.on('error', (error: NodeJS.ErrnoException) =>
        // The server may hang up while the rest of the body is still being sent; its answer came first.
        answer ? resolve(answer) : reject(error),
      );
      socket.on('close', () => resolve(answer));
      socket.on('connect', () => {
        socket.write(head);
        if (!body) return;
        const piece = 64 * 1024;
        let offset = 0;
        const pump = () => {
          while (offset < body.length && !socket.destroyed) {
            const part = body.subarray(offset, offset + piece);
            offset += piece;
            const frame = chunked
              ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')])
              : part;
            if (!socket.write(frame)) return void socket.once('drain', pump);
          }
          if (!socket.destroyed) socket.end(chunked ? '0\r\n\r\n' : '');
        };
        pump();
      });
    });
  }

  function parse(answer: string): { status: number; body: unknown } {
    const [head, ...rest] = answer.split('\r\n\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
    const text = rest.join('\r\n\r\n');
    // A chunked answer: take the JSON out of the chunk framing.
    const json = /\{.*\}/s.exec(text)?.[0] ?? text;
    return { status, body: JSON.parse(json) };
  }

  const tenMegabytes = () =>
    Buffer.from(JSON.stringify({ login: 'x', password: 'y'.repeat(10 * 1024 * 1024) }));

  it('refuses a 10 MB body with 413 in the error shape, before reading it', async () => {
    const body = tenMegabytes();
    const answer = await rawExchange(
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      body,
      false,
    );
    expect(parse(answer)).toEqual({
      status: 413,
      body: { error: 'payload_too_large', message: expect.stringMatching(/too large/i) },
    });
  });

  it('refuses a 10 MB body sent in chunks, without a length, the same way', async () => {
    const answer = await rawExchange(
      'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
      tenMegabytes(),
      true,
    );
    expect(parse(answer)).toEqual({
      status: 413,
      body: { error: 'payload_too_large', message: expect.stringMatching(/too large/i) },
    });
  });

  it('still takes a body just under the limit (1 MiB) to the route', async () => {
    const password = 'y'.repeat(1024 * 1024 - 100);
    const response = await request(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: 'x', password }),
      dispatcher: agent,
    });
    // Past the size limit, the route's own schema refuses the password as too long.
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toMatchObject({
      error: 'bad_request',
      details: [{ field: 'body.password' }],
    });
  });

  const browserMissing = !fs.existsSync(CHROMIUM);
  if (browserMissing && process.env.CI === 'true')
    it('has Chromium to load the API reference in', () => {
      throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/services.sh does)`);
    });
  (browserMissing ? it.skip : it)(
    'serves the API reference (Swagger UI) that a browser renders under the Content-Security-Policy',
    async () => {
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(message.text());
        });
        page.on('pageerror', (error) => problems.push(error.message));
        const outside: string[] = [];
        page.on('request', (r) => {
          if (!r.url().startsWith(server.url) && !r.url().startsWith('data:')) outside.push(r.url());
        });
        const response = await page.goto(`${server.url}/docs`, { waitUntil: 'load' });
        expect(response?.status()).toBe(200);
        expect(await response?.headerValue('content-security-policy')).toContain("script-src 'self'");
        // Swagger UI fetched /docs/json and drew the operations.
        await page.waitForSelector('.opblock-summary-path', { timeout: 20000 });
        const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
          nodes.map((n) => n.getAttribute('data-path')),
        );
        expect(paths).toContain('/api/auth/login');
        expect(await page.textContent('.info .title')).toContain('eCSpert hub API');
        expect(problems).toEqual([]);
        expect(outside).toEqual([]);
      } finally {
        await browser.close();
      }
    },
  );
});
