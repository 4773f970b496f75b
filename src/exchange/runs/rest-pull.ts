/**
 * Incoming messages an ordinary REST API serves, fetched by configuration alone (adapter.yaml
 * `messages.<name>.request`): the call, its paging, the `since` of the last successful pull, and
 * where the items are. Each page is stored raw as one message of that type, over channel `rest`;
 * the `since` moves on only once every page is stored, so a failed pull is asked again whole.
 */
import type { MessageTypeConfig, RestRequestConfig } from '../adapter-config';
import { answerValue, itemCount, type PagingSpec, type RestTransport, TransportError } from '../transports';
import type { ExchangeHookContext } from './hooks';

/** Incoming messages fetched by configuration: a GET whose path has no `{placeholder}` for a hook to fill. */
export function configuredPulls(
  messages: Record<string, MessageTypeConfig>,
): [string, MessageTypeConfig & { request: RestRequestConfig }][] {
  return Object.entries(messages).filter(
    (entry): entry is [string, MessageTypeConfig & { request: RestRequestConfig }] =>
      entry[1].direction === 'in' &&
      entry[1].request?.method === 'GET' &&
      !/[{}]/.test(entry[1].request.path),
  );
}

/** The cursor in exchange_cursor that holds a message's `since`. */
export const sinceCursor = (messageName: string) => `since:${messageName}`;

export function pagingSpec(request: RestRequestConfig): PagingSpec {
  const paging = request.paging;
  if (paging && 'page' in paging) return { kind: 'page', ...paging.page, itemsPath: request.itemsPath };
  if (paging && 'cursor' in paging) return { kind: 'cursor', ...paging.cursor, itemsPath: request.itemsPath };
  return { kind: 'none' };
}

const ACCEPT: Record<MessageTypeConfig['format'], string> = {
  json: 'application/json',
  xml: 'application/xml',
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Fetches every page of one configured message and stores each; answers how many were stored. */
export async function pullConfigured(
  context: ExchangeHookContext,
  name: string,
  message: MessageTypeConfig & { request: RestRequestConfig },
  startedAt: Date,
): Promise<number> {
  const rest = context.rest;
  if (!rest) throw new Error(`${context.adapter.file}: /messages/${name}/request needs channels.rest`);
  const { request } = message;
  const moment = startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const asOf = (format: 'date' | 'datetime' = 'datetime') => (format === 'date' ? context.today : moment);
  const query: Record<string, string | undefined> = { ...request.query };
  if (request.since)
    query[request.since.param] = (await context.cursors.get(sinceCursor(name))) ?? request.since.initial;
  if (request.until) query[request.until.param] = asOf(request.until.format);

  const slug =
    request.path
      .split('/')
      .filter((s) => s !== '')
      .pop()
      ?.replace(/[^A-Za-z0-9-]/g, '-') || name;
  const stamp = moment.replace(/[-:]/g, '');
  const pages = await rest.pages(
    { method: 'GET', path: request.path, query, accept: ACCEPT[message.format] },
    pagingSpec(request),
    `${slug}-${stamp}`,
  );
  let stored = 0;
  for (const [i, page] of pages.entries()) {
    // A page without items (the empty last page of a cursor) has nothing to apply.
    if (request.itemsPath && itemCount(page, request.itemsPath) === 0) continue;
    await context.receive({
      fileName: `${slug}-${stamp}-p${i + 1}.${message.format}`,
      externalId: page.externalId,
      payload: page.bytes,
      messageType: name,
      channel: 'rest',
    });
    stored++;
  }
  if (request.since) await context.cursors.set(sinceCursor(name), asOf(request.since.format));
  return stored;
}

/** Whether an outgoing message is sent by configuration: a POST or PUT that says where its answer's id is. */
export function sentByConfiguration(message: MessageTypeConfig): boolean {
  return (
    message.direction === 'out' &&
    !!message.request?.answerIdPath &&
    (message.request.method === 'POST' || message.request.method === 'PUT')
  );
}

/**
 * Sends one built message (a register) by its configured request; answers the insurer's id for it,
 * read from the answer at `answerIdPath`. Not repeated after an answer that may mean it was taken.
 */
export async function sendConfigured(
  rest: RestTransport,
  message: MessageTypeConfig & { request: RestRequestConfig },
  fileName: string,
  payload: Buffer,
): Promise<{ externalId: string }> {
  const { request } = message;
  const answer = await rest.request(
    {
      method: request.method,
      path: request.path,
      query: request.query,
      body: payload,
      contentType: message.format === 'csv' ? 'text/csv' : ACCEPT[message.format],
      accept: 'application/json, application/xml;q=0.9, */*;q=0.1',
      idempotent: false,
    },
    fileName,
  );
  let id: unknown;
  try {
    id = answerValue(answer, request.answerIdPath!);
  } catch {
    id = undefined;
  }
  if (Array.isArray(id)) id = id[0];
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') {
    throw new TransportError(
      'rest',
      'protocol',
      `${request.method} ${request.path} (${fileName}): the answer has no id at ${request.answerIdPath}`,
      { target: answer.externalId, body: answer.bytes, retryable: false },
    );
  }
  return { externalId: String(id) };
}

/**
 * An answer to a register fetched by configuration: a GET whose path has one `{placeholder}`,
 * filled with the insurer's id of each register not fully answered yet (the id `answerIdPath` read
 * when it was sent), e.g. `/applications/batches/{batchId}`.
 */
export function polledByConfiguration(name: string, message: MessageTypeConfig): boolean {
  return (
    message.direction === 'in' &&
    (message.record ?? name) === 'register-answer' &&
    message.request?.method === 'GET' &&
    (message.request.path.match(/\{[^}]+\}/g) ?? []).length === 1
  );
}

/** Asks for the answer to each register by its id, storing each answer as a register-answer message. */
export async function pollConfigured(
  context: ExchangeHookContext,
  name: string,
  message: MessageTypeConfig & { request: RestRequestConfig },
  registers: { registerNo: string; externalId: string }[],
): Promise<void> {
  const rest = context.rest;
  if (!rest) throw new Error(`${context.adapter.file}: /messages/${name}/request needs channels.rest`);
  const { request } = message;
  const slug = request.path
    .split('/')
    .filter((s) => s !== '' && !s.includes('{'))
    .pop()
    ?.replace(/[^A-Za-z0-9-]/g, '-');
  for (const register of registers) {
    const answer = await rest.request({
      method: 'GET',
      path: request.path.replace(/\{[^}]+\}/, encodeURIComponent(register.externalId)),
      query: request.query,
      accept: ACCEPT[message.format],
    });
    await context.receive({
      fileName: `${slug || name}-${register.externalId.replace(/[^A-Za-z0-9-]/g, '-')}.${message.format}`,
      externalId: answer.externalId,
      payload: answer.bytes,
      messageType: name,
      channel: 'rest',
    });
  }
}
