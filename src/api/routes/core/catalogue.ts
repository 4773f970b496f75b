/**
 * The catalogue over HTTP: one insurer, adding and changing insurers, their products (listed a page
 * at a time, filtered, sorted, "as of date D"), adding and changing products, and the sync of an
 * insurer's catalogue from its adapter folder (the request names the insurer, never a path). Every
 * write names its author and reason (audit log); the rules live in back-office/catalogue, whose
 * refusals carry the status they answer with (the API's error handler sends them as they are).
 */
import type { FastifyContextConfig, FastifyPluginAsync } from 'fastify';
import {
  addInsurer,
  addProduct,
  getInsurer,
  type InsurerChange,
  type InsurerInput,
  listProducts,
  PRODUCT_SORTS,
  type ProductChange,
  type ProductInput,
  type ProductQuery,
  productsOf,
  syncCatalogue,
  updateInsurer,
  updateProduct,
} from '../../../../back-office/catalogue';
import { PRODUCT_GROUPS } from '../../../../back-office/compensation';
import { pageEnvelopeSchema, pageQuerySchema } from '../../paging';
import { actorSchema, apiErrors, dateSchema, text } from '../../schema-types';

/**
 * The permission a route needs, read by the authentication plugin from the route's config. Cast so
 * that it compiles before and after that plugin declares `permission` on FastifyContextConfig.
 */
export function needs(permission: 'catalogue.read' | 'catalogue.write'): FastifyContextConfig {
  return { permission } as unknown as FastifyContextConfig;
}

/** An insurer code in a path: the hub's code (DNIPRO_LIFE) or its adapter folder (dnipro-life). */
export const insurerCodeParam = {
  type: 'string',
  minLength: 1,
  maxLength: 40,
  pattern: '^[A-Za-z0-9_-]+$',
  examples: ['DNIPRO_LIFE'],
} as const;
const productCodeParam = {
  type: 'string',
  minLength: 1,
  maxLength: 40,
  pattern: '^[A-Z0-9][A-Z0-9-]*$',
  examples: ['DL-SAV10'],
} as const;
const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
const rate = {
  type: ['string', 'null'],
  maxLength: 10,
  pattern: '^\\d{1,3}(\\.\\d{1,6})?$',
  description: "percent as exact text, e.g. '25' or '7.5'",
} as const;
const nullableDate = { ...dateSchema, type: ['string', 'null'] } as const;

