/**
 * SFTP channel as insurers run it: the insurer puts files in its pickup folder and says by one of
 * three conventions when a file is complete (see `SftpCompletion`): an empty marker beside it
 * (Dnipro Life spec v3.2 "Channel": `<name>.done`), a rename from a temporary name (`<name>.part` →
 * `<name>`), or nothing at all (the file is taken once its size and time stop changing). We upload
 * to its drop folder by the same convention. We never delete or change the insurer's files, and
 * never read a file before it is complete.
 */
import { createHash } from 'node:crypto';
import SftpClient from 'ssh2-sftp-client';
import type { FetchedRegistry } from './fetched-registry';
import { assertSafeRemoteName } from './remote-name';
import type { DeliveryReceipt, FetchedItem, InboundItem, OutboundItem, Transport } from './transport';
import { TransportError } from './transport-error';

/**
 * How a file in the pickup folder is known to be complete.
 * - `marker`: `<name><suffix>` exists beside it (e.g. `.done`), written by the insurer after the file.
 * - `rename`: the insurer writes under a temporary name and renames the file into place: a name
 *   ending in `suffix` (e.g. `.part`) or starting with `prefix` (e.g. `tmp_`) is still being written.
 * - `stable`: nothing marks completion; a file is taken when its size and modification time are the
 *   same in two listings `intervalMs` apart (the second listing is made in the same `listNew`).
 */
export type SftpCompletion =
  | { kind: 'marker'; suffix: string }
  | { kind: 'rename'; suffix?: string; prefix?: string }
  | { kind: 'stable'; intervalMs: number };

export interface SftpTransportOptions {
  /** e.g. `sftp.dnipro-life.example` or `127.0.0.1`. */
  host: string;
  /** default 22 */
  port?: number;
  /** Account given at onboarding, e.g. `ag0042`. */
  username: string;
  /** OpenSSH or PEM private key; login is by key only. */
  privateKey: string | Buffer;
  passphrase?: string;
  /**
   * Expected host key fingerprint, `SHA256:<base64>` as `ssh-keygen -lf` prints it. Unset accepts any
   * host key: only for the sandbox.
   */
  hostKeySha256?: string;
  /** Where the insurer places files for us, default `/out`. */
  pickupDir?: string;
  /** Where we place files for the insurer, default `/in`. */
  dropDir?: string;
  /** How a file is known to be complete; default a `.done` marker. */
  completion?: SftpCompletion;
  /** Completion marker suffix, default `.done`; the same as `completion: { kind: 'marker', suffix }`. */
  markerSuffix?: string;
  /**
   * Largest file we download, bytes; default 50 MiB. Checked with stat before the download, and
   * counted as the bytes arrive: a file bigger than listed is stopped at the limit, never held whole.
   */
  maxBytes?: number;
  /** Connection and login, default 15 s. */
  connectTimeoutMs?: number;
  /** Any single SFTP operation (list, download, upload, rename), default 60 s. */
  operationTimeoutMs?: number;
  /** Remembers fetched files across restarts. */
  registry: FetchedRegistry;
  /** pino-compatible; names skipped for unsafe names are logged here. */
  logger?: { warn(obj: object, msg: string): void };
}

const CHANNEL = 'sftp';

export class SftpTransport implements Transport {
  readonly channel = CHANNEL;
  private client: SftpClient | null = null;
  private connecting: Promise<SftpClient> | null = null;
  private readonly pickupDir: string;
  private readonly dropDir: string;
  private readonly completion: SftpCompletion;
  private readonly maxBytes: number;

  constructor(private readonly options: SftpTransportOptions) {
    this.pickupDir = (options.pickupDir ?? '/out').replace(/\/+$/, '');
    this.dropDir = (options.dropDir ?? '/in').replace(/\/+$/, '');
    this.completion = options.completion ?? { kind: 'marker', suffix: options.markerSuffix ?? '.done' };
    if (this.completion.kind === 'rename' && !this.completion.suffix && !this.completion.prefix)
      throw new RangeError('SFTP rename completion needs a temporary suffix or prefix');
    this.maxBytes = options.maxBytes ?? 50 * 1024 * 1024;
  }

