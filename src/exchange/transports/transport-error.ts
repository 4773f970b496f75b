/**
 * The one error a transport throws. `retryable` tells the scheduler whether trying again later can
 * help (network down, insurer busy) or a person must look (file too large, bad name, refused login).
 * The exchange pipeline maps it to its `ExchangeError` of kind `transport`.
 */
export type TransportErrorReason =
  | 'connect' // could not reach or log in to the insurer
  | 'timeout' // the insurer did not answer in time
  | 'too-large' // a remote item is over the configured size limit
  | 'unsafe-name' // a remote name that could escape its folder or smuggle control characters
  | 'http-status' // the insurer answered with an error status
  | 'protocol' // the insurer answered something the protocol does not allow
  | 'conflict' // the item is already there (e.g. a register already delivered)
  | 'io'; // any other failure while reading or writing

export class TransportError extends Error {
  constructor(
    /** Which channel failed, e.g. `sftp`, `rest`. */
    readonly channel: string,
    readonly reason: TransportErrorReason,
    message: string,
    readonly details: {
      /** Remote file name or URL the failure is about, e.g. `/out/CONTRACTS_20261002.csv`. */
      target?: string;
      /** HTTP status when the insurer answered with one. */
      status?: number;
      /** Raw answer body, kept for the message log. */
      body?: Buffer;
      /** Whether a later attempt may succeed; defaults by reason. */
      retryable?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TransportError';
  }

  get target(): string | undefined {
    return this.details.target;
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryable(): boolean {
    if (this.details.retryable !== undefined) return this.details.retryable;
    return this.reason === 'connect' || this.reason === 'timeout' || this.reason === 'io';
  }
}
