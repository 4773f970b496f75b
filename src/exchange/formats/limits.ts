/**
 * Guards applied before any parser sees a file: its name (no path tricks) and its size (the adapter's
 * limit), so a hostile or runaway file is refused before it costs memory.
 */
import { promises as fs } from 'node:fs';
import { ExchangeError } from '../errors';

/**
 * Refuses a file name an insurer (or anyone) could use to escape the spool folder: path separators,
 * `..`, control characters, a leading dot, over-long names. Returns the name when it is safe.
 */
export function checkFileName(name: string, pattern?: RegExp | string): string {
  const refuse = (why: string): never => {
    throw new ExchangeError({ kind: 'parse', file: name, message: `file name refused: ${why}` });
  };
  if (name.length === 0) refuse('empty');
  if (name.length > 255) refuse('longer than 255 characters');
  if (/[/\\]/.test(name)) refuse('it contains a path separator');
  if (name === '.' || name === '..' || name.includes('..')) refuse("it contains '..'");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) refuse('it contains control characters');
  if (name.startsWith('.')) refuse('it starts with a dot');
  if (pattern !== undefined) {
    const re = typeof pattern === 'string' ? new RegExp(pattern) : pattern;
    if (!re.test(name)) refuse(`it does not match ${re.source}`);
  }
  return name;
}

/** Throws when the payload is larger than the adapter allows. */
export function checkSize(file: string, sizeBytes: number, maxBytes: number | null | undefined): void {
  if (maxBytes !== null && maxBytes !== undefined && sizeBytes > maxBytes) {
    throw new ExchangeError({
      kind: 'parse',
      file,
      message: `file is ${sizeBytes} bytes, over the adapter's limit of ${maxBytes} bytes`,
    });
  }
}

/** Same check on a file on disk, by stat, without reading it. */
export async function checkFileSize(
  filePath: string,
  maxBytes: number | null | undefined,
  file = filePath,
): Promise<number> {
  const { size } = await fs.stat(filePath);
  checkSize(file, size, maxBytes);
  return size;
}

/** What a person can do about a 0-byte delivery; the file is kept as received, and not fetched again. */
export function emptyFile(file: string): ExchangeError {
  return new ExchangeError({
    kind: 'parse',
    file,
    message:
      'the file is empty (0 bytes): the insurer delivered it without content; ask the insurer to deliver it again (under a new name or with new content, as this one is already taken in)',
  });
}
