/**
 * OAuth2 client-credentials token, fetched once and reused until shortly before it expires. One
 * request in flight at a time: parallel callers share it instead of each asking for a token.
 */

export interface IssuedToken {
  accessToken: string;
  /** Lifetime the server announced (`expires_in`), in seconds, e.g. `3600`. */
  expiresInSec: number;
}

export interface OAuthTokenCacheOptions {
  /** Asks the server for a new token (the REST transport does the HTTP). */
  requestToken: () => Promise<IssuedToken>;
  /** Renew this long before expiry, so a token does not die in flight; default 60 s. */
  refreshMarginMs?: number;
  now?: () => number;
}

export class OAuthTokenCache {
  private current: { token: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  /** How many tokens were requested; the tests and the logs read it. */
  requested = 0;

  constructor(private readonly options: OAuthTokenCacheOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  async get(): Promise<string> {
    const margin = this.options.refreshMarginMs ?? 60_000;
    if (this.current && this.now() < this.current.expiresAt - margin) return this.current.token;
    if (!this.pending) {
      this.pending = (async () => {
        try {
          this.requested++;
          const issued = await this.options.requestToken();
          this.current = { token: issued.accessToken, expiresAt: this.now() + issued.expiresInSec * 1000 };
          return issued.accessToken;
        } finally {
          this.pending = null;
        }
      })();
    }
    return this.pending;
  }

  /** The server refused `token` (401): forget it unless a newer one already replaced it. */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }
}
