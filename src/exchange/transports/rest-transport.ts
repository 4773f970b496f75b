/**
 * REST channel for a partner API in the Karpaty Partner API v2 style: OAuth2 client credentials,
 * XML bodies, paged policy changes, rate limit answered with 429 + Retry-After. Bodies come back
 * as raw bytes; signatures are checked by the stage after the message store, never here.
 */
import { Agent, request, type Dispatcher } from 'undici';
import { OAuthTokenCache, type IssuedToken } from './oauth-token-cache';
import { DEFAULT_RETRY_POLICY, sleep, withRetry, type RetryPolicy } from './retry';
import type { DeliveryReceipt, FetchedItem, OutboundChannel, OutboundItem } from './transport';
import { TransportError } from './transport-error';

export interface RestTransportOptions {
  /** API root, e.g. `https://sandbox.partner.karpaty.example/api/v2`. */
  baseUrl: string;
  /** default `<baseUrl>/oauth/token` */
  tokenUrl?: string;
  /** OAuth2 client credentials given at onboarding (resolved from the secrets folder by the caller). */
  clientId: string;
  clientSecret: string;
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

interface Call {
  method: 'GET' | 'POST';
  /** Path and query below baseUrl, e.g. `/policies?page=2`. */
  path: string;
  body?: Buffer;
  contentType?: string;
  /** A POST that creates something is retried only when the insurer surely did not take it. */
  idempotent: boolean;
}

const CHANNEL = 'rest';
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export class RestTransport implements OutboundChannel {
  readonly channel = CHANNEL;
  readonly tokens: OAuthTokenCache;
  private readonly agent: Dispatcher;
  private readonly baseUrl: string;

  constructor(private readonly options: RestTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.agent = new Agent({
      keepAliveTimeout: 10_000,
      connect: { timeout: options.requestTimeoutMs ?? 30_000 },
    });
    this.tokens = new OAuthTokenCache({ requestToken: () => this.requestToken() });
  }

  private get tokenUrl(): string {
    return this.options.tokenUrl ?? `${this.baseUrl}/oauth/token`;
  }

  /** `POST /applications` with a signed `<ApplicationBatch>`; answers the insurer's batch id. */
  async submitApplications(signedBatch: Buffer): Promise<{ batchId: string; receipt: FetchedItem }> {
    const receipt = await this.call(
      {
        method: 'POST',
        path: '/applications',
        body: signedBatch,
        contentType: 'application/xml',
        idempotent: false,
      },
      'BatchReceipt',
    );
    const batchId = rootAttribute(receipt.bytes, 'batchId');
    if (!batchId) {
      throw new TransportError(
        CHANNEL,
        'protocol',
        `POST ${this.baseUrl}/applications: answer has no batchId`,
        {
          target: receipt.externalId,
          body: receipt.bytes,
          retryable: false,
        },
      );
    }
    return { batchId, receipt };
  }

  /** OutboundChannel: an application batch is the one thing we send on this channel. */
  async put(item: OutboundItem): Promise<DeliveryReceipt> {
    const { batchId, receipt } = await this.submitApplications(item.bytes);
    return { externalId: batchId, answer: receipt };
  }

  /** `GET /applications/batches/{id}`: the `<BatchStatus>` document. */
  getBatchStatus(batchId: string): Promise<FetchedItem> {
    return this.call(
      { method: 'GET', path: `/applications/batches/${encodeURIComponent(batchId)}`, idempotent: true },
      `BatchStatus_${batchId}`,
    );
  }

  /** `GET /policies?changedSince=&page=` from page 1 until `page == pages`; one item per page. */
  async fetchPolicyPages(changedSince: string): Promise<FetchedItem[]> {
    const pages: FetchedItem[] = [];
    const maxPages = this.options.maxPages ?? 1000;
    for (let page = 1; ; page++) {
      const path = `/policies?changedSince=${encodeURIComponent(changedSince)}&page=${page}`;
      const item = await this.call({ method: 'GET', path, idempotent: true }, `PolicyPage_${page}`);
      pages.push(item);
      const total = Number(rootAttribute(item.bytes, 'pages'));
      const current = Number(rootAttribute(item.bytes, 'page'));
      if (!Number.isInteger(total) || total < 1 || current !== page) {
        throw new TransportError(
          CHANNEL,
          'protocol',
          `GET ${this.baseUrl}${path}: answer is not <PolicyPage page="${page}" pages="n">`,
          {
            target: item.externalId,
            body: item.bytes,
            retryable: false,
          },
        );
      }
      if (page >= total) return pages;
      if (page >= maxPages) {
        throw new TransportError(
          CHANNEL,
          'protocol',
          `GET ${this.baseUrl}/policies: more than ${maxPages} pages`,
          {
            target: item.externalId,
            retryable: false,
          },
        );
      }
    }
  }

  /** `GET /payments?from=&to=` (dates 'yyyy-mm-dd'). */
  fetchPayments(from: string, to: string): Promise<FetchedItem> {
    return this.call(
      {
        method: 'GET',
        path: `/payments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
        idempotent: true,
      },
      `PaymentList_${from}_${to}`,
    );
  }

  /** `GET /commission-statements/{yyyy-mm}`. */
  fetchCommissionStatement(month: string): Promise<FetchedItem> {
    return this.call(
      { method: 'GET', path: `/commission-statements/${encodeURIComponent(month)}`, idempotent: true },
      `CommissionStatement_${month}`,
    );
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async requestToken(): Promise<IssuedToken> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret,
    });
    const bytes = await this.withRetries(true, this.tokenUrl, () =>
      this.send(
        'POST',
        this.tokenUrl,
        Buffer.from(form.toString()),
        'application/x-www-form-urlencoded',
        null,
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

  private async call(call: Call, name: string): Promise<FetchedItem> {
    const url = `${this.baseUrl}${call.path}`;
    const bytes = await this.withRetries(call.idempotent, `${call.method} ${url}`, async () => {
      const token = await this.tokens.get();
      try {
        return await this.send(call.method, url, call.body, call.contentType, token);
      } catch (err) {
        // A token revoked or expired early: one fresh token, one more try (not counted as a retry).
        if (!(err instanceof TransportError) || err.status !== 401) throw err;
        this.tokens.invalidate(token);
        return this.send(call.method, url, call.body, call.contentType, await this.tokens.get());
      }
    });
    return {
      externalId: `${call.method} ${call.path}`,
      name,
      size: bytes.length,
      versionKey: `${call.method} ${call.path}`,
      bytes,
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

  private async send(
    method: 'GET' | 'POST',
    url: string,
    body: Buffer | undefined,
    contentType: string | undefined,
    token: string | null,
  ): Promise<Buffer> {
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const maxBytes = this.options.maxBytes ?? 50 * 1024 * 1024;
    const headers: Record<string, string> = { accept: token ? 'application/xml' : 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (contentType) headers['content-type'] = contentType;
    const signal = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, { method, headers, body, signal, dispatcher: this.agent });
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
    if (token === null && (status === 400 || status === 401)) {
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

/** Reads one attribute of the root element without parsing the document (no DTD, no entities). */
function rootAttribute(bytes: Buffer, attribute: string): string | null {
  const text = bytes.toString('utf8', 0, Math.min(bytes.length, 4096));
  const root = /<(?![?!])[^\s>/]+([^>]*)>/.exec(text);
  if (!root) return null;
  const m = new RegExp(`\\s${attribute}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(root[1]);
  return m ? (m[2] ?? m[3]) : null;
}
