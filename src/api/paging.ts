/**
 * The paging convention of every list route: `?page=1&pageSize=50` in, `{ items, page, pageSize, total }`
 * out. Rows are read with `.offset().fetch()`, which compiles on Oracle too (`.limit()` does not).
 */

export const PAGE_SIZE_DEFAULT = 50;
export const PAGE_SIZE_MAX = 500;
/** Far past any list we hold, and small enough that the row offset stays an exact number. */
export const PAGE_MAX = 1_000_000;

/** The validated query of a list route (fastify fills the defaults). */
export interface PageQuery {
  /** 1-based page number. */
  page: number;
  /** Rows per page, 1..500. */
  pageSize: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  /** Rows over all pages, so a client can show "41-50 of 1234". */
  total: number;
}

type JsonSchema = Record<string, unknown>;

export const pageQueryProperties = {
  page: {
    type: 'integer',
    minimum: 1,
    maximum: PAGE_MAX,
    default: 1,
    description: `1-based page number, at most ${PAGE_MAX}`,
  },
  pageSize: {
    type: 'integer',
    minimum: 1,
    maximum: PAGE_SIZE_MAX,
    default: PAGE_SIZE_DEFAULT,
    description: `rows per page, 1 to ${PAGE_SIZE_MAX}`,
  },
} as const;

/**
 * The querystring schema of a list route; `filters` adds the route's own parameters, e.g.
 * `pageQuerySchema({ insurer: { type: 'string', maxLength: 40 } })`. Unknown parameters are refused.
 */
export function pageQuerySchema(filters: Record<string, JsonSchema> = {}): JsonSchema {
  return {
    type: 'object',
    properties: { ...pageQueryProperties, ...filters },
    additionalProperties: false,
  };
}

/** The response schema of a list route whose rows look like `item`. */
export function pageEnvelopeSchema(item: JsonSchema, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description ? { description } : {}),
    required: ['items', 'page', 'pageSize', 'total'],
    properties: {
      items: { type: 'array', items: item },
      page: { type: 'integer', minimum: 1 },
      pageSize: { type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX },
      total: { type: 'integer', minimum: 0 },
    },
  };
}

/** How many rows to skip for the page. */
export function pageOffset(query: PageQuery): number {
  return (query.page - 1) * query.pageSize;
}

/** The part of Kysely's SelectQueryBuilder a page needs, so any ordered select fits. */
export interface OrderedRowsQuery<Row> {
  offset(rows: number): { fetch(rows: number): { execute(): Promise<Row[]> } };
}

/** A query answering one row with a `total` column (int8 arrives as a number or as text). */
export interface TotalQuery {
  executeTakeFirstOrThrow(): Promise<{ total: number | string | bigint }>;
}

/**
 * Reads one page: `rows` must already be ordered (by a unique key, or pages overlap), `total` counts
 * the same rows. Example:
 *
 *     fetchPage(query,
 *       db.selectFrom('insurer').select(['id', 'code']).orderBy('code'),
 *       db.selectFrom('insurer').select((eb) => eb.fn.countAll().as('total')))
 */
export async function fetchPage<Row>(
  query: PageQuery,
  rows: OrderedRowsQuery<Row>,
  total: TotalQuery,
): Promise<Page<Row>> {
  const items = await rows.offset(pageOffset(query)).fetch(query.pageSize).execute();
  const counted = await total.executeTakeFirstOrThrow();
  return { items, page: query.page, pageSize: query.pageSize, total: Number(counted.total) };
}
