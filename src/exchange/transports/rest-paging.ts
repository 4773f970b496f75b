/**
 * Paging through a REST answer, as adapter.yaml says it (Airbyte's low-code paginators are the
 * model): by page number, or by a cursor the answer carries. The answer is read only for the few
 * values paging needs (the next cursor, the page count, how many items came), by a dotted path
 * into the JSON or XML body; the body itself stays raw bytes for the message store.
 */
import { parseJson } from '../formats/json';
import { parseXml } from '../formats/xml';
import type { FetchedItem } from './transport';
import { TransportError } from './transport-error';

export type PagingSpec =
  | {
      kind: 'page';
      /** Query parameter of the page number, e.g. `page`. */
      param: string;
      /** Number of the first page, default 1. */
      startAt?: number;
      /** Query parameter of the page size, e.g. `per_page`, sent with `size`. */
      sizeParam?: string;
      size?: number;
      /** Where the answer says how many pages there are, e.g. `meta.pages` or `PolicyPage.@pages`. */
      totalPagesPath?: string;
      /** Where the items are, e.g. `data`: an empty page (or one short of `size`) is the last. */
      itemsPath?: string;
    }
  | {
      kind: 'cursor';
      /** Query parameter that carries the cursor, e.g. `cursor`. */
      param: string;
      /** Where the answer has the next cursor, e.g. `meta.next_cursor`: none, null or empty ends paging. */
      cursorPath: string;
      sizeParam?: string;
      size?: number;
      /** Where the items are: an empty page is the last whatever the cursor says. */
      itemsPath?: string;
    }
  | { kind: 'none' };

/**
 * A value in an answer by dotted path: JSON keys and array indexes (`data.0.id`), or for XML the
 * document element, then child elements and `@attribute` (`PolicyPage.@pages`, `PolicyPage.Policy`).
 * Walking into a list by a name takes its first element. Undefined when the path is not there.
 */
export function answerValue(item: FetchedItem, dotted: string): unknown {
  const text = item.bytes.toString('utf8', 0, Math.min(item.bytes.length, 64)).replace(/^\ufeff/, '');
  let value: unknown;
  if (/^\s*</.test(text)) {
    const doc = parseXml(item.bytes, item.name);
    value = { [doc.rootName]: doc.root };
  } else {
    value = parseJson(item.bytes, item.name);
  }
  if (dotted === '' || dotted === '.') return value;
  for (const key of dotted.split('.')) {
    if (Array.isArray(value) && !/^\d+$/.test(key)) value = value[0];
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** How many items a page holds: a list's length, 0 for nothing, 1 for a single element. */
export function itemCount(item: FetchedItem, itemsPath: string): number {
  const items = answerValue(item, itemsPath);
  if (Array.isArray(items)) return items.length;
  return items === undefined || items === null ? 0 : 1;
}

function scalar(value: unknown): string | null {
  if (Array.isArray(value)) return scalar(value[0]);
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (value && typeof value === 'object' && typeof (value as { '#text'?: unknown })['#text'] === 'string')
    return scalar((value as { '#text': string })['#text']);
  return null;
}

/**
 * The query of each next page given the previous answer (null for the first): null when the
 * previous answer was the last page.
 */
export function pageRequests(
  spec: PagingSpec,
  where: string,
): { query(previous: FetchedItem | null): Record<string, string> | null } {
  const size = (s: { sizeParam?: string; size?: number }) =>
    s.sizeParam && s.size !== undefined ? { [s.sizeParam]: String(s.size) } : {};
  const protocol = (previous: FetchedItem, message: string) =>
    new TransportError('rest', 'protocol', `${where}: ${message}`, {
      target: previous.externalId,
      body: previous.bytes,
      retryable: false,
    });
  if (spec.kind === 'none') return { query: (previous) => (previous ? null : {}) };
  if (spec.kind === 'page') {
    const first = spec.startAt ?? 1;
    let page = first;
    return {
      query(previous) {
        if (previous) {
          if (spec.totalPagesPath) {
            const total = Number(scalar(answerValue(previous, spec.totalPagesPath)));
            if (!Number.isInteger(total) || total < 0)
              throw protocol(previous, `answer has no page count at ${spec.totalPagesPath}`);
            // Pages numbered from 0 end at total - 1.
            if (page - first + 1 >= total) return null;
          }
          if (spec.itemsPath) {
            const count = itemCount(previous, spec.itemsPath);
            if (count === 0 || (spec.size !== undefined && count < spec.size)) return null;
          }
          page++;
        }
        return { [spec.param]: String(page), ...size(spec) };
      },
    };
  }
  const seen = new Set<string>();
  return {
    query(previous) {
      if (!previous) return { ...size(spec) };
      if (spec.itemsPath && itemCount(previous, spec.itemsPath) === 0) return null;
      const cursor = scalar(answerValue(previous, spec.cursorPath));
      if (cursor === null) return null;
      // An API that hands back a cursor it gave before would page for ever.
      if (seen.has(cursor)) throw protocol(previous, `the cursor '${cursor}' came back a second time`);
      seen.add(cursor);
      return { [spec.param]: cursor, ...size(spec) };
    },
  };
}