export const productSchema = {
  $id: 'Product',
  type: 'object',
  required: [
    'id',
    'insurerCode',
    'code',
    'name',
    'productGroup',
    'lineOfBusiness',
    'termYears',
    'firstYearRatePct',
    'renewalRatePct',
    'active',
    'validFrom',
    'validTo',
    'updatedAt',
  ],
  properties: {
    id: { type: 'integer' },
    insurerCode: { type: 'string' },
    code: { type: 'string', description: "The insurer's product code", examples: ['DL-SAV10'] },
    name: { type: 'string' },
    productGroup: { type: 'string', description: 'The group the compensation plan gives points by' },
    lineOfBusiness: { type: ['string', 'null'], examples: ['life'] },
    termYears: { type: ['integer', 'null'] },
    firstYearRatePct: { type: ['string', 'null'], description: "The intermediary's rate in year 1, percent" },
    renewalRatePct: { type: ['string', 'null'] },
    active: { type: 'boolean' },
    validFrom: {
      type: ['string', 'null'],
      format: 'date',
      description: 'First day it is sold: an application whose cover starts earlier is refused',
    },
    validTo: {
      type: ['string', 'null'],
      format: 'date',
      description:
        'First day it is no longer sold: an application whose cover starts then or later is refused',
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** Who changes the catalogue and why (audit log). */
const authorship = {
  recordedBy: actorSchema,
  reason: text(1000, 1),
} as const;

const insurerFields = {
  name: text(300, 1),
  companyCode: { ...nullableText(8), description: 'ЄДРПОУ, 8 digits' },
  contactPerson: nullableText(200),
  contactEmail: nullableText(200),
  contactPhone: nullableText(40),
  active: { type: 'boolean' },
} as const;

const productFields = {
  name: text(300, 1),
  productGroup: { type: 'string', enum: [...PRODUCT_GROUPS] },
  lineOfBusiness: { ...nullableText(40), examples: ['life'] },
  termYears: { type: ['integer', 'null'], minimum: 1, maximum: 100 },
  firstYearRatePct: rate,
  renewalRatePct: rate,
  active: { type: 'boolean' },
  validFrom: nullableDate,
  validTo: nullableDate,
} as const;

const errors = apiErrors(400, 404, 409, 422);

const syncReportSchema = {
  type: 'object',
  required: [
    'insurer',
    'file',
    'insurerAction',
    'added',
    'changed',
    'unchanged',
    'notInFile',
    'changedAnything',
  ],
  properties: {
    insurer: { type: 'string' },
    file: { type: 'string', description: 'The catalogue file read, relative to the project' },
    insurerAction: { type: 'string', enum: ['added', 'changed', 'unchanged'] },
    insurerChanges: { type: 'array', items: { type: 'string' } },
    added: { type: 'array', items: { type: 'string' } },
    changed: {
      type: 'array',
      items: {
        type: 'object',
        properties: { code: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } } },
      },
    },
    unchanged: { type: 'array', items: { type: 'string' } },
    notInFile: { type: 'array', items: { type: 'string' }, description: 'Left as they are' },
    changedAnything: { type: 'boolean' },
  },
} as const;

/** A write's body: its fields and who makes it and why (audit log); nothing else. */
function authoredBody(required: readonly string[], properties: Record<string, unknown>) {
  return {
    type: 'object',
    required: [...required, 'recordedBy', 'reason'],
    additionalProperties: false,
    properties: { ...properties, ...authorship },
  } as const;
}

/** What a change answers: the record as it is now, and the fields that took a new value. */
function changedSchema(record: string) {
  return {
    type: 'object',
    required: ['record', 'changed'],
    properties: {
      record: { $ref: `${record}#` },
      changed: { type: 'array', items: { type: 'string' } },
    },
  } as const;
}

export const catalogueRoutes: FastifyPluginAsync = async (app) => {
  app.addSchema(productSchema);
  const tags = ['core'];
  const read = needs('catalogue.read');
  const write = needs('catalogue.write');
  const insurerParams = {
    type: 'object',
    required: ['code'],
    additionalProperties: false,
    properties: { code: insurerCodeParam },
  } as const;
  const productParams = {
    type: 'object',
    required: ['code', 'product'],
    additionalProperties: false,
    properties: { code: insurerCodeParam, product: productCodeParam },
  } as const;

  app.get<{ Params: { code: string } }>(
    '/api/insurers/:code',
    {
      config: read,
      schema: {
        tags,
        summary: 'One insurer with its products',
        params: insurerParams,
        response: {
          200: {
            allOf: [
              { $ref: 'Insurer#' },
              {
                type: 'object',
                properties: { products: { type: 'array', items: { $ref: 'Product#' } } },
              },
            ],
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const insurer = await getInsurer(app.database, request.params.code);
      return { ...insurer, products: await productsOf(app.database, insurer.code) };
    },
  );

  app.post<{ Body: InsurerInput & { recordedBy: string; reason: string } }>(
    '/api/insurers',
    {
      config: write,
      schema: {
        tags,
        summary: 'Add an insurer (audited with its author and reason)',
        body: authoredBody(['code', 'name'], {
          code: {
            type: 'string',
            minLength: 2,
            maxLength: 40,
            pattern: '^[A-Z][A-Z0-9_]+$',
            examples: ['UNIQA'],
          },
          ...insurerFields,
        }),
        response: { 201: { $ref: 'Insurer#' }, ...errors },
      },
    },
    async (request, reply) => {
      const { recordedBy, reason, ...input } = request.body;
      return reply.code(201).send(await addInsurer(app.database, input, { recordedBy, reason }));
    },
  );

  app.patch<{ Params: { code: string }; Body: InsurerChange & { recordedBy: string; reason: string } }>(
    '/api/insurers/:code',
    {
      config: write,
      schema: {
        tags,
        summary: "Change an insurer's name, ЄДРПОУ, contacts or whether it is active (audited)",
        params: insurerParams,
        body: authoredBody([], insurerFields),
        response: { 200: changedSchema('Insurer'), ...errors },
      },
    },
    async (request) => {
      const { recordedBy, reason, ...change } = request.body;
      return updateInsurer(app.database, request.params.code, change, { recordedBy, reason });
    },
  );

  app.get<{ Querystring: ProductQuery }>(
    '/api/products',
    {
      config: read,
      schema: {
        tags,
        summary: 'List products, filtered and sorted; asOf: those sold on that date',
        querystring: pageQuerySchema({
          insurer: { ...insurerCodeParam, description: "the insurer's code" },
          productGroup: { type: 'string', enum: [...PRODUCT_GROUPS] },
          lineOfBusiness: { type: 'string', maxLength: 40 },
          active: { type: 'boolean' },
          asOf: { ...dateSchema, description: 'only products sold on this date' },
          q: { type: 'string', maxLength: 100, description: 'part of the code or name' },
          sort: { type: 'string', enum: PRODUCT_SORTS, default: 'insurer' },
        }),
        response: { 200: pageEnvelopeSchema({ $ref: 'Product#' }, 'A page of products'), ...errors },
      },
    },
    async (request) => listProducts(app.database, request.query),
  );

  app.post<{ Params: { code: string }; Body: ProductInput & { recordedBy: string; reason: string } }>(
    '/api/insurers/:code/products',
    {
      config: write,
      schema: {
        tags,
        summary: "Add a product to an insurer's catalogue (audited)",
        params: insurerParams,
        body: authoredBody(['code', 'name', 'productGroup'], { code: productCodeParam, ...productFields }),
        response: { 201: { $ref: 'Product#' }, ...errors },
      },
    },
    async (request, reply) => {
      const { recordedBy, reason, ...input } = request.body;
      return reply
        .code(201)
        .send(await addProduct(app.database, request.params.code, input, { recordedBy, reason }));
    },
  );

  app.patch<{
    Params: { code: string; product: string };
    Body: ProductChange & { recordedBy: string; reason: string };
  }>(
    '/api/insurers/:code/products/:product',
    {
      config: write,
      schema: {
        tags,
        summary: 'Change a product: name, group, line, rates, the dates it is sold between (audited)',
        params: productParams,
        body: authoredBody([], productFields),
        response: { 200: changedSchema('Product'), ...errors },
      },
    },
    async (request) => {
      const { recordedBy, reason, ...change } = request.body;
      return updateProduct(app.database, request.params.code, request.params.product, change, {
        recordedBy,
        reason,
      });
    },
  );

  app.post<{ Params: { code: string }; Body: { recordedBy: string; reason?: string } }>(
    '/api/insurers/:code/sync',
    {
      config: write,
      schema: {
        tags,
        summary:
          "Create or update the insurer and its products from its adapter folder's catalogue.yaml, in one transaction",
        params: insurerParams,
        body: {
          type: 'object',
          required: ['recordedBy'],
          additionalProperties: false,
          properties: { recordedBy: actorSchema, reason: text(1000, 1) },
        },
        response: { 200: syncReportSchema, ...errors },
      },
    },
    async (request) =>
      syncCatalogue(app.database, request.params.code, {
        recordedBy: request.body.recordedBy,
        reason: request.body.reason,
      }),
  );
};
