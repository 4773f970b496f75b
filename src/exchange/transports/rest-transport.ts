/**
 * REST channel for an insurer's HTTP API: authentication (OAuth2 client credentials, an API key in a
 * header or query parameter, or none), bounded retries with backoff and Retry-After, a size limit,
 * and paging (rest-paging.ts). Which calls an insurer's API has is the adapter's business
 * (adapter.yaml, or its hook for what configuration cannot say), never this module's. Bodies come
 * back as raw bytes; signatures are checked by the stage after the message store, never here.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { OAuthTokenCache, type IssuedToken } from './oauth-token-cache';
import { type PagingSpec, pageRequests } from './rest-paging';
import { DEFAULT_RETRY_POLICY, sleep, withRetry, type RetryPolicy } from './retry';
import type { FetchedItem } from './transport';
import { TransportError } from './transport-error';

/** How calls are authorised. */
export type RestAuth =
  /** OAuth2 client credentials (RFC 6749 §4.4): a bearer token, fetched and renewed as needed. */
  | { kind: 'oauth-client-credentials'; tokenUrl?: string; clientId: string; clientSecret: string }
  /** A fixed key, e.g. `{ in: 'header', name: 'X-Api-Key' }` or `{ in: 'query', name: 'api_key' }`. */
  | { kind: 'api-key'; in: 'header' | 'query'; name: string; key: string }
  | { kind: 'none' };

