/**
 * GET /api/insurers: the insurers the hub exchanges data with, a page at a time, filtered (active,
 * part of code or name) and sorted (by code unless asked). The rest of the catalogue (one insurer,
 * adding and changing insurers and products, the sync from an adapter folder) is in ./catalogue.ts,
 * registered from here.
 */
import type { FastifyPluginAsync } from 'fastify';
import {
  INSURER_SORTS,
  type InsurerRecord,
  type InsurerSort,
  listInsurers,
} from '../../../../back-office/catalogue';
import { type Page, type PageQuery, pageEnvelopeSchema, pageQuerySchema } from '../../paging';
import { catalogueRoutes, needs } from './catalogue';

export type InsurerView = InsurerRecord;

const insurerSchema = {
  $id: 'Insurer',
  type: 'object',
  required: [
    'id',
    'code',
    'name',
    'companyCode',
    'contactPerson',
    'contactEmail',
    'contactPhone',
    'active',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    code: { type: 'string', description: "The hub's code of the insurer", examples: ['DNIPRO_LIFE'] },
    name: { type: 'string' },
    companyCode: { type: ['string', 'null'], description: 'ЄДРПОУ (company registration code)' },
    contactPerson: { type: ['string', 'null'] },
    contactEmail: { type: ['string', 'null'] },
    contactPhone: { type: ['string', 'null'] },
    active: { type: 'boolean', description: 'false once the hub no longer works with the insurer' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

interface InsurerListQuery extends PageQuery {
  active?: boolean;
  q?: string;
  sort?: InsurerSort;
}

export const insurerRoutes: FastifyPluginAsync = async (app) => {
  app.addSchema(insurerSchema);

  app.get<{ Querystring: InsurerListQuery; Reply: Page<InsurerView> }>(
    '/api/insurers',
    {
      config: needs('catalogue.read'),
      schema: {
        tags: ['core'],
        summary: 'List insurers, ordered by code unless sort says otherwise',
        querystring: pageQuerySchema({
          active: { type: 'boolean', description: 'only active (true) or inactive (false) insurers' },
          q: { type: 'string', maxLength: 100, description: 'part of the code or name, any case' },
          sort: {
            type: 'string',
            enum: INSURER_SORTS,
            default: 'code',
            description: '-field sorts descending',
          },
        }),
        response: {
          200: pageEnvelopeSchema({ $ref: 'Insurer#' }, 'A page of insurers'),
          400: { $ref: 'ApiError#' },
        },
      },
    },
    async (request) => listInsurers(app.database, request.query),
  );

  await app.register(catalogueRoutes);
};
