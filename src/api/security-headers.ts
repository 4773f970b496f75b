/**
 * Security headers on every answer (@fastify/helmet), registered before anything else so that refusals
 * (401, 403, 404, 503) carry them too:
 * - Content-Security-Policy: only this origin's scripts, styles, images and fonts; no plugins, no
 *   framing, forms post only here. The API reference's Swagger UI at /docs works under it (its
 *   scripts are files of this origin; it sets inline styles, which `style-src 'unsafe-inline'` allows);
 * - X-Content-Type-Options nosniff, X-Frame-Options DENY, Referrer-Policy no-referrer,
 *   Cross-Origin-Opener-Policy and Cross-Origin-Resource-Policy same-origin, no X-Powered-By, and
 *   helmet's other defaults;
 * - Strict-Transport-Security only on a request that came over HTTPS: the hub speaks plain HTTP
 *   itself, so that is a TLS-terminating proxy that ECSPERT_TRUST_PROXY trusts and that says
 *   `X-Forwarded-Proto: https`. A browser that reached it over plain HTTP is not told to insist on
 *   HTTPS that nobody serves.
 */
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/** One year, and the subdomains: what browsers' preload lists ask for. */
export const HSTS = 'max-age=31536000; includeSubDomains';

export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
};

export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' },
    // Set below, per request, when it came over HTTPS.
    strictTransportSecurity: false,
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
}