export interface RestTransportOptions {
  /** API root, e.g. `https://sandbox.partner.karpaty.example/api/v2`. */
  baseUrl: string;
  /** How calls are authorised; without it, OAuth2 client credentials when clientId is given, else none. */
  auth?: RestAuth;
  /** OAuth: default `<baseUrl>/oauth/token` */
  tokenUrl?: string;
  /** OAuth2 client credentials given at onboarding (resolved from the secrets folder by the caller). */
  clientId?: string;
  clientSecret?: string;
  /** Whole request, connect to last body byte; default 30 s. */
  requestTimeoutMs?: number;
  /** Retries on network errors, timeouts, 5xx and 429; default 4 tries, 250 ms doubling. */
  retry?: RetryPolicy;
  /** Longest Retry-After we wait out; above it the call fails so the scheduler retries later. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Largest answer body we accept, bytes; default 50 MiB. */
  maxBytes?: number;
  /** Safety stop for paging, default 1000 pages. */
  maxPages?: number;
  /** pino-compatible */
  logger?: { warn(obj: object, msg: string): void };
  /** Tests shorten waits through it; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** One call to the insurer's API. */
export interface RestCall {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below baseUrl, e.g. `/policies`; may carry a query of its own. */
  path: string;
  /** Query parameters, e.g. { changedSince: '2026-10-01T00:00:00Z', page: '2' }; unset ones are left out. */
  query?: Record<string, string | undefined>;
  body?: Buffer;
  contentType?: string;
  /** Accept header, default `*\/*`. */
  accept?: string;
  /**
   * A call that may be repeated safely; default true for GET. A POST that creates something is
   * retried only when the insurer surely did not take it.
   */
  idempotent?: boolean;
}

const CHANNEL = 'rest';
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export class RestTransport {
  readonly channel = CHANNEL;
  readonly tokens: OAuthTokenCache;
  private readonly agent: Dispatcher;
  private readonly baseUrl: string;
  private readonly auth: RestAuth;

  constructor(private readonly options: RestTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.requestTimeoutMs ?? 30_000 },
    });
    this.auth =
      options.auth ??
      (options.clientId
        ? {
            kind: 'oauth-client-credentials',
            tokenUrl: options.tokenUrl,
            clientId: options.clientId,
            clientSecret: options.clientSecret ?? '',
          }
        : { kind: 'none' });
    this.tokens = new OAuthTokenCache({ requestToken: () => this.requestToken() });
  }

  private get tokenUrl(): string {
    return (
      (this.auth.kind === 'oauth-client-credentials' && this.auth.tokenUrl) || `${this.baseUrl}/oauth/token`
    );
  }

  /**
   * One call; answers the body as an item named `name` whose external id is the method, path and
   * query (never the API key). A non-2xx answer is a TransportError carrying the status and body.
   */
  async request(call: RestCall, name?: string): Promise<FetchedItem> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) query.set(k, v);
    const q = query.toString();
    const pathAndQuery = q ? `${call.path}${call.path.includes('?') ? '&' : '?'}${q}` : call.path;
    const url = `${this.baseUrl}${pathAndQuery}`;
    const idempotent = call.idempotent ?? call.method === 'GET';
    const bytes = await this.withRetries(idempotent, `${call.method} ${url}`, async () => {
      if (this.auth.kind !== 'oauth-client-credentials') return this.send(call, url, null);
      const token = await this.tokens.get();
      try {
        return await this.send(call, url, token);
      } catch (err) {
        // A token revoked or expired early: one fresh token, one more try (not counted as a retry).
        if (!(err instanceof TransportError) || err.status !== 401) throw err;
        this.tokens.invalidate(token);
        return this.send(call, url, await this.tokens.get());
      }
    });
    const externalId = `${call.method} ${pathAndQuery}`;
    return {
      externalId,
      name: name ?? externalId,
      size: bytes.length,
      versionKey: externalId,
      bytes,
    };
  }

  /**
   * Every page of a paged GET, in order: page numbers or a cursor from each answer, until the
   * answer says it was the last (see PagingSpec). Each page is one item, named `<name>-p<n>`.
   */
  async pages(call: RestCall, paging: PagingSpec, name: string): Promise<FetchedItem[]> {
    const pages: FetchedItem[] = [];
    const maxPages = this.options.maxPages ?? 1000;
    for (const next = pageRequests(paging, `${this.baseUrl}${call.path}`); ;) {
      const query = next.query(pages.length ? pages[pages.length - 1] : null);
      if (query === null) return pages;
      if (pages.length >= maxPages) {
        throw new TransportError(
          CHANNEL,
          'protocol',
          `GET ${this.baseUrl}${call.path}: more than ${maxPages} pages`,
          { target: `${this.baseUrl}${call.path}`, retryable: false },
        );
      }
      pages.push(
        await this.request({ ...call, query: { ...call.query, ...query } }, `${name}-p${pages.length + 1}`),
      );
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async requestToken(): Promise<IssuedToken> {
    if (this.auth.kind !== 'oauth-client-credentials') throw new Error('not an OAuth channel');
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.auth.clientId,
      client_secret: this.auth.clientSecret,
    });
    const bytes = await this.withRetries(true, this.tokenUrl, () =>
      this.send(
        {
          method: 'POST',
          path: '',
          body: Buffer.from(form.toString()),
          contentType: 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        this.tokenUrl,
        null,
        true,
      ),
    );
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = {};
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
      throw new TransportError(CHANNEL, 'protocol', `POST ${this.tokenUrl}: answer carries no access_token`, {
        target: this.tokenUrl,
        retryable: false,
      });
    }
    const expiresIn = Number(parsed.expires_in);
    return {
      accessToken: parsed.access_token,
      expiresInSec: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 300,
    };
  }

  private withRetries(idempotent: boolean, what: string, run: () => Promise<Buffer>): Promise<Buffer> {
    const maxRetryAfterMs = this.options.maxRetryAfterMs ?? 60_000;
    return withRetry(
      () => run(),
      this.options.retry ?? DEFAULT_RETRY_POLICY,
      (error) => {
        if (!(error instanceof TransportError) || !error.retryable) return { retry: false };
        // A POST that may have reached the insurer is not repeated blindly: the batch could be created twice.
        const surelyNotTaken = error.status === 429 || error.status === 503 || error.reason === 'connect';
        if (!idempotent && !surelyNotTaken) return { retry: false };
        const retryAfterMs = (error as RetryAfterError).retryAfterMs;
        if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) return { retry: false };
        return { retry: true, delayMs: retryAfterMs };
      },
      {
        sleep: this.options.sleep ?? sleep,
        onRetry: ({ attempt, delayMs, error }) =>
          this.options.logger?.warn(
            { what, attempt, delayMs, error: (error as Error).message },
            'retrying insurer call',
          ),
      },
    );
  }

  /**
   * One HTTP exchange. `url` is what errors and logs show: an API key in the query is added here,
   * to the request only.
   */
  private async send(
    call: RestCall,
    url: string,
    token: string | null,
    isTokenCall = false,
  ): Promise<Buffer> {
    const { method, body, contentType } = call;
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const maxBytes = this.options.maxBytes ?? 50 * 1024 * 1024;
    const headers: Record<string, string> = { accept: call.accept ?? '*/*' };
    let target = url;
    if (token) headers.authorization = `Bearer ${token}`;
    if (!isTokenCall && this.auth.kind === 'api-key') {
      if (this.auth.in === 'header') headers[this.auth.name.toLowerCase()] = this.auth.key;
      else {
        const withKey = new URL(url);
        withKey.searchParams.set(this.auth.name, this.auth.key);
        target = withKey.toString();
      }
    }
    if (contentType) headers['content-type'] = contentType;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(target, { method, headers, body, signal, dispatcher: this.agent });
    } catch (cause) {
      throw networkError(method, url, timeoutMs, cause);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          response.body.destroy();
          throw new TransportError(
            CHANNEL,
            'too-large',
            `${method} ${url}: answer is over the ${maxBytes}-byte limit`,
            {
              target: url,
              retryable: false,
            },
          );
        }
        chunks.push(chunk as Buffer);
      }
    } catch (cause) {
      if (cause instanceof TransportError) throw cause;
      throw networkError(method, url, timeoutMs, cause);
    }
    const bytes = Buffer.concat(chunks);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return bytes;
    const excerpt = bytes.toString('utf8', 0, Math.min(bytes.length, 300)).replace(/\s+/g, ' ');
    const error = new TransportError(
      CHANNEL,
      'http-status',
      `${method} ${url}: HTTP ${status} ${excerpt}`.trim(),
      {
        target: url,
        status,
        body: bytes,
        retryable: RETRYABLE_STATUS.has(status),
      },
    ) as RetryAfterError;
    if (status === 429 || status === 503)
      error.retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    if (!isTokenCall && this.auth.kind === 'api-key' && (status === 401 || status === 403)) {
      throw new TransportError(
        CHANNEL,
        'connect',
        `${method} ${url}: API key refused (HTTP ${status}, key sent in ${this.auth.in} ${this.auth.name})`,
        { target: url, status, body: bytes, retryable: false },
      );
    }
    if (isTokenCall && (status === 400 || status === 401)) {
      throw new TransportError(
        CHANNEL,
        'connect',
        `${method} ${url}: client credentials refused (HTTP ${status})`,
        {
          target: url,
          status,
          body: bytes,
          retryable: false,
        },
      );
    }
    throw error;
  }
}

type RetryAfterError = TransportError & { retryAfterMs?: number };

/** `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkError(method: string, url: string, timeoutMs: number, cause: unknown): TransportError {
  const e = cause as { name?: string; code?: string; message?: string };
  const timedOut =
    e?.name === 'TimeoutError' ||
    e?.name === 'AbortError' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT' ||
    e?.code === 'UND_ERR_BODY_TIMEOUT' ||
    e?.code === 'UND_ERR_CONNECT_TIMEOUT';
  if (timedOut) {
    return new TransportError(
      CHANNEL,
      'timeout',
      `${method} ${url}: no complete answer within ${timeoutMs} ms`,
      { target: url, cause },
    );
  }
  const refused = e?.code === 'ECONNREFUSED' || e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN';
  return new TransportError(
    CHANNEL,
    refused ? 'connect' : 'io',
    `${method} ${url}: ${e?.code ?? ''} ${e?.message ?? String(cause)}`.trim(),
    {
      target: url,
      cause,
    },
  );
}
