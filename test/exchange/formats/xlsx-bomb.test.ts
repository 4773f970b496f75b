/**
 * XLSX workbooks that inflate past the limit (zip bombs) are refused before the reader inflates them:
 * from the zip directory when it tells the truth, and by counting while inflating when it lies; in a
 * fraction of a second and without the memory. The bombs are built here (1 GiB of sheet XML in about
 * 1 MB of zip), never committed.
 */
import zlib from 'node:zlib';
import ExcelJS from 'exceljs';
import { ExchangeError } from '../../../src/exchange/errors';
import { readXlsx, zipEntries, type XlsxReadOptions } from '../../../src/exchange/formats';

const MiB = 1024 * 1024;

interface Part {
  name: string;
  method: 0 | 8;
  crc: number;
  data: Buffer;
  compressedSize: number;
  /** What the headers declare: the truth, or a lie. */
  uncompressedSize: number;
}

/** A zip archive from parts, headers written as given (local header, central directory, end record). */
function zip(parts: Part[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(p.method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.compressedSize, 18);
    local.writeUInt32LE(p.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(p.method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(p.crc >>> 0, 16);
    central.writeUInt32LE(p.compressedSize, 20);
    central.writeUInt32LE(p.uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, p.data);
    centrals.push(central, name);
    offset += 30 + name.length + p.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The parts of a real workbook as exceljs writes it. */
async function workbookParts(rows: (string | number)[][]): Promise<{ bytes: Buffer; parts: Part[] }> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Бордеро');
  for (const row of rows) sheet.addRow(row);
  const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
  const parts = zipEntries(bytes, 'real.xlsx').map((e) => {
    const at = e.localHeaderOffset;
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    return {
      name: e.name,
      method: e.method as 0 | 8,
      crc: bytes.readUInt32LE(at + 14),
      data: bytes.subarray(start, start + e.compressedSize),
      compressedSize: e.compressedSize,
      uncompressedSize: e.uncompressedSize,
    };
  });
  return { bytes, parts };
}

/**
 * A deflate stream of `mebibytes` MiB of sheet XML built from one compressed MiB repeated (each one
 * ends in a full flush, so the copies chain), without ever holding the inflated bytes.
 */
function bombSheet(mebibytes: number): { data: Buffer; inflatedSize: number } {
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 };
  const head = Buffer.from(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
  );
  const tail = Buffer.from('</sheetData></worksheet>');
  const block = zlib.deflateRawSync(Buffer.alloc(MiB, 0x20), flush);
  const data = Buffer.concat([
    zlib.deflateRawSync(head, flush),
    ...Array.from({ length: mebibytes }, () => block),
    zlib.deflateRawSync(tail),
  ]);
  return { data, inflatedSize: head.length + mebibytes * MiB + tail.length };
}

async function bomb(lie: boolean): Promise<Buffer> {
  const { parts } = await workbookParts([['Номер полісу'], ['PL-1']]);
  const { data, inflatedSize } = bombSheet(1024);
  return zip(
    parts.map((p) =>
      p.name === 'xl/worksheets/sheet1.xml'
        ? {
            ...p,
            data,
            compressedSize: data.length,
            // The lie: a modest size at a believable ratio.
            uncompressedSize: lie ? data.length * 8 : inflatedSize,
          }
        : p,
    ),
  );
}

async function refusal(
  bytes: Buffer,
  options: Partial<XlsxReadOptions> = {},
): Promise<{ error: ExchangeError; ms: number; rssGrowth: number; heapGrowth: number }> {
  global.gc?.();
  const rss = process.memoryUsage().rss;
  const heap = process.memoryUsage().heapUsed;
  const started = performance.now();
  const error = await readXlsx(bytes, { file: 'Бордеро_2026_10.xlsx', ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  const ms = performance.now() - started;
  const rssGrowth = process.memoryUsage().rss - rss;
  const heapGrowth = process.memoryUsage().heapUsed - heap;
  expect(error).toBeInstanceOf(ExchangeError);
  return { error: error as ExchangeError, ms, rssGrowth, heapGrowth };
}

describe('XLSX that inflates past the limit', () => {
  it('reads an ordinary workbook', async () => {
    const { bytes } = await workbookParts([
      ['Номер полісу', 'Премія'],
      ['PL-2026-000001', 1250.5],
    ]);
    expect(await readXlsx(bytes, { file: 'Бордеро_2026_10.xlsx' })).toEqual([
      { rowNo: 2, fields: { 'Номер полісу': 'PL-2026-000001', Премія: '1250.5' } },
    ]);
  });

  it('refuses a bomb whose zip directory tells the truth without inflating anything', async () => {
    const bytes = await bomb(false);
    expect(bytes.length).toBeLessThan(2 * MiB);
    const { error, ms, rssGrowth, heapGrowth } = await refusal(bytes);
    console.log(
      `honest 1 GiB bomb (${bytes.length} bytes): refused in ${ms.toFixed(0)} ms, rss +${(rssGrowth / MiB).toFixed(1)} MiB, heap +${(heapGrowth / MiB).toFixed(1)} MiB`,
    );
    expect(error.toJSON()).toMatchObject({
      kind: 'parse',
      file: 'Бордеро_2026_10.xlsx',
      message: expect.stringMatching(/would inflate to \d+ bytes, over the limit of 104857600 bytes/),
    });
    expect(ms).toBeLessThan(500);
    expect(rssGrowth).toBeLessThan(64 * MiB);
  }, 60_000);

  it('stops a bomb whose headers lie at the size they declare, in a fraction of a second', async () => {
    const bytes = await bomb(true);
    const { error, ms, rssGrowth, heapGrowth } = await refusal(bytes);
    console.log(
      `lying 1 GiB bomb (${bytes.length} bytes): refused in ${ms.toFixed(0)} ms, rss +${(rssGrowth / MiB).toFixed(1)} MiB, heap +${(heapGrowth / MiB).toFixed(1)} MiB`,
    );
    expect(error.toJSON()).toMatchObject({
      kind: 'parse',
      file: 'Бордеро_2026_10.xlsx',
      message: expect.stringMatching(
        /entry 'xl\/worksheets\/sheet1.xml' inflates past the \d+ bytes it declares/,
      ),
    });
    expect(ms).toBeLessThan(1000);
    expect(rssGrowth).toBeLessThan(64 * MiB);
  }, 60_000);

  it('stops at the limit when the lie stays under it but the data does not', async () => {
    const { parts } = await workbookParts([['Номер полісу'], ['PL-1']]);
    const { data } = bombSheet(64);
    const bytes = zip(
      parts.map((p) =>
        p.name === 'xl/worksheets/sheet1.xml'
          ? { ...p, data, compressedSize: data.length, uncompressedSize: 20 * MiB }
          : p,
      ),
    );
    const { error, ms } = await refusal(bytes, {
      limits: { maxInflatedBytes: 8 * MiB, maxCompressionRatio: 100_000 },
    });
    expect(error.message).toMatch(/would inflate to \d+ bytes, over the limit of 8388608 bytes/);
    const lyingLow = zip(
      parts.map((p) =>
        p.name === 'xl/worksheets/sheet1.xml'
          ? { ...p, data, compressedSize: data.length, uncompressedSize: 4 * MiB }
          : p,
      ),
    );
    const stopped = await refusal(lyingLow, {
      limits: { maxInflatedBytes: 8 * MiB, maxCompressionRatio: 100_000 },
    });
    expect(stopped.error.message).toMatch(/inflates past the 4194304 bytes it declares/);
    expect(ms + stopped.ms).toBeLessThan(1000);
  });

  it('refuses an entry that inflates far more than real sheets do, by its declared ratio', async () => {
    const { parts } = await workbookParts([['Номер полісу'], ['PL-1']]);
    const { data, inflatedSize } = bombSheet(16);
    const bytes = zip(
      parts.map((p) =>
        p.name === 'xl/worksheets/sheet1.xml'
          ? { ...p, data, compressedSize: data.length, uncompressedSize: inflatedSize }
          : p,
      ),
    );
    const { error } = await refusal(bytes);
    expect(error.message).toMatch(
      /entry 'xl\/worksheets\/sheet1.xml' would inflate \d+ times .* more than the 200 accepted: a zip bomb/,
    );
  });

  it('refuses what is not a zip at all', async () => {
    const { error } = await refusal(Buffer.from('Номер полісу;Премія\r\n'));
    expect(error.message).toMatch(/not a readable XLSX workbook: no zip directory/);
  });
});
