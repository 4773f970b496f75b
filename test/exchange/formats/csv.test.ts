import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ExchangeError } from '../../../src/exchange/errors';
import {
  readCsv,
  kopiykyFromDecimalComma,
  formatDecimalComma,
  isoFromDottedDate,
  type CsvReadOptions,
  type CsvRow,
} from '../../../src/exchange/formats';

const cp1251 = (text: string) => iconv.encode(text, 'win1251');

async function readAll(source: Buffer | Readable, options: CsvReadOptions): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const row of readCsv(source, options)) rows.push(row);
  return rows;
}

async function failure(source: Buffer, options: CsvReadOptions): Promise<ExchangeError> {
  try {
    await readAll(source, options);
  } catch (err) {
    expect(err).toBeInstanceOf(ExchangeError);
    return err as ExchangeError;
  }
  throw new Error('expected the file to be refused');
}

describe('amounts and dates as insurers write them', () => {
  it('reads decimal-comma amounts with space or no-break-space thousands into exact kopiyky', () => {
    expect(kopiykyFromDecimalComma('12 345,67')).toBe(1234567);
    expect(kopiykyFromDecimalComma('12\u00a0345,67')).toBe(1234567);
    expect(kopiykyFromDecimalComma('-2 405,50')).toBe(-240550);
    expect(kopiykyFromDecimalComma('1 800 000,00')).toBe(180000000);
    expect(kopiykyFromDecimalComma('0,1')).toBe(10);
    // 0.1 + 0.2 style float drift must not exist: summing many cents stays exact.
    expect(kopiykyFromDecimalComma('1 234 567 890,99')).toBe(123456789099);
    expect(kopiykyFromDecimalComma('12 34,00')).toBeNull();
    expect(kopiykyFromDecimalComma('12.345,67')).toBeNull();
    expect(kopiykyFromDecimalComma('1,234')).toBeNull();
  });

  it('formats kopiyky back the way Dnipro Life writes them', () => {
    expect(formatDecimalComma(2023050)).toBe('20 230,50');
    expect(formatDecimalComma(-240550)).toBe('-2 405,50');
    expect(formatDecimalComma(98000)).toBe('980,00');
  });

  it('accepts only real calendar dates', () => {
    expect(isoFromDottedDate('01.10.2026')).toBe('2026-10-01');
    expect(isoFromDottedDate('29.02.2028')).toBe('2028-02-29');
    expect(isoFromDottedDate('31.09.2026')).toBeNull();
    expect(isoFromDottedDate('29.02.2026')).toBeNull();
    expect(isoFromDottedDate('2026-10-01')).toBeNull();
  });
});

