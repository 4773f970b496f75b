/**
 * An insurer's mailbox read over IMAP (imapflow) as an inbound channel: list what is new, fetch each
 * message's raw source (the message store keeps it byte for byte before anything parses it), then
 * acknowledge it once stored.
 *
 * - Idempotent and resumable: what was taken in is remembered in the database per UIDVALIDITY and UID
 *   (the fetched registry), and a low-water mark (the exchange cursor `mailbox:<name>`) below which
 *   every message is already stored, so a sync asks the server only for UIDs above it. A restart, a
 *   kill -9 or a dropped connection between fetch and acknowledge fetches that message again; the
 *   message store's content hash keeps it from being stored twice. A new UIDVALIDITY (the server
 *   renumbered the mailbox) starts over from UID 1, with the same guarantee.
 * - Never deletes or moves mail unless the adapter says so (`afterStore`); without it the mailbox is
 *   opened read-only and nothing is even marked seen.
 * - A message over `maxMessageBytes` is not downloaded: fetch refuses it by the size the server
 *   announces, naming its UID and subject, and it stays in the mailbox for a person.
 * - New mail is awaited with IDLE where the server has it, by polling otherwise (`waitForNews`).
 */
import { ImapFlow } from 'imapflow';
import type { FetchedRegistry } from '../fetched-registry';
import type { FetchedItem, InboundChannel, InboundItem } from '../transport';
import { TransportError } from '../transport-error';

/** Where the sync stands, kept between runs (ExchangeCursors in the database). */
export interface MailboxPositions {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
}

export type AfterStore = { moveTo: string } | { delete: true };

export interface ImapMailboxOptions {
  host: string;
  port: number;
  /** TLS from the first byte (993); STARTTLS is used when the server offers it otherwise. */
  secure?: boolean;
  user: string;
  password: string;
  /** Default INBOX. */
  mailbox?: string;
  registry: FetchedRegistry;
  positions: MailboxPositions;
  /** What to do with a message once the message store holds it; default: leave it as it is. */
  afterStore?: AfterStore;
  /** Default 25 MiB. */
  maxMessageBytes?: number;
  /** How often to look for news on a server without IDLE; default 60 s. */
  pollIntervalMs?: number;
  /** Default 15 s. */
  timeoutMs?: number;
}

const CHANNEL = 'email';
const DEFAULT_MAX_BYTES = 25 * 1024 * 1024;

interface Position {
  uidValidity: string;
  lowWater: number;
}

export class ImapMailbox implements InboundChannel {
  readonly channel = CHANNEL;
  readonly mailbox: string;
  private client: ImapFlow | null = null;
  private uidValidity: string | null = null;
  private readonly maxBytes: number;

  constructor(private readonly options: ImapMailboxOptions) {
    this.mailbox = options.mailbox ?? 'INBOX';
    this.maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_BYTES;
  }

  private get target(): string {
    return `imap://${this.options.user}@${this.options.host}:${this.options.port}/${this.mailbox}`;
  }

  /** The open connection, opened (again) when there is none or the last one dropped. */
  private async open(): Promise<ImapFlow> {
    if (this.client?.usable) return this.client;
    this.client?.close();
    const timeout = this.options.timeoutMs ?? 15_000;
    const client = new ImapFlow({
      host: this.options.host,
      port: this.options.port,
      secure: this.options.secure ?? false,
      auth: { user: this.options.user, pass: this.options.password },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: 5 * 60_000,
    });
    // A dropped connection is noticed on the next call, which connects again.
    client.on('error', () => undefined);
    client.on('close', () => {
      if (this.client === client) this.client = null;
    });
    try {
      await client.connect();
      const opened = await client.mailboxOpen(this.mailbox, { readOnly: !this.options.afterStore });
      this.uidValidity = String(opened.uidValidity);
    } catch (error) {
      client.close();
      throw new TransportError(CHANNEL, 'connect', `cannot open ${this.target}: ${describe(error)}`, {
        target: this.target,
        cause: error,
      });
    }
    this.client = client;
    return client;
  }

  private cursorName(): string {
    return `mailbox:${this.mailbox}`;
  }

  private async position(): Promise<Position | null> {
    const value = await this.options.positions.get(this.cursorName());
    const match = value ? /^(\d+):(\d+)$/.exec(value) : null;
    return match ? { uidValidity: match[1], lowWater: Number(match[2]) } : null;
  }

