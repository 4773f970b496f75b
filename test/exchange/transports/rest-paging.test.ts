/**
 * Issue 11 item 3, the transport side: an API key in a header or a query parameter, cursor paging
 * and page-number paging, against a real HTTP server (test/sandbox/json-api.ts).
 */
import type { MessageTypeConfig, RestRequestConfig } from '../../../src/exchange/adapter-config';
import { sendConfigured } from '../../../src/exchange/runs';
import { RestTransport, TransportError } from '../../../src/exchange/transports';
import { type JsonApiRecord, type JsonApiSandbox, startJsonApiSandbox } from '../../sandbox';

const records: JsonApiRecord[] = [1, 2, 3, 4, 5].map((n) => ({
  id: `P-${n}`,
  updatedAt: `2026-10-0${n}T10:00:00Z`,
  policy: `NC-${n}`,
  amount: 100 * n,
}));

let sandbox: JsonApiSandbox;
const transports: RestTransport[] = [];

function transport(keyIn: 'header' | 'query', key = 'k-123'): RestTransport {
  const t = new RestTransport({
    baseUrl: sandbox.url,
    auth: { kind: 'api-key', in: keyIn, name: keyIn === 'header' ? 'X-Api-Key' : 'api_key', key },
    requestTimeoutMs: 5000,
    retry: { attempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
  });
  transports.push(t);
  return t;
}

const ids = (pages: { bytes: Buffer }[]) =>
  pages.flatMap((p) => (JSON.parse(p.bytes.toString()) as { data: { id: string }[] }).data.map((r) => r.id));

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  await sandbox.close();
});

describe('REST by configuration against a JSON API', () => {
  it('follows the cursor of each answer, with the API key in a header', async () => {
    sandbox = await startJsonApiSandbox({ keyIn: 'header', apiKey: 'k-123', paging: 'cursor', records });
    const pages = await transport('header').pages(
      { method: 'GET', path: '/payments', query: { updated_since: '2026-10-02T00:00:00Z' } },
      { kind: 'cursor', param: 'cursor', cursorPath: 'meta.next_cursor', itemsPath: 'data' },
      'payments',
    );
    expect(ids(pages)).toEqual(['P-2', 'P-3', 'P-4', 'P-5']);
    expect(sandbox.log.map((l) => [l.query.cursor ?? null, l.status])).toEqual([
      [null, 200],
      [Buffer.from('2').toString('base64url'), 200],
    ]);
    expect(pages.map((p) => p.name)).toEqual(['payments-p1', 'payments-p2']);
  });

  it('counts pages by the page count the answer gives, with the API key in the query', async () => {
    sandbox = await startJsonApiSandbox({ keyIn: 'query', apiKey: 'k-123', paging: 'page', records });
    const pages = await transport('query').pages(
      { method: 'GET', path: '/payments' },
      { kind: 'page', param: 'page', sizeParam: 'per_page', size: 2, totalPagesPath: 'meta.pages' },
      'payments',
    );
    expect(ids(pages)).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-5']);
    expect(sandbox.log.map((l) => l.query)).toEqual(
      [1, 2, 3].map((page) => ({ api_key: '***', page: String(page), per_page: '2' })),
    );
    // The key goes to the insurer only: never into what is stored or logged.
    expect(pages.map((p) => p.externalId)).toEqual(
      [1, 2, 3].map((page) => `GET /payments?page=${page}&per_page=2`),
    );
  });

  it('ends page paging at a page shorter than its size when the answer gives no count', async () => {
    sandbox = await startJsonApiSandbox({ keyIn: 'header', apiKey: 'k-123', paging: 'page', records });
    const pages = await transport('header').pages(
      { method: 'GET', path: '/payments' },
      { kind: 'page', param: 'page', sizeParam: 'per_page', size: 3, itemsPath: 'data' },
      'payments',
    );
    expect(ids(pages)).toEqual(['P-1', 'P-2', 'P-3', 'P-4', 'P-5']);
    expect(sandbox.log).toHaveLength(2);
  });

  it('is refused once for a wrong key, without retrying and without showing the key', async () => {
    sandbox = await startJsonApiSandbox({ keyIn: 'query', apiKey: 'k-123', paging: 'page', records });
    const error = await transport('query', 'wrong-key')
      .request({ method: 'GET', path: '/payments' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).status).toBe(401);
    expect((error as TransportError).message).toBe(
      `GET ${sandbox.url}/payments: API key refused (HTTP 401, key sent in query api_key)`,
    );
    expect((error as TransportError).message).not.toContain('wrong-key');
    expect(sandbox.log).toHaveLength(1);
  });

  it('sends a register by its configured request and reads the insurer id from the answer', async () => {
    sandbox = await startJsonApiSandbox({ keyIn: 'header', apiKey: 'k-123', paging: 'page', records });
    const register = (answerIdPath: string): MessageTypeConfig & { request: RestRequestConfig } => ({
      direction: 'out',
      format: 'csv',
      mapping: 'mappings/dnipro-life/register.yaml',
      request: { method: 'POST', path: '/applications', answerIdPath },
    });
    const t = transport('header');
    const sent = await sendConfigured(t, register('id'), 'REG_001.csv', Buffer.from('a;b\n'));
    expect(sent).toEqual({ externalId: 'APP-1' });
    expect(sandbox.received).toEqual([{ contentType: 'text/csv', body: Buffer.from('a;b\n') }]);

    const noId = await sendConfigured(t, register('batch.id'), 'REG_002.csv', Buffer.from('c;d\n')).catch(
      (e: unknown) => e,
    );
    expect(noId).toBeInstanceOf(TransportError);
    expect((noId as TransportError).message).toBe(
      'POST /applications (REG_002.csv): the answer has no id at batch.id',
    );
    // Sent once: a POST the insurer may have taken is never repeated blindly.
    expect(sandbox.received).toHaveLength(2);
  });
});