describe('readCsv', () => {
  const options: CsvReadOptions = {
    file: 'T.csv',
    encoding: 'windows-1251',
    expectedColumns: ['Номер', 'Сума'],
  };

  it('reads Windows-1251 with quoted fields, doubled quotes and CRLF; header is row 1', async () => {
    const rows = await readAll(cp1251('Номер;Сума\r\n"А;1";"1 200,00"\r\nБ;"сказав ""так"""\r\n'), options);
    expect(rows).toEqual([
      { rowNo: 2, values: ['А;1', '1 200,00'], fields: { Номер: 'А;1', Сума: '1 200,00' } },
      { rowNo: 3, values: ['Б', 'сказав "так"'], fields: { Номер: 'Б', Сума: 'сказав "так"' } },
    ]);
  });

  it('reports a row with the wrong number of fields and goes on with the rest', async () => {
    const rows = await readAll(cp1251('Номер;Сума\r\nА;1;зайве\r\nБ;2\r\n'), options);
    expect(rows[0].error?.toJSON()).toEqual({
      kind: 'parse',
      file: 'T.csv',
      row: 2,
      field: null,
      message: 'row has 3 fields, the header has 2',
    });
    expect(rows[1].fields).toEqual({ Номер: 'Б', Сума: '2' });
  });

  it('refuses a file with an unclosed quote, naming the row', async () => {
    const err = await failure(cp1251('Номер;Сума\r\nА;1\r\nБ;"2\r\nВ;3\r\n'), options);
    expect(err.kind).toBe('parse');
    expect(err.row).toBe(3);
    expect(err.message).toMatch(/quoted field is not closed/);
  });

  it('detects a UTF-8 file declared Windows-1251', async () => {
    const err = await failure(Buffer.from('Номер;Сума\r\nА;1\r\n', 'utf8'), options);
    expect(err.message).toMatch(/declared Windows-1251 but its bytes are UTF-8/);
    expect(err.file).toBe('T.csv');
  });

  it('detects a Windows-1251 file declared UTF-8', async () => {
    const err = await failure(cp1251('Номер;Сума\r\nА;1\r\n'), { ...options, encoding: 'utf-8' });
    expect(err.message).toMatch(/declared UTF-8 but its bytes are not valid UTF-8/);
  });

  it('checks header names exactly', async () => {
    const err = await failure(cp1251('Номер;Сумма\r\nА;1\r\n'), options);
    expect(err.toJSON()).toMatchObject({ kind: 'parse', row: 1, field: 'Сума' });
    expect(err.message).toMatch(/missing 'Сума'; unexpected 'Сумма'/);
  });

  it('checks the trailer count and sum', async () => {
    const trailer = { label: 'Всього', sumColumn: 'Сума' };
    const good = await readAll(cp1251('Номер;Сума\r\nА;1 200,00\r\nБ;19 030,50\r\nВсього;2;20 230,50\r\n'), {
      ...options,
      trailer,
    });
    expect(good).toHaveLength(2);
    const badSum = await failure(
      cp1251('Номер;Сума\r\nА;1 200,00\r\nБ;19 030,50\r\nВсього;2;20 230,51\r\n'),
      { ...options, trailer },
    );
    expect(badSum.toJSON()).toMatchObject({ kind: 'validation', row: 4, field: 'Сума' });
    const badCount = await failure(cp1251('Номер;Сума\r\nА;1 200,00\r\nВсього;2;1 200,00\r\n'), {
      ...options,
      trailer,
    });
    expect(badCount.message).toMatch(/trailer says 2 rows, the file has 1/);
    const missing = await failure(cp1251('Номер;Сума\r\nА;1 200,00\r\n'), { ...options, trailer });
    expect(missing.message).toMatch(/trailer line .* is missing/);
  });

  it('checks an optional trailer when the file has one, and does not demand it', async () => {
    const trailer = { label: 'Всього', required: false };
    expect(await readAll(cp1251('Номер;Сума\r\nА;1\r\nБ;2\r\n'), { ...options, trailer })).toHaveLength(2);
    expect(
      await readAll(cp1251('Номер;Сума\r\nА;1\r\nБ;2\r\nВсього;2\r\n'), { ...options, trailer }),
    ).toHaveLength(2);
    const wrong = await failure(cp1251('Номер;Сума\r\nА;1\r\nБ;2\r\nВсього;3\r\n'), {
      ...options,
      trailer,
    });
    expect(wrong.toJSON()).toEqual({
      kind: 'validation',
      file: 'T.csv',
      row: 4,
      field: 'Всього',
      message: 'the trailer says 3 rows, the file has 2',
    });
  });

  it('streams a long file row by row', async () => {
    const total = 50_000;
    async function* lines() {
      yield cp1251('Номер;Сума\r\n');
      for (let i = 1; i <= total; i += 1)
        yield cp1251(`DL-${i};1 000,${String(i % 100).padStart(2, '0')}\r\n`);
    }
    let count = 0;
    let progressCalls = 0;
    for await (const row of readCsv(Readable.from(lines()), {
      ...options,
      onProgress: () => (progressCalls += 1),
    })) {
      if (row.fields) count += 1;
    }
    expect(count).toBe(total);
    expect(progressCalls).toBe(total / 1000 + 1);
  });
});