  private key(uidValidity: string, uid: number): string {
    return `${this.mailbox}|${uidValidity}|${uid}`;
  }

  async listNew(): Promise<InboundItem[]> {
    const client = await this.open();
    const uidValidity = this.uidValidity!;
    const stored = await this.position();
    const lowWater = stored?.uidValidity === uidValidity ? stored.lowWater : 0;
    const items: InboundItem[] = [];
    let highest = lowWater;
    try {
      // `N:*` always answers the newest message, even below N: filtered by UID.
      for await (const message of client.fetch(
        `${lowWater + 1}:*`,
        { uid: true, envelope: true, size: true, internalDate: true },
        { uid: true },
      )) {
        if (message.uid <= lowWater) continue;
        highest = Math.max(highest, message.uid);
        const versionKey = this.key(uidValidity, message.uid);
        if (await this.options.registry.has(versionKey)) continue;
        items.push({
          externalId: message.envelope?.messageId || `uid:${uidValidity}:${message.uid}`,
          name: message.envelope?.subject ?? '',
          size: message.size,
          modifiedAt: message.internalDate instanceof Date ? message.internalDate : undefined,
          versionKey,
        });
      }
    } catch (error) {
      throw new TransportError(CHANNEL, 'io', `cannot list ${this.target}: ${describe(error)}`, {
        target: this.target,
        cause: error,
      });
    }
    // Everything below the oldest message still to take in is in the store already.
    const uids = items.map((item) => uidOf(item.versionKey));
    const mark = uids.length ? Math.min(...uids) - 1 : highest;
    if (mark > lowWater || stored?.uidValidity !== uidValidity)
      await this.options.positions.set(this.cursorName(), `${uidValidity}:${Math.max(mark, 0)}`);
    return items;
  }

  async fetch(item: InboundItem): Promise<FetchedItem> {
    const uid = uidOf(item.versionKey);
    if (item.size !== undefined && item.size > this.maxBytes)
      throw new TransportError(
        CHANNEL,
        'too-large',
        `message UID ${uid} "${item.name}" in ${this.target} is ${item.size} bytes, over the limit of ${this.maxBytes}: left in the mailbox for a person`,
        { target: `${this.target};UID=${uid}`, retryable: false },
      );
    const client = await this.open();
    let message;
    try {
      message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
    } catch (error) {
      throw new TransportError(
        CHANNEL,
        'io',
        `cannot download UID ${uid} from ${this.target}: ${describe(error)}`,
        {
          target: `${this.target};UID=${uid}`,
          cause: error,
        },
      );
    }
    if (!message || !message.source)
      throw new TransportError(CHANNEL, 'protocol', `UID ${uid} is no longer in ${this.target}`, {
        target: `${this.target};UID=${uid}`,
      });
    return { ...item, bytes: Buffer.from(message.source) };
  }

  async acknowledge(item: InboundItem): Promise<void> {
    await this.options.registry.add({ key: item.versionKey, name: item.name, fetchedAt: new Date() });
    const after = this.options.afterStore;
    if (!after) return;
    const client = await this.open();
    const uid = String(uidOf(item.versionKey));
    if ('moveTo' in after) await client.messageMove(uid, after.moveTo, { uid: true });
    else await client.messageDelete(uid, { uid: true });
  }

  /**
   * Waits until the mailbox has news or `timeoutMs` passes: IDLE where the server has it (the
   * server tells at once), otherwise one poll interval (capped by the timeout).
   */
  async waitForNews(timeoutMs: number): Promise<'news' | 'timeout'> {
    const client = await this.open();
    if (!client.capabilities.has('IDLE')) {
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(timeoutMs, this.options.pollIntervalMs ?? 60_000)),
      );
      return 'timeout';
    }
    return new Promise((resolve) => {
      let settled = false;
      const finish = (result: 'news' | 'timeout') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        client.off('exists', onExists);
        resolve(result);
        // Ends IDLE: the next command interrupts it.
        void client.noop().catch(() => undefined);
      };
      const onExists = () => finish('news');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      client.on('exists', onExists);
      void client.idle().catch(() => finish('timeout'));
    });
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client?.usable) await client.logout().catch(() => client.close());
    else client?.close();
  }
}

function uidOf(versionKey: string): number {
  return Number(versionKey.slice(versionKey.lastIndexOf('|') + 1));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const extra = (error as { responseText?: string }).responseText;
    return extra ? `${error.message} (${extra})` : error.message;
  }
  return String(error);
}
