/**
 * A page on another site must not make a signed-in browser change anything here (cross-site request
 * forgery): a form or a no-cors fetch can POST without the page ever reading the answer. So a
 * state-changing request (POST, PUT, PATCH, DELETE)
 * - that the browser marks as coming from another site (`Sec-Fetch-Site: cross-site` or
 *   `same-site`, i.e. a sibling host) is refused with 403;
 * - whose `Origin` is present and is not this server's own host is refused with 403 (`Origin: null`,
 *   sent by sandboxed pages and some redirects, is not ours either);
 * - with a body that is not JSON (`application/x-www-form-urlencoded`, `multipart/form-data`,
 *   `text/plain`: what a form can send without a CORS preflight) is refused with 415.
 * curl, the CLI and other programs send neither header, so a bodyless POST from them still works.
 *
 * The origin is compared by host and port with the `Host` the request was sent to, not by scheme,
 * so the API works unchanged behind a proxy that ends TLS.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiErrorBody } from './errors';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Sec-Fetch-Site values a browser sends for a request this server's own pages made, or a user typed. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function isOwnOrigin(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const defaultPort = url.protocol === 'https:' ? '443' : '80';
    const [hostName, hostPort] = splitHost(host.toLowerCase());
    return url.hostname === hostName && (url.port || defaultPort) === (hostPort ?? defaultPort);
  } catch {
    return false;
  }
}

/** `hub.example:3000` -> ['hub.example', '3000']; `[::1]:3000` -> ['[::1]', '3000']. */
function splitHost(host: string): [string, string | undefined] {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return match ? [match[1], match[2]] : [host, undefined];
}

function refuse(reply: FastifyReply, statusCode: 403 | 415, message: string): FastifyReply {
  const body: ApiErrorBody = {
    error: statusCode === 403 ? 'forbidden' : 'unsupported_media_type',
    message,
  };
  return reply.code(statusCode).send(body);
}

export function installCrossSiteGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!STATE_CHANGING.has(request.method)) return;
    const fetchSite = header(request, 'sec-fetch-site');
    if (fetchSite !== undefined && !OWN_FETCH_SITES.has(fetchSite.trim().toLowerCase()))
      return refuse(reply, 403, `a ${request.method} from another site is refused`);
    const origin = header(request, 'origin');
    if (origin !== undefined && !isOwnOrigin(origin, header(request, 'host')))
      return refuse(reply, 403, `a ${request.method} from another origin is refused`);
    const contentType = header(request, 'content-type');
    if (contentType !== undefined && contentType.split(';')[0].trim().toLowerCase() !== 'application/json')
      return refuse(reply, 415, 'send the body as JSON (content-type: application/json)');
  });
}
