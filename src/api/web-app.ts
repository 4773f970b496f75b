/**
 * The web application (web/, built by `npm run build:web` and at install into web/dist) served by the
 * API's own server at `/`: its files by @fastify/static, and index.html for every other path that is
 * not the API's (`/api/…`, `/docs`, `/health`), so a screen's address can be reloaded or shared.
 * The files are public (they hold no data); every figure on a screen comes from the API, which checks
 * who is calling. An unknown `/api/…` path still answers the API's JSON 404.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const API_PATHS = /^\/(api|docs|health)(\/|$)/;

/** Whether `root` holds a built web application. */
export function webAppBuilt(root: string): boolean {
  return fs.existsSync(path.join(root, 'index.html'));
}

export async function serveWebApp(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, { root, serve: false, index: false });
  // Any query string: it belongs to the screen (`/network?asOf=…&page=2`), which reads it in the browser.
  const anyQuery = { type: 'object', additionalProperties: { type: 'string' } };
  app.get(
    '/*',
    { schema: { hide: true, querystring: anyQuery }, config: { permission: 'public' } },
    async (request, reply) => {
      const url = request.url.split('?')[0];
      if (API_PATHS.test(url))
        return reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${url}` });
      const relative = decodeURIComponent(url).replace(/^\/+/, '');
      const file = path.resolve(root, relative);
      const inside = file.startsWith(path.resolve(root) + path.sep);
      if (relative && inside && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
        // Hashed names under assets/ never change content: cache them for a year; the page itself never.
        const immutable = relative.startsWith('assets/');
        return immutable
          ? reply.sendFile(relative, { maxAge: '365d', immutable: true })
          : reply.header('cache-control', 'no-cache').sendFile(relative, { cacheControl: false });
      }
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    },
  );
}
