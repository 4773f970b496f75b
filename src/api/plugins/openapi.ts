/**
 * OpenAPI from the route schemas: the JSON at /docs/json, Swagger UI at /docs. Shared schemas added
 * with `app.addSchema({ $id })` become named components (e.g. `ApiError`) instead of `def-0`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

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
        tags: [
          { name: 'system', description: 'Health and operation' },
          { name: 'core', description: 'Insurers, products and other reference data of the core' },
        ],
      },
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) =>
          typeof json.$id === 'string' ? json.$id : `def-${i}`,
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'ecspert-openapi', fastify: '5.x' },
);
