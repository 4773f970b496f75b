/**
 * Which remote items were already taken in, so a restart neither fetches them again nor misses new
 * ones. A key names one version of one item (`/out/CONTRACTS_20261002.csv|1965|1790000000`): if the
 * insurer replaces a file, the new version is fetched, and the message store decides by content
 * hash whether it is news.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface FetchedEntry {
  /** Channel-specific key of one version of an item. */
  key: string;
  /** The item's name, for people reading the file. */
  name: string;
  fetchedAt: Date;
}

export interface FetchedRegistry {
  has(key: string): Promise<boolean>;
  add(entry: FetchedEntry): Promise<void>;
}

/** Registry in a JSON-lines file, e.g. `<dataDir>/exchange/DNIPRO_LIFE/sftp-fetched.jsonl`. */
export class FileFetchedRegistry implements FetchedRegistry {
  private keys: Set<string> | null = null;

  constructor(readonly filePath: string) {}

  private async load(): Promise<Set<string>> {
    if (this.keys) return this.keys;
    const keys = new Set<string>();
    let text = '';
    try {
      text = await fs.promises.readFile(this.filePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      // A torn last line after a crash is skipped: that item is fetched again, never lost.
      if (line.trim() === '') continue;
      try {
        keys.add((JSON.parse(line) as { key: string }).key);
      } catch {
        continue;
      }
    }
    this.keys = keys;
    return keys;
  }

  async has(key: string): Promise<boolean> {
    return (await this.load()).has(key);
  }

  async add(entry: FetchedEntry): Promise<void> {
    const keys = await this.load();
    if (keys.has(entry.key)) return;
    await fs.promises.mkdir(path.dirname(this.filePath), { recursive: true });
    const line = JSON.stringify({
      key: entry.key,
      name: entry.name,
      fetchedAt: entry.fetchedAt.toISOString(),
    });
    const handle = await fs.promises.open(this.filePath, 'a');
    try {
      await handle.write(line + '\n');
      await handle.sync();
    } finally {
      await handle.close();
    }
    keys.add(entry.key);
  }
}

/** For tests and one-off runs. */
export class MemoryFetchedRegistry implements FetchedRegistry {
  private readonly keys = new Set<string>();
  async has(key: string): Promise<boolean> {
    return this.keys.has(key);
  }
  async add(entry: FetchedEntry): Promise<void> {
    this.keys.add(entry.key);
  }
}
