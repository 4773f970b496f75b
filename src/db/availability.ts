/**
 * Whether the database answers, as the process last saw it. A lost connection (the server stopped,
 * restarted, the network dropped) marks it down; from then on a probe asks every second until it
 * answers again, and any statement that succeeds marks it up. The API refuses work with a 503 while
 * it is down, /health says so, workers keep running and pick up again by themselves.
 */

/**
 * The database cannot be reached (refused, reset, terminated, shut down): the statement did not run
 * or its outcome is unknown. Retry later; it is not a fault of the request.
 */
export class DatabaseUnavailableError extends Error {
  /** For HTTP: 503 Service Unavailable. */
  readonly statusCode = 503;
  /** The driver's code when there is one, e.g. ECONNREFUSED, 57P01, NJS-500. */
  readonly code: string | undefined;

  constructor(
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`the database is not answering (${problem})`, options);
    this.name = 'DatabaseUnavailableError';
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

/** Node's socket errors that mean the server cannot be reached. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs of a lost or refused session: class 08 (connection exception), 57P01..57P03
 * (admin or crash shutdown, cannot connect now), 53300 (too many connections).
 */
const POSTGRES_STATES = /^(08...|57P0[1-3]|53300)$/;

/** node-oracledb / Oracle codes of a lost or refused session. */
const ORACLE_CODES = new Set([
  'NJS-500', // connection to the Oracle Database was broken
  'NJS-501',
  'NJS-503', // connection to host could not be established
  'NJS-510',
  'NJS-511', // connection refused
  'NJS-521',
  'DPI-1010', // not connected
  'DPI-1080', // connection was closed by ORA-%d
  'ORA-01033', // initialization or shutdown in progress
  'ORA-01034', // Oracle not available
  'ORA-01089', // immediate shutdown in progress
  'ORA-03113', // end-of-file on communication channel
  'ORA-03114', // not connected
  'ORA-03135', // connection lost contact
  'ORA-12514',
  'ORA-12528',
  'ORA-12537',
  'ORA-12541', // no listener
]);

/** pg's own messages for a connection that is gone (they carry no code). */
const LOST_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|Connection terminated due to connection timeout)/;

/** True when the error says the database cannot be reached, as opposed to a fault of the statement. */
export function isConnectionLoss(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) return true;
  const e = error as { code?: unknown; message?: unknown; errors?: unknown[] } | null;
  if (!e || typeof e !== 'object') return false;
  // Node's AggregateError when every address of a host refused (127.0.0.1 and ::1).
  if (Array.isArray(e.errors) && e.errors.length && e.errors.every((x) => isConnectionLoss(x))) return true;
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code) || POSTGRES_STATES.test(code) || ORACLE_CODES.has(code)) return true;
  if (/^(NJS|DPI|ORA)-\d+/.test(code)) return false;
  const message = typeof e.message === 'string' ? e.message : '';
  if (LOST_MESSAGES.test(message)) return true;
  return /^(NJS-50[013]|NJS-51[01]|DPI-10(10|80)|ORA-(03113|03114|03135|12541|01034|01089)):/.test(message);
}

/** One short line about why: the code (ECONNREFUSED) or the first line of the message. */
export function connectionProblem(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown; errors?: { code?: unknown }[] } | null;
  if (e instanceof DatabaseUnavailableError) return e.problem;
  if (e && Array.isArray(e.errors) && e.errors.length)
    return [...new Set(e.errors.map((x) => String(x?.code ?? 'error')))].join(', ');
  // A SQLSTATE (57P01) says less than its message; a socket code (ECONNREFUSED) says it all.
  const sqlState = (code: string) => /^[0-9A-Z]{5}$/.test(code) && /\d/.test(code);
  if (e && typeof e.code === 'string' && e.code && !sqlState(e.code)) return e.code;
  const message = e && typeof e.message === 'string' ? e.message.split('\n')[0] : String(error);
  return message.replace(/(\/\/[^:/@]+:)[^@]*@/g, '$1***@').slice(0, 200);
}

/** What callers read: the state, and a way to hear of changes. */
export interface DatabaseAvailability {
  /** False from the first sign of a lost connection until the database answers again. */
  readonly up: boolean;
  /** Why it is down (e.g. ECONNREFUSED), or null while up. */
  readonly problem: string | null;
  /** When it went down (ms since the epoch), or null while up. */
  readonly downSince: number | null;
  /** Calls `listener` on every change; returns a function that stops the calls. */
  onChange(listener: (change: AvailabilityChange) => void): () => void;
}

export type AvailabilityChange =
  { up: false; problem: string } | { up: true; /** How long it was down. */ downForMs: number };

export interface AvailabilityMonitorOptions {
  /** Asks the database whether it answers, without going through the monitor; throws when it does not. */
  probe: () => Promise<unknown>;
  /** How often to probe while down; default 1000 ms. */
  intervalMs?: number;
}

/** Kept by the database layer: marks down on lost connections, probes until the database is back. */
export class AvailabilityMonitor implements DatabaseAvailability {
  private state: { up: true } | { up: false; problem: string; since: number } = { up: true };
  private readonly listeners = new Set<(change: AvailabilityChange) => void>();
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  private stopped = false;

  constructor(private readonly options: AvailabilityMonitorOptions) {}

  get up(): boolean {
    return this.state.up;
  }

  get problem(): string | null {
    return this.state.up ? null : this.state.problem;
  }

  get downSince(): number | null {
    return this.state.up ? null : this.state.since;
  }

  onChange(listener: (change: AvailabilityChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a lost connection (once per outage) and starts probing. */
  markDown(error: unknown): void {
    if (this.stopped || !this.state.up) return;
    const problem = connectionProblem(error);
    this.state = { up: false, problem, since: Date.now() };
    this.emit({ up: false, problem });
    this.schedule();
  }

  /** Records that the database answered. */
  markUp(): void {
    if (this.state.up) return;
    const downForMs = Date.now() - this.state.since;
    this.state = { up: true };
    this.clear();
    this.emit({ up: true, downForMs });
  }

  /** Looks at an error: a lost connection marks the database down. Returns the error to throw. */
  observe(error: unknown): unknown {
    if (!isConnectionLoss(error)) return error;
    this.markDown(error);
    return error instanceof DatabaseUnavailableError
      ? error
      : new DatabaseUnavailableError(connectionProblem(error), { cause: error });
  }

  /** No more probing (the database is being closed). */
  stop(): void {
    this.stopped = true;
    this.clear();
    this.listeners.clear();
  }

  private emit(change: AvailabilityChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch {
        // A listener's fault must not stop the others or the monitor.
      }
    }
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.stopped || this.timer || this.state.up) return;
    // unref: a CLI command that is done does not wait for the database to come back.
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.probeOnce();
    }, this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    if (this.probing || this.stopped || this.state.up) return;
    this.probing = true;
    try {
      await this.options.probe();
      this.markUp();
    } catch {
      // Still down; try again.
    } finally {
      this.probing = false;
      this.schedule();
    }
  }
}
