/**
 * Pages of the module's lists: `.offset().fetch()` (Oracle has no LIMIT), with the total. The total
 * is exact: counted by the database, except when the page itself shows where the list ends (a page
 * shorter than pageSize that is not past the end), where it is the rows before the page plus the
 * page's own, and no count is sent.
 */

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
  const { page, pageSize } = pageOf(request);
  const items = await rows
    .offset((page - 1) * pageSize)
    .fetch(pageSize)
    .execute();
  const before = (page - 1) * pageSize;
  if (items.length < pageSize && (items.length > 0 || before === 0))
    return { items, page, pageSize, total: before + items.length };
  const counted = await total.executeTakeFirstOrThrow();
  return { items, page, pageSize, total: Number(counted.total) };
}

/** The page and page size a request asks for, as readPage reads them. */
export function pageOf(request: PageRequest): { page: number; pageSize: number } {
  return {
    page: Math.max(1, Math.floor(request.page ?? 1)),
    pageSize: Math.min(500, Math.max(1, Math.floor(request.pageSize ?? 50))),
  };
}
