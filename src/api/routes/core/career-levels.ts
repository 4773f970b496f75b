/**
 * The career levels a manual career change may give: those of the plan in force on a date (the
 * active plan version for that date's period), lowest rank first. The web form's level list reads
 * it; the change itself is POST /api/careers/changes.
 */
import type { FastifyContextConfig, FastifyPluginAsync } from 'fastify';
import { CalculationRefusedError, planForPeriod } from '../../../../back-office/compensation';
import { apiErrors, dateSchema } from '../../schema-types';

const config = { permission: 'network.write' } as unknown as FastifyContextConfig;
const str = { type: 'string' } as const;

export const careerLevelRoutes: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { asOf?: string } }>(
    '/api/careers/levels',
    {
      config,
      schema: {
        tags: ['network'],
        summary: 'The career levels of the plan in force on a date, lowest first (for a manual change)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { asOf: { ...dateSchema, description: 'the business date; today when left out' } },
        },
        response: {
          200: {
            type: 'object',
            required: ['asOf', 'plan', 'items'],
            properties: {
              asOf: { type: 'string', format: 'date' },
              plan: {
                type: 'object',
                required: ['code', 'version'],
                properties: { code: str, version: str },
              },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['code', 'name', 'rank'],
                  properties: {
                    code: str,
                    name: str,
                    rank: { type: 'integer', description: '1: entry level' },
                  },
                },
              },
            },
          },
          ...apiErrors(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const asOf = request.query.asOf ?? new Date().toISOString().slice(0, 10);
      try {
        const { plan } = await planForPeriod(app.database, asOf.slice(0, 7));
        return {
          asOf,
          plan: { code: plan.code, version: plan.version },
          items: [...plan.levels]
            .sort((a, b) => a.rank - b.rank)
            .map((level) => ({ code: level.code, name: level.name, rank: level.rank })),
        };
      } catch (error) {
        if (!(error instanceof CalculationRefusedError)) throw error;
        return reply.code(409).send({ error: 'conflict', message: error.message });
      }
    },
  );
};
