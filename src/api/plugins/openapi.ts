/**
 * OpenAPI from the route schemas: the JSON at /docs/json, Swagger UI at /docs (both public); the
 * security schemes of plugins/auth.ts (session cookie, bearer token). Shared schemas added
 * with `app.addSchema({ $id })` become named components (e.g. `ApiError`) instead of `def-0`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { declareRoutesPublic, SECURITY_SCHEMES } from './auth';

export interface OpenApiPluginOptions {
  version: string;
}

export const openApiPlugin = fp<OpenApiPluginOptions>(
  async (app, { version }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'eCSpert hub API',
          version,
          description:
            'Back office of an insurance intermediary around an integration hub that exchanges data with every insurer. ' +
            'List routes page with `page` and `pageSize` and answer `{ items, page, pageSize, total }`; ' +
            'errors answer `{ error, message, details?, requestId? }`.',
        },
        components: { securitySchemes: SECURITY_SCHEMES as never },
        tags: [
          { name: 'system', description: 'Health and operation' },
          {
            name: 'auth',
            description:
              'Signing in (a session cookie for browsers), API tokens for programs, users and roles. ' +
              'Every operation says what it needs: `security` (none when public) and `x-permission`.',
          },
          { name: 'core', description: 'Insurers, products and other reference data of the core' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    // The reference's own pages are public: they document the API, they serve no data.
    await app.register(async (docs) => {
      declareRoutesPublic(docs);
      await docs.register(swaggerUi, { routePrefix: '/docs' });
    });
  },
  { name: 'ecspert-openapi', fastify: '5.x' },
);