  private get where(): string {
    return `sftp://${this.options.username}@${this.options.host}:${this.options.port ?? 22}`;
  }

  private async connection(): Promise<SftpClient> {
    if (this.client) return this.client;
    if (this.connecting) return this.connecting;
    this.connecting = (async () => {
      const client = new SftpClient('ecspert-sftp');
      const expected = this.options.hostKeySha256;
      try {
        await client.connect({
          host: this.options.host,
          port: this.options.port ?? 22,
          username: this.options.username,
          privateKey: this.options.privateKey,
          passphrase: this.options.passphrase,
          readyTimeout: this.options.connectTimeoutMs ?? 15_000,
          retries: 0,
          hostVerifier: expected
            ? (key: Buffer) =>
                'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === expected
            : undefined,
        } as SftpClient.ConnectOptions);
      } catch (cause) {
        await client.end().catch(() => undefined);
        throw new TransportError(CHANNEL, 'connect', `cannot log in to ${this.where}: ${errorText(cause)}`, {
          target: this.where,
          cause,
        });
      }
      // A dropped connection is reopened by the next call instead of failing every later one.
      client.on('close', () => {
        if (this.client === client) this.client = null;
      });
      this.client = client;
      return client;
    })();
    try {
      return await this.connecting;
    } finally {
      this.connecting = null;
    }
  }

