/**
 * A plain JSON partner API on loopback, unlike Karpaty's: an API key in a header or a query
 * parameter, items under `data`, paged by cursor (`meta.next_cursor`) or by page number
 * (`meta.pages`), and an `updated_since` filter. Tests use it to show that an ordinary REST API is
 * onboarded by adapter.yaml alone, with no hook.
 */
import http from 'node:http';

export interface JsonApiRecord {
  id: string;
  /** ISO 8601 moment of the last change; `updated_since` keeps records changed at or after it. */
  updatedAt: string;
  [field: string]: unknown;
}

export interface JsonApiSandboxOptions {
  /** Where the key is expected: header `X-Api-Key` or query parameter `api_key`. */
  keyIn: 'header' | 'query';
  apiKey: string;
  /** `cursor`: `?cursor=` and `meta.next_cursor`; `page`: `?page=&per_page=` and `meta.pages`. */
  paging: 'cursor' | 'page';
  /** Records per page when the client does not say, default 2. */
  pageSize?: number;
  records?: JsonApiRecord[];
}

export interface JsonApiSandbox {
  url: string;
  /** Every request: path with query (the key blanked out), status, whether a key came. */
  log: { path: string; query: Record<string, string>; status: number }[];
  records: JsonApiRecord[];
  /** Bodies POSTed to /v1/applications, answered 201 `{ id: 'APP-<n>' }`. */
  received: { contentType: string; body: Buffer }[];
  close(): Promise<void>;
}

const KEY_HEADER = 'x-api-key';
const KEY_PARAM = 'api_key';

export async function startJsonApiSandbox(options: JsonApiSandboxOptions): Promise<JsonApiSandbox> {
  const records = options.records ?? [];
  const log: JsonApiSandbox['log'] = [];
  const received: JsonApiSandbox['received'] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const answer = (status: number, body: unknown) => {
      if (KEY_PARAM in query) query[KEY_PARAM] = '***';
      log.push({ path: url.pathname, query, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const key = options.keyIn === 'header' ? req.headers[KEY_HEADER] : url.searchParams.get(KEY_PARAM);
    if (key !== options.apiKey)
      return answer(401, { error: 'unauthorized', message: 'bad or missing API key' });
    if (req.method === 'POST' && url.pathname === '/v1/applications') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        answer(201, { id: `APP-${received.length}`, status: 'received' });
      });
      return;
    }
    if (req.method !== 'GET' || url.pathname !== '/v1/payments')
      return answer(404, { error: 'not_found', message: `${req.method} ${url.pathname}` });
    const since = url.searchParams.get('updated_since');
    if (since !== null && Number.isNaN(Date.parse(since)))
      return answer(400, { error: 'bad_request', message: 'updated_since must be ISO 8601' });
    const selected = records
      .filter((r) => since === null || Date.parse(r.updatedAt) >= Date.parse(since))
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt) || a.id.localeCompare(b.id));
    const size = Number(
      url.searchParams.get(options.paging === 'page' ? 'per_page' : 'limit') ?? options.pageSize ?? 2,
    );
    if (options.paging === 'cursor') {
      const cursor = url.searchParams.get('cursor');
      const from = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString());
      const data = selected.slice(from, from + size);
      const next =
        from + size < selected.length ? Buffer.from(String(from + size)).toString('base64url') : null;
      return answer(200, { data, meta: { next_cursor: next } });
    }
    const page = Number(url.searchParams.get('page') ?? 1);
    const pages = Math.max(1, Math.ceil(selected.length / size));
    return answer(200, { data: selected.slice((page - 1) * size, page * size), meta: { page, pages } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    records,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
