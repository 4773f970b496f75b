/**
 * A page on another site cannot make a browser change anything here: state-changing requests that a
 * browser marks cross-site (Sec-Fetch-Site) or sends from another Origin are refused with 403, and
 * bodies must be JSON (a form or text/plain body is 415), while a bodyless POST from curl or the CLI,
 * which sends neither header, still works. Checked with inject and with real HTTP requests.
 */
import type { FastifyInstance } from 'fastify';
import { request as httpRequest } from 'undici';
import { describeEachEngine } from '../support/engines';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

describeEachEngine('cross-site requests', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;
  let base: string;

  beforeAll(async () => {
    app = await buildFullApi(ctx.database);
    api = await signInAs(app, ctx.database, 'administrator');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => app?.close());

  // Replay of a message that does not exist answers 404 once the request is let through.
  const replay = '/api/exchange/messages/424242/replay';

  describe('with inject', () => {
    it.each([
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
      ['an Origin of another site', { origin: 'https://evil.example' }],
      ['Origin: null (a sandboxed page)', { origin: 'null' }],
    ])('refuses a bodyless POST with %s (403)', async (_name, headers) => {
      const response = await api.inject({ method: 'POST', url: replay, headers });
      expect(response.statusCode).toBe(403);
      expect(response.json().error).toBe('forbidden');
    });

    it.each([
      ['application/x-www-form-urlencoded', 'preview=true'],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
      ],
      ['text/plain', '{"preview":true}'],
    ])('refuses a %s body (415)', async (contentType, payload) => {
      const response = await api.inject({
        method: 'POST',
        url: '/api/periods/2026-03/calculate',
        headers: { 'content-type': contentType },
        payload,
      });
      expect(response.statusCode).toBe(415);
    });

    it('lets a bodyless POST without browser headers through (curl, the CLI)', async () => {
      const response = await api.inject({ method: 'POST', url: replay });
      expect(response.statusCode).toBe(404);
    });

    it('lets the page served by this server post (same origin, Sec-Fetch-Site: same-origin)', async () => {
      const response = await api.inject({
        method: 'POST',
        url: replay,
        headers: {
          host: 'hub.example:3000',
          origin: 'http://hub.example:3000',
          'sec-fetch-site': 'same-origin',
        },
      });
      expect(response.statusCode).toBe(404);
    });

    it('still answers reads from anywhere', async () => {
      const response = await api.inject({
        url: '/api/insurers',
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expect(response.statusCode).toBe(200);
    });
  });

  describe('over HTTP', () => {
    it('refuses what a cross-site form would send, lets curl through', async () => {
      const form = await httpRequest(`${base}${replay}`, {
        method: 'POST',
        headers: {
          origin: 'https://evil.example',
          'sec-fetch-site': 'cross-site',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: '',
      });
      expect(form.statusCode).toBe(403);
      await form.body.dump();

      const fetchNoCors = await fetch(`${base}${replay}`, {
        method: 'POST',
        headers: { origin: 'https://evil.example' },
      });
      expect(fetchNoCors.status).toBe(403);
      await fetchNoCors.arrayBuffer();

      const textPlain = await httpRequest(`${base}/api/periods/2026-03/calculate`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '{"preview":true}',
      });
      expect(textPlain.statusCode).toBe(415);
      await textPlain.body.dump();

      const curl = await httpRequest(`${base}${replay}`, { method: 'POST', headers: api.headers });
      expect(curl.statusCode).toBe(404);
      await curl.body.dump();

      const sameOrigin = await httpRequest(`${base}${replay}`, {
        method: 'POST',
        headers: { ...api.headers, origin: base, 'sec-fetch-site': 'same-origin' },
      });
      expect(sameOrigin.statusCode).toBe(404);
      await sameOrigin.body.dump();
    });
  });
});