  /** Runs one SFTP operation with the operation timeout; a hung connection is dropped. */
  private async op<T>(what: string, target: string, run: (client: SftpClient) => Promise<T>): Promise<T> {
    const client = await this.connection();
    const ms = this.options.operationTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.drop(client);
        reject(
          new TransportError(
            CHANNEL,
            'timeout',
            `${what} ${target} on ${this.where}: no answer in ${ms} ms`,
            { target },
          ),
        );
      }, ms);
    });
    try {
      return await Promise.race([run(client), timeout]);
    } catch (cause) {
      if (cause instanceof TransportError) throw cause;
      throw new TransportError(
        CHANNEL,
        'io',
        `${what} ${target} on ${this.where} failed: ${errorText(cause)}`,
        {
          target,
          cause,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  private drop(client: SftpClient): void {
    if (this.client === client) this.client = null;
    client.end().catch(() => undefined);
  }

  async listNew(): Promise<InboundItem[]> {
    let entries = (await this.op('list', this.pickupDir, (c) => c.list(this.pickupDir))).filter(
      (e) => e.type === '-',
    );
    const names = new Set(entries.map((e) => e.name));
    const c = this.completion;
    if (c.kind === 'marker') {
      // A file without its marker is still being written by the insurer.
      entries = entries.filter((e) => !e.name.endsWith(c.suffix) && names.has(e.name + c.suffix));
    } else if (c.kind === 'rename') {
      // A temporary name is a file still being written; it is taken once renamed into place.
      entries = entries.filter(
        (e) => !(c.suffix && e.name.endsWith(c.suffix)) && !(c.prefix && e.name.startsWith(c.prefix)),
      );
    }
    const items: InboundItem[] = [];
    for (const entry of entries) {
      try {
        assertSafeRemoteName(CHANNEL, entry.name);
      } catch (err) {
        this.options.logger?.warn({ file: entry.name, where: this.where }, (err as Error).message);
        continue;
      }
      const externalId = `${this.pickupDir}/${entry.name}`;
      const modifiedAt = new Date(entry.modifyTime);
      const item: InboundItem = {
        externalId,
        name: entry.name,
        size: entry.size,
        modifiedAt,
        versionKey: `${externalId}|${entry.size}|${Math.floor(entry.modifyTime / 1000)}`,
      };
      if (!(await this.options.registry.has(item.versionKey))) items.push(item);
    }
    const complete = c.kind === 'stable' && items.length > 0 ? await this.unchangedAfter(items, c) : items;
    return complete.sort(
      (a, b) => a.modifiedAt!.getTime() - b.modifiedAt!.getTime() || a.name.localeCompare(b.name),
    );
  }

  /**
   * Lists again after the interval and keeps the items whose size and time did not change: a file
   * the insurer is still writing grows or is touched in between, and is left for a later run.
   */
  private async unchangedAfter(
    items: InboundItem[],
    completion: { intervalMs: number },
  ): Promise<InboundItem[]> {
    await new Promise((resolve) => setTimeout(resolve, completion.intervalMs));
    const again = await this.op('list', this.pickupDir, (c) => c.list(this.pickupDir));
    const now = new Map(
      again
        .filter((e) => e.type === '-')
        .map((e) => [e.name, `${e.size}|${Math.floor(e.modifyTime / 1000)}`]),
    );
    return items.filter(
      (item) => now.get(item.name) === `${item.size}|${Math.floor(item.modifiedAt!.getTime() / 1000)}`,
    );
  }

  async fetch(item: InboundItem): Promise<FetchedItem> {
    assertSafeRemoteName(CHANNEL, item.name);
    const remote = `${this.pickupDir}/${item.name}`;
    const stat = await this.op('stat', remote, (c) => c.stat(remote));
    if (stat.size > this.maxBytes) {
      throw new TransportError(
        CHANNEL,
        'too-large',
        `${remote} on ${this.where} is ${stat.size} bytes, over the ${this.maxBytes}-byte limit; not downloaded`,
        { target: remote, retryable: false },
      );
    }
    const bytes = await this.op('download', remote, (c) => this.download(c, remote, stat.size));
    return { ...item, size: bytes.length, bytes };
  }

  /**
   * Streams a file in, counting bytes as they arrive and stopping at the limit whatever the listing
   * said (a server can misreport a size, a file can grow after it was listed). An empty file is 0
   * bytes, not an error: it is stored and its message says why it cannot be read.
   */
  private download(client: SftpClient, remote: string, listedSize: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let received = 0;
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      const stream = client.createReadStream(remote, { autoClose: true });
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        received += chunk.length;
        if (received > this.maxBytes) {
          stream.destroy();
          settle(() =>
            reject(
              new TransportError(
                CHANNEL,
                'too-large',
                `${remote} on ${this.where} is bigger than the ${this.maxBytes}-byte limit (listed as ${listedSize} bytes); download stopped at ${received} bytes`,
                { target: remote, retryable: false },
              ),
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err: Error) => settle(() => reject(err)));
      stream.on('end', () => settle(() => resolve(Buffer.concat(chunks, received))));
    });
  }

  async acknowledge(item: InboundItem): Promise<void> {
    await this.options.registry.add({ key: item.versionKey, name: item.name, fetchedAt: new Date() });
  }

  /**
   * Uploads under a temporary name and renames it into place, so the insurer's pickup never sees a
   * half-written file under its real name; with marker completion the marker is written last.
   */
  async put(item: OutboundItem): Promise<DeliveryReceipt> {
    assertSafeRemoteName(CHANNEL, item.name);
    const c = this.completion;
    const target = `${this.dropDir}/${item.name}`;
    const part =
      c.kind === 'rename' && c.prefix && !c.suffix
        ? `${this.dropDir}/${c.prefix}${item.name}`
        : `${target}${c.kind === 'rename' && c.suffix ? c.suffix : '.part'}`;
    const markerPath = c.kind === 'marker' ? `${target}${c.suffix}` : null;
    // With a marker, the marker says delivered; otherwise the file under its real name does.
    const deliveredBy = markerPath ?? target;
    if (await this.op('check', deliveredBy, (cl) => cl.exists(deliveredBy))) {
      throw new TransportError(
        CHANNEL,
        'conflict',
        `${target} is already delivered to ${this.where}${markerPath ? ' (its marker exists)' : ''}`,
        {
          target,
          retryable: false,
        },
      );
    }
    await this.op('upload', part, (cl) => cl.put(item.bytes, part));
    if (markerPath) {
      // A target without marker is our own earlier upload cut off before the marker: replace it.
      if (await this.op('check', target, (cl) => cl.exists(target))) {
        await this.op('remove', target, (cl) => cl.delete(target));
      }
    }
    await this.op('rename', part, (cl) => cl.rename(part, target));
    if (markerPath) await this.op('upload', markerPath, (cl) => cl.put(Buffer.alloc(0), markerPath));
    return { externalId: target };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
