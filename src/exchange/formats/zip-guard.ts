/**
 * Guard for zip containers (XLSX) before any reader inflates them: a small file can inflate to
 * gigabytes (a zip bomb), and a reader that inflates whole entries into memory learns that only after
 * the damage. Two steps, both cheap:
 *
 * 1. the central directory: entries, methods, declared sizes and compression ratios, without
 *    inflating anything — an honest bomb stops here;
 * 2. every entry inflated as a stream, counting bytes and keeping none: an entry that inflates past
 *    its declared size (a lying header) or the total past the limit is stopped right there.
 *
 * After both, inflating the same bytes again (the XLSX reader does) cannot give more than was counted.
 */
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { ExchangeError } from '../errors';

export interface ZipLimits {
  /** Most bytes all entries may inflate to together. */
  maxInflatedBytes: number;
  /** Most an entry may inflate per compressed byte (entries under `ratioFloorBytes` are not held to it). */
  maxCompressionRatio: number;
  /** Entries that inflate to less than this are too small for a ratio to mean anything; default 1 MiB. */
  ratioFloorBytes?: number;
  /** Most entries; default 10 000. */
  maxEntries?: number;
}

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** As the central directory declares it. */
  uncompressedSize: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MiB = 1024 * 1024;

/** Reads the central directory; throws ExchangeError (parse) when it is not a zip this hub reads. */
export function zipEntries(bytes: Buffer, file: string, maxEntries = 10_000): ZipEntry[] {
  const refuse = (why: string): never => {
    throw new ExchangeError({ kind: 'parse', file, message: `not a readable XLSX workbook: ${why}` });
  };
  // The end-of-central-directory record is in the last 22 + 65 535 (comment) bytes.
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i -= 1) {
    if (bytes.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) refuse('no zip directory (the file is not a zip archive, or it is cut off)');
  const count = bytes.readUInt16LE(eocd + 10);
  const size = bytes.readUInt32LE(eocd + 12);
  const offset = bytes.readUInt32LE(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff)
    refuse('ZIP64 archives are not accepted (no workbook an insurer sends needs one)');
  if (count > maxEntries) refuse(`${count} entries, more than the ${maxEntries} accepted`);
  if (offset + size > eocd) refuse('the zip directory points outside the file');
  const entries: ZipEntry[] = [];
  let p = offset;
  for (let i = 0; i < count; i += 1) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== CENTRAL_SIGNATURE) refuse('damaged zip directory');
    const method = bytes.readUInt16LE(p + 10);
    const compressedSize = bytes.readUInt32LE(p + 20);
    const uncompressedSize = bytes.readUInt32LE(p + 24);
    const nameLength = bytes.readUInt16LE(p + 28);
    const extraLength = bytes.readUInt16LE(p + 30);
    const commentLength = bytes.readUInt16LE(p + 32);
    const localHeaderOffset = bytes.readUInt32LE(p + 42);
    const name = bytes.toString('utf8', p + 46, p + 46 + nameLength);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localHeaderOffset === 0xffffffff)
      refuse(`entry '${name}' is ZIP64, which is not accepted`);
    if (method !== 0 && method !== 8) refuse(`entry '${name}' uses compression method ${method}`);
    entries.push({ name, method, compressedSize, uncompressedSize, localHeaderOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Where an entry's compressed bytes are, as a reader finds them through its local header. */
function entryData(bytes: Buffer, entry: ZipEntry, file: string): Buffer {
  const at = entry.localHeaderOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== LOCAL_SIGNATURE) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `not a readable XLSX workbook: entry '${entry.name}' has no local header`,
    });
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  if (start + entry.compressedSize > bytes.length) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `not a readable XLSX workbook: entry '${entry.name}' runs past the end of the file`,
    });
  }
  return bytes.subarray(start, start + entry.compressedSize);
}

function* slices(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
}

class Overflow extends Error {
  constructor(readonly inflated: number) {
    super('overflow');
  }
}

/** Inflates one entry as a stream, keeping nothing; stops as soon as more than `cap` bytes come out. */
async function countInflated(data: Buffer, cap: number): Promise<number> {
  let inflated = 0;
  const counter = new Writable({
    write(chunk: Buffer, _enc, done) {
      inflated += chunk.length;
      done(inflated > cap ? new Overflow(inflated) : null);
    },
  });
  await pipeline(Readable.from(slices(data)), zlib.createInflateRaw(), counter);
  return inflated;
}

/**
 * Refuses a zip (XLSX) that would inflate past the limits, before and while inflating; returns the
 * entries with what they really inflate to. Throws ExchangeError (parse) naming the file and entry.
 */
export async function checkZipInflation(bytes: Buffer, file: string, limits: ZipLimits): Promise<ZipEntry[]> {
  const floor = limits.ratioFloorBytes ?? MiB;
  const refuse = (message: string): never => {
    throw new ExchangeError({ kind: 'parse', file, message });
  };
  const entries = zipEntries(bytes, file, limits.maxEntries);
  const declared = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > limits.maxInflatedBytes)
    refuse(
      `the workbook would inflate to ${declared} bytes, over the limit of ${limits.maxInflatedBytes} bytes; not opened`,
    );
  for (const e of entries) {
    if (e.uncompressedSize < floor) continue;
    const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
    if (ratio > limits.maxCompressionRatio)
      refuse(
        `entry '${e.name}' would inflate ${Math.round(ratio)} times (${e.compressedSize} → ${e.uncompressedSize} bytes), more than the ${limits.maxCompressionRatio} accepted: a zip bomb, not opened`,
      );
  }
  let total = 0;
  for (const e of entries) {
    const data = entryData(bytes, e, file);
    if (e.method === 0) {
      if (e.compressedSize !== e.uncompressedSize)
        refuse(
          `entry '${e.name}' is stored with ${e.compressedSize} bytes but declares ${e.uncompressedSize}`,
        );
      total += e.compressedSize;
      continue;
    }
    // Never more than the entry declares, nor than what is left of the limit.
    const cap = Math.min(e.uncompressedSize, limits.maxInflatedBytes - total);
    let inflated: number;
    try {
      inflated = await countInflated(data, cap);
    } catch (err) {
      if (err instanceof Overflow)
        return refuse(
          e.uncompressedSize <= limits.maxInflatedBytes - total
            ? `entry '${e.name}' inflates past the ${e.uncompressedSize} bytes it declares (stopped at ${err.inflated}): a zip bomb or a damaged file, not opened`
            : `the workbook inflates past the limit of ${limits.maxInflatedBytes} bytes (stopped in entry '${e.name}'); not opened`,
        );
      return refuse(
        `not a readable XLSX workbook: entry '${e.name}' cannot be inflated: ${(err as Error).message}`,
      );
    }
    total += inflated;
  }
  return entries;
}
