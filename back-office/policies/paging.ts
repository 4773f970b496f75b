/** Pages of the module's lists: `.offset().fetch()` (Oracle has no LIMIT), with the total. */

export interface PageRequest {
  /** 1-based; default 1. */
  page?: number;
  /** Rows per page; default 50, at most 500. */
  pageSize?: number;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export async function readPage<Row>(
  request: PageRequest,
  rows: { offset(n: number): { fetch(n: number): { execute(): Promise<Row[]> } } },
  total: { executeTakeFirstOrThrow(): Promise<{ total: unknown }> },
): Promise<Page<Row>> {
  const page = Math.max(1, Math.floor(request.page ?? 1));
  const pageSize = Math.min(500, Math.max(1, Math.floor(request.pageSize ?? 50)));
  const items = await rows
    .offset((page - 1) * pageSize)
    .fetch(pageSize)
    .execute();
  const counted = await total.executeTakeFirstOrThrow();
  return { items, page, pageSize, total: Number(counted.total) };
}
