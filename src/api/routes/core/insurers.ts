/** GET /api/insurers: the insurers the hub exchanges data with, a page at a time, by code. */
import type { FastifyPluginAsync } from 'fastify';
import { fetchPage, type Page, type PageQuery, pageEnvelopeSchema, pageQuerySchema } from '../../paging';

export interface InsurerView {
  id: number;
  /** The hub's code of the insurer, e.g. DNIPRO_LIFE. */
  code: string;
  name: string;
  /** ЄДРПОУ, the Ukrainian company registration code. */
  companyCode: string | null;
  createdAt: Date;
}

const insurerSchema = {
  $id: 'Insurer',
  type: 'object',
  required: ['id', 'code', 'name', 'companyCode', 'createdAt'],
  properties: {
    id: { type: 'integer' },
    code: { type: 'string', description: "The hub's code of the insurer", examples: ['DNIPRO_LIFE'] },
    name: { type: 'string' },
    companyCode: { type: ['string', 'null'], description: 'ЄДРПОУ (company registration code)' },
    createdAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const insurerRoutes: FastifyPluginAsync = async (app) => {
  app.addSchema(insurerSchema);

  app.get<{ Querystring: PageQuery; Reply: Page<InsurerView> }>(
    '/api/insurers',
    {
      config: { permission: 'catalogue.read' },
      schema: {
        tags: ['core'],
        summary: 'List insurers, ordered by code',
        querystring: pageQuerySchema(),
        response: {
          200: pageEnvelopeSchema({ $ref: 'Insurer#' }, 'A page of insurers'),
          400: { $ref: 'ApiError#' },
        },
      },
    },
    async (request) => {
      const { db } = app.database;
      return fetchPage(
        request.query,
        db
          .selectFrom('insurer')
          .select(['id', 'code', 'name', 'company_code as companyCode', 'created_at as createdAt'])
          .orderBy('code'),
        db.selectFrom('insurer').select((eb) => eb.fn.countAll().as('total')),
      );
    },
  );
};
