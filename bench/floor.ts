/**
 * The machine's floor for the benchmarks' work, measured in the same run on the same data, so that a
 * figure is read against what this machine and this PostgreSQL can physically do, not against the
 * last run: a bare parse of a file (iconv-lite + csv-parse, no mapping, no database), a bare COPY of
 * a file into a plain table, and a bare streaming of stored rows into a plain table.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import iconv from 'iconv-lite';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

export const rowsPerSecond = (rows: number, ms: number): number => Math.round((rows / ms) * 1000);

/** "1.0 s (420,000 rows/s)". */
export function rate(rows: number, ms: number): string {
  return `${(ms / 1000).toFixed(1)} s (${rowsPerSecond(rows, ms).toLocaleString('en-US')} rows/s)`;
}

/** How many times slower than the floor a figure is: "x 3.4 the floor". */
export function ratio(ms: number, floorMs: number): string {
  return `${(ms / floorMs).toFixed(1)} x the floor`;
}

/** A Windows-1251 `;` CSV read and split into records, nothing else. */
export async function bareCsvParse(file: string): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let rows = 0;
  const parser = parse({ delimiter: ';', relax_quotes: false, from_line: 2 });
  parser.on('data', () => rows++);
  await pipeline(createReadStream(file), iconv.decodeStream('win1251'), parser);
  return { rows, ms: performance.now() - started };
}

async function client(url: string, searchPath?: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  if (searchPath) await c.query(`set search_path to ${searchPath}`);
  return c;
}

/** The file COPY'd as it is into a plain table of text columns (no keys, no indexes, no mapping). */
export async function bareCopyOfFile(
  url: string,
  file: string,
  columns: number,
): Promise<{ rows: number; ms: number }> {
  const c = await client(url);
  try {
    const names = Array.from({ length: columns }, (_, i) => `c${i + 1} text`).join(', ');
    await c.query(`create temp table floor_file (${names})`);
    const started = performance.now();
    const upload = c.query(
      copyFrom(
        `copy floor_file from stdin with (format csv, header true, delimiter ';', encoding 'WIN1251')`,
      ),
    );
    await pipeline(createReadStream(file), upload);
    const ms = performance.now() - started;
    return { rows: Number(upload.rowCount), ms };
  } finally {
    await c.end();
  }
}

/**
 * Rows of a query streamed out (COPY TO STDOUT) and, when `into` names a table to imitate, COPY'd
 * into a plain copy of it (its columns only: no keys, no indexes, no triggers) on a second
 * connection as they arrive. Without `into` the rows are read and dropped: the floor of reading.
 */
export async function bareStream(
  url: string,
  searchPath: string,
  query: string,
  into?: string,
): Promise<{ rows: number; bytes: number; ms: number }> {
  const source = await client(url, searchPath);
  const target = into ? await client(url, searchPath) : null;
  try {
    if (target) await target.query(`create temp table floor_${into} (like ${into})`);
    const started = performance.now();
    const out = source.query(copyTo(`copy (${query}) to stdout`));
    let bytes = 0;
    let rows = 0;
    if (target) {
      const upload = target.query(copyFrom(`copy floor_${into} from stdin`));
      out.on('data', (chunk: Buffer) => (bytes += chunk.length));
      await pipeline(out, upload);
      rows = Number(upload.rowCount);
    } else {
      await pipeline(out, async (chunks: AsyncIterable<Buffer>) => {
        for await (const chunk of chunks) {
          bytes += chunk.length;
          for (const byte of chunk) if (byte === 10) rows++;
        }
      });
    }
    return { rows, bytes, ms: performance.now() - started };
  } finally {
    await source.end();
    await target?.end();
  }
}
