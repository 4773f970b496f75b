/**
 * The intermediary's own details that acts print (GET /api/acts/intermediary): what the acts form
 * starts from. The acts route's own intermediary when the server was given one (source `server`: a
 * request that names none gets it, address and signatory included), else the settings
 * (ECSPERT_INTERMEDIARY_*), else the demo agency's (src/config/intermediary.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { ConfigError } from '../../../config';
import { intermediaryFromEnv, type IntermediarySettings } from '../../../config/intermediary';

export function actsIntermediaryRoutes(options: { intermediary?: IntermediarySettings }): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/api/acts/intermediary',
      {
        config: { permission: 'acts.write' },
        schema: {
          tags: ['back-office'],
          operationId: 'getActsIntermediary',
          summary:
            "The intermediary's details printed on acts (the customer): what the acts form starts from",
          response: {
            200: {
              type: 'object',
              required: ['name', 'edrpou', 'city', 'source'],
              properties: {
                name: { type: 'string' },
                edrpou: { type: 'string', description: 'Код ЄДРПОУ' },
                city: { type: ['string', 'null'], description: 'where acts are drawn up' },
                source: {
                  type: 'string',
                  enum: ['settings', 'demo'],
                  description:
                    "settings: this server's configuration; demo: the demo agency's, none being set",
                },
              },
            },
            403: { $ref: 'ApiError#' },
            500: { $ref: 'ApiError#' },
          },
        },
      },
      async (_request, reply) => {
        try {
          const { intermediary, source } = options.intermediary
            ? { intermediary: options.intermediary, source: 'server' as const }
            : intermediaryFromEnv();
          return {
            name: intermediary.name,
            edrpou: intermediary.edrpou,
            city: intermediary.city ?? null,
            source,
          };
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          return reply.code(500).send({ error: 'misconfigured', message: error.message });
        }
      },
    );
  };
}
