/**
 * Contests over HTTP: list, create (the definition is validated; a refused one answers 422 with the
 * reason), and standings at any moment: through a given period, or the whole range; a contest still
 * running says its standings are provisional. A manager or a consultant sees only the standings of
 * the consultants in their scope.
 */
import type { FastifyInstance } from 'fastify';
import {
  CONTEST_SCHEMA,
  ContestError,
  contestStandings,
  createContest,
  type ContestDefinition,
  listContests,
} from '../../../../back-office/contests';
import { periodMetrics } from '../../../../back-office/compensation';
import { seesConsultant } from '../../../auth';
import { codeSchema, MAX_ID, periodSchema } from '../../schema-types';
import { contestCreatedSchema, contestsSchema, standingsSchema } from './schemas';

const period = periodSchema;
const paging = {
  offset: { type: 'integer', minimum: 0, maximum: MAX_ID },
  limit: { type: 'integer', minimum: 1, maximum: 1000 },
} as const;
const errors = { 404: { $ref: 'ApiError#' }, 409: { $ref: 'ApiError#' }, 422: { $ref: 'ApiError#' } };

export async function registerContestRoutes(app: FastifyInstance, tags: string[]): Promise<void> {
  app.get<{ Querystring: { running?: string; offset?: number; limit?: number } }>(
    '/api/contests',
    {
      config: { permission: 'contests.read' },
      schema: {
        tags,
        summary: 'Contests, newest first; ?running=yyyy-mm keeps those running in that period',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { running: period, ...paging },
        },
        response: { 200: contestsSchema },
      },
    },
    async (request) => listContests(app.database, request.query),
  );

  app.post<{ Body: ContestDefinition }>(
    '/api/contests',
    {
      config: { permission: 'contests.write' },
      schema: {
        tags,
        summary: 'Create a contest: period range, metric, eligibility, tie-break, prizes (money or in kind)',
        body: CONTEST_SCHEMA,
        response: { 201: contestCreatedSchema, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const id = await createContest(app.database, request.body);
        return reply.code(201).send({ id, code: request.body.code });
      } catch (error) {
        if (error instanceof ContestError) throw Object.assign(error, { statusCode: 422 });
        if (app.database.dialect.isUniqueViolation(error))
          return reply
            .code(409)
            .send({ error: 'conflict', message: `contest ${request.body.code} already exists` });
        throw error;
      }
    },
  );

  app.get<{
    Params: { code: string };
    Querystring: { through?: string; offset?: number; limit?: number };
  }>(
    '/api/contests/:code/standings',
    {
      config: { permission: 'contests.read' },
      schema: {
        tags,
        summary:
          'Standings now: posted periods from their runs, a period not yet calculated measured live; nothing is written',
        params: {
          type: 'object',
          required: ['code'],
          additionalProperties: false,
          properties: { code: codeSchema },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { through: period, ...paging },
        },
        response: { 200: standingsSchema, ...errors },
      },
    },
    async (request, reply) => {
      try {
        const { through, offset = 0, limit = 100 } = request.query;
        const result = await contestStandings(app.database, request.params.code, {
          metrics: periodMetrics(app.database),
          throughPeriod: through,
        });
        // A manager sees the standings of their units' consultants, a consultant their own and their downline's.
        const visible = (await request.auth?.visible()) ?? null;
        const standings = result.standings.filter((s) => seesConsultant(visible, s.consultantId));
        return {
          ...result,
          total: standings.length,
          standings: standings.slice(offset, offset + limit),
        };
      } catch (error) {
        if (error instanceof ContestError)
          return reply.code(404).send({ error: 'not_found', message: error.message });
        throw error;
      }
    },
  );
}
