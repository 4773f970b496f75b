/**
 * What an insurer unlike Dnipro Life and Karpaty needs from the mapping language: timestamps with a
 * time zone read as dates (never shifted to UTC), rows grouped into records (an endorsement row under
 * its policy row; lines of one document over several rows), and UTF-8 files that start with a BOM.
 * Mappings are written to a temporary folder as an onboarding engineer would write them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type {
  CanonicalAmendment,
  CanonicalPolicy,
  CanonicalPremiumPayment,
} from '../../../src/exchange/canonical';
import { ExchangeError } from '../../../src/exchange/errors';
import { dateOfTimestamp, headerProblem, readCsv } from '../../../src/exchange/formats';
import {
  collectMapping,
  InboundMapper,
  loadMapping,
  type CollectedMapping,
} from '../../../src/exchange/mapping';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mapping-lang-'));
let n = 0;
function mappingFile(yaml: string): string {
  const file = path.join(tmp, `m${(n += 1)}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

async function mapText<T>(
  yaml: string,
  text: string | Buffer,
  fileName = 'POLISSIA_20260301.csv',
): Promise<CollectedMapping<T>> {
  const mapper = new InboundMapper(loadMapping(mappingFile(yaml)));
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return collectMapping(mapper.map(bytes, { fileName, format: { encoding: 'utf-8' } })) as Promise<
    CollectedMapping<T>
  >;
}

function loadError(yaml: string): ExchangeError {
  try {
    loadMapping(mappingFile(yaml));
  } catch (error) {
    expect(error).toBeInstanceOf(ExchangeError);
    return error as ExchangeError;
  }
  throw new Error('expected the mapping to be refused');
}

const PAYMENTS = (dateOptions: string) => `
version: 1
message: payments
format: csv
columns: [Поліс, Сплачено, Сума]
defaults: { decimal: point }
fields:
  insurerCode: { const: POLISSIA }
  policyNumber: { from: Поліс }
  paidOn: { from: Сплачено, type: date, dateFormat: timestamp${dateOptions} }
  amountKop: { from: Сума, type: kopiyky }
  coverFrom: { const: null }
  coverTo: { const: null }
  policyYear: { const: 1 }
`;

describe('a timestamp with a time zone becomes a date', () => {
  it('is the calendar date as written, whatever the offset, never shifted to UTC', () => {
    expect(dateOfTimestamp('2026-03-01T23:30:00+02:00')).toBe('2026-03-01');
    expect(dateOfTimestamp('2026-03-01 23:30:00 +0200')).toBe('2026-03-01');
    expect(dateOfTimestamp('2026-03-01T23:30:00Z')).toBe('2026-03-01');
    // In UTC this is still 28 February; the insurer wrote 1 March.
    expect(dateOfTimestamp('2026-03-01T00:30:00+03:00')).toBe('2026-03-01');
    expect(dateOfTimestamp('2026-03-01T00:30:00.123+03')).toBe('2026-03-01');
    expect(dateOfTimestamp('2026-03-01T23:30')).toBe('2026-03-01');
  });

  it('is the date in the given zone of the instant written, when the mapping names a zone', () => {
    expect(dateOfTimestamp('2026-03-01T23:30:00Z', 'Europe/Kyiv')).toBe('2026-03-02');
    expect(dateOfTimestamp('2026-03-01T23:30:00+02:00', 'Europe/Kyiv')).toBe('2026-03-01');
    // Summer time: Kyiv is UTC+3, so 21:30Z is already the next day there.
    expect(dateOfTimestamp('2026-07-01T21:30:00Z', 'Europe/Kyiv')).toBe('2026-07-02');
    expect(dateOfTimestamp('2026-07-01T20:30:00Z', 'Europe/Kyiv')).toBe('2026-07-01');
    // No offset: a local time there already.
    expect(dateOfTimestamp('2026-03-01 23:30:00', 'Europe/Kyiv')).toBe('2026-03-01');
  });

  it('refuses what is not a real moment', () => {
    expect(dateOfTimestamp('2026-02-29T10:00:00Z')).toBeNull();
    expect(dateOfTimestamp('2026-03-01T24:00:00Z')).toBeNull();
    expect(dateOfTimestamp('2026-03-01T10:00:00+15:00')).toBeNull();
    expect(dateOfTimestamp('01.03.2026 10:00')).toBeNull();
    expect(dateOfTimestamp('2026-03-01')).toBeNull();
  });

  it('maps timestamps in a file to dates, and names file, row and field of a bad one', async () => {
    const result = await mapText<CanonicalPremiumPayment>(
      PAYMENTS(''),
      'Поліс;Сплачено;Сума\n' +
        'PL-1;2026-03-01T23:30:00+02:00;100.00\n' +
        'PL-2;2026-03-01 23:30:00 +0200;200.00\n' +
        'PL-3;2026-03-01T00:30:00+03:00;300.00\n' +
        'PL-4;2026-02-30T10:00:00Z;400.00\n',
    );
    expect(result.records.map((r) => [r.record.policyNumber, r.record.paidOn])).toEqual([
      ['PL-1', '2026-03-01'],
      ['PL-2', '2026-03-01'],
      ['PL-3', '2026-03-01'],
    ]);
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      {
        kind: 'mapping',
        file: 'POLISSIA_20260301.csv',
        row: 5,
        field: 'Сплачено',
        message: "'2026-02-30T10:00:00Z' is not a real date and time like 2026-03-01T23:30:00+02:00",
      },
    ]);
  });

  it('takes the zone from the field or the mapping defaults, and refuses a zone that does not exist', async () => {
    const text = 'Поліс;Сплачено;Сума\nPL-1;2026-03-01T23:30:00Z;100.00\n';
    const byField = await mapText<CanonicalPremiumPayment>(PAYMENTS(', timeZone: Europe/Kyiv'), text);
    expect(byField.records[0].record.paidOn).toBe('2026-03-02');
    const byDefault = await mapText<CanonicalPremiumPayment>(
      PAYMENTS('').replace(
        'defaults: { decimal: point }',
        'defaults: { decimal: point, timeZone: Europe/Kyiv }',
      ),
      text,
    );
    expect(byDefault.records[0].record.paidOn).toBe('2026-03-02');
    const bad = loadError(PAYMENTS(', timeZone: Europe/Atlantis'));
    expect(bad.field).toBe('/fields/paidOn/timeZone');
    expect(bad.message).toMatch(/m\d+\.yaml.*'Europe\/Atlantis' is not a time zone/);
  });
});

/** An amendments file where the policy number is only on the policy row; its endorsements follow it. */
const ENDORSEMENTS = `
version: 1
message: amendments
format: csv
columns: [Тип, Поліс, Номер, Підписано, Діє з, Зміна, Нова сума]
defaults: { decimal: point, dateFormat: iso }
group:
  startWhen: { from: Тип, equals: POLICY }
  inherit: [Поліс]
  record: row
  recordWhen: { from: Тип, equals: ENDORSEMENT }
codeTables:
  kind: { SUM: sum_change, CANCEL: cancellation }
fields:
  insurerCode: { const: POLISSIA }
  policyNumber: { from: Поліс }
  amendmentNo: { from: Номер }
  signedOn: { from: Підписано, type: date }
  effectiveOn: { from: Діє з, type: date }
  changeKind: { from: Зміна, code: kind }
  newValue: { from: Нова сума }
  sumInsuredKop: { from: Нова сума, type: kopiyky }
  annualPremiumKop: { const: null }
`;

/** The same rows read as contracts: one policy per policy row, its endorsement rows as its amendments. */
const POLICIES_WITH_ENDORSEMENTS = `
version: 1
message: contracts
format: csv
columns: [Тип, Поліс, Номер, Підписано, Діє з, Зміна, Нова сума]
defaults: { decimal: point, dateFormat: iso }
group:
  startWhen: { from: Тип, equals: POLICY }
  inherit: [Поліс]
codeTables:
  kind: { SUM: sum_change, CANCEL: cancellation }
fields:
  insurerCode: { const: POLISSIA }
  policyNumber: { from: Поліс }
  applicationNumber: { const: null }
  issuedOn: { from: Підписано, type: date }
  coverStart: { from: Діє з, type: date }
  coverEnd: { const: '2027-02-28' }
  productCode: { const: PROP-HOME }
  policyholder:
    fields:
      kind: { const: individual }
      fullName: { const: Тестова Особа }
      taxNumber: { const: null }
      birthDate: { const: null }
  insured: { const: null }
  sumInsuredKop: { from: Нова сума, type: kopiyky }
  annualPremiumKop: { const: 100000 }
  paymentFrequency: { const: 1 }
  agentCode: { const: K-00031 }
  status: { const: in_force }
  statusDate: { from: Діє з, type: date }
  version: { const: null }
  amendments:
    each: rows
    eachWhen: { from: Тип, equals: ENDORSEMENT }
    fields:
      insurerCode: { const: POLISSIA }
      policyNumber: { from: Поліс }
      amendmentNo: { from: Номер }
      signedOn: { from: Підписано, type: date }
      effectiveOn: { from: Діє з, type: date }
      changeKind: { from: Зміна, code: kind }
      newValue: { from: Нова сума }
      sumInsuredKop: { from: Нова сума, type: kopiyky }
      annualPremiumKop: { const: null }
`;

const ROWS =
  'Тип;Поліс;Номер;Підписано;Діє з;Зміна;Нова сума\n' +
  'POLICY;PL-1;;2026-03-01;2026-03-02;;500000.00\n' +
  'ENDORSEMENT;;1;2026-04-01;2026-04-01;SUM;600000.00\n' +
  'ENDORSEMENT;;2;2026-05-01;2026-05-01;CANCEL;\n' +
  'POLICY;PL-2;;2026-03-05;2026-03-06;;700000.00\n' +
  'ENDORSEMENT;;1;2026-06-01;2026-06-01;SUM;800000.00\n';

describe('an endorsement row refers to the policy on the row above', () => {
  it('inherits the policy number from its parent row (one record per endorsement row)', async () => {
    const result = await mapText<CanonicalAmendment>(ENDORSEMENTS, ROWS);
    expect(result.errors).toEqual([]);
    expect(
      result.records.map((r) => [r.rowNo, r.record.policyNumber, r.record.amendmentNo, r.record.changeKind]),
    ).toEqual([
      [3, 'PL-1', '1', 'sum_change'],
      [4, 'PL-1', '2', 'cancellation'],
      [6, 'PL-2', '1', 'sum_change'],
    ]);
  });

  it('reads the same rows as policies, each with its endorsements as amendments', async () => {
    const result = await mapText<CanonicalPolicy>(POLICIES_WITH_ENDORSEMENTS, ROWS);
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => r.rowNo)).toEqual([2, 5]);
    const [first, second] = result.records.map((r) => r.record);
    expect(first.policyNumber).toBe('PL-1');
    expect(first.sumInsuredKop).toBe(50000000);
    expect(first.amendments.map((a) => [a.policyNumber, a.amendmentNo, a.sumInsuredKop])).toEqual([
      ['PL-1', '1', 60000000],
      ['PL-1', '2', null],
    ]);
    expect(second.amendments.map((a) => [a.policyNumber, a.amendmentNo])).toEqual([['PL-2', '1']]);
  });

  it('names file, row and field of an endorsement with no policy row above it', async () => {
    const result = await mapText<CanonicalAmendment>(
      ENDORSEMENTS,
      'Тип;Поліс;Номер;Підписано;Діє з;Зміна;Нова сума\n' +
        'ENDORSEMENT;;1;2026-04-01;2026-04-01;SUM;600000.00\n' +
        'POLICY;PL-1;;2026-03-01;2026-03-02;;500000.00\n' +
        'ENDORSEMENT;;2;2026-05-01;2026-05-01;CANCEL;\n',
    );
    expect(result.records.map((r) => r.rowNo)).toEqual([4]);
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      {
        kind: 'mapping',
        file: 'POLISSIA_20260301.csv',
        row: 2,
        field: 'Тип',
        message:
          "this row belongs to a row above it (a row where 'Тип' is 'POLICY'), but no row above starts a record",
      },
    ]);
  });

  it('names the row of a bad line, not the row of its policy', async () => {
    const result = await mapText<CanonicalPolicy>(
      POLICIES_WITH_ENDORSEMENTS,
      ROWS.replace(
        'ENDORSEMENT;;2;2026-05-01;2026-05-01;CANCEL;',
        'ENDORSEMENT;;2;2026-05-01;2026-05-01;FREEZE;',
      ),
    );
    expect(result.records.map((r) => r.record.policyNumber)).toEqual(['PL-2']);
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      expect.objectContaining({ file: 'POLISSIA_20260301.csv', row: 4, field: 'Зміна' }),
    ]);
    expect(result.errors[0].message).toMatch(/unknown code 'FREEZE'/);
  });
});

/** A policy over several rows: one row per endorsement line, the policy's key on every row. */
const LINES_BY_KEY = POLICIES_WITH_ENDORSEMENTS.replace(
  `group:
  startWhen: { from: Тип, equals: POLICY }
  inherit: [Поліс]`,
  `group:
  by: [Поліс]`,
).replace('    eachWhen: { from: Тип, equals: ENDORSEMENT }\n', '');

describe('lines of one document over several rows', () => {
  const header = 'Тип;Поліс;Номер;Підписано;Діє з;Зміна;Нова сума\n';

  it('groups consecutive rows with the same key into one record with lines', async () => {
    const result = await mapText<CanonicalPolicy>(
      LINES_BY_KEY,
      header +
        'LINE;PL-1;1;2026-04-01;2026-04-01;SUM;600000.00\n' +
        'LINE;PL-1;2;2026-05-01;2026-05-01;CANCEL;\n' +
        'LINE;PL-2;1;2026-06-01;2026-06-01;SUM;800000.00\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => [r.rowNo, r.record.policyNumber, r.record.amendments.length])).toEqual([
      [2, 'PL-1', 2],
      [4, 'PL-2', 1],
    ]);
  });

  it('takes an empty key from the row above when the mapping inherits it', async () => {
    const result = await mapText<CanonicalPolicy>(
      LINES_BY_KEY.replace('  by: [Поліс]', '  by: [Поліс]\n  inherit: [Поліс]'),
      header +
        'LINE;PL-1;1;2026-04-01;2026-04-01;SUM;600000.00\n' +
        'LINE;;2;2026-05-01;2026-05-01;CANCEL;\n' +
        'LINE;PL-2;1;2026-06-01;2026-06-01;SUM;800000.00\n',
    );
    expect(result.errors).toEqual([]);
    expect(
      result.records.map((r) => [r.record.policyNumber, r.record.amendments.map((a) => a.policyNumber)]),
    ).toEqual([
      ['PL-1', ['PL-1', 'PL-1']],
      ['PL-2', ['PL-2']],
    ]);
  });

  it('refuses a document whose lines are apart, naming the row where it starts again', async () => {
    const result = await mapText<CanonicalPolicy>(
      LINES_BY_KEY,
      header +
        'LINE;PL-1;1;2026-04-01;2026-04-01;SUM;600000.00\n' +
        'LINE;PL-2;1;2026-06-01;2026-06-01;SUM;800000.00\n' +
        'LINE;PL-1;2;2026-05-01;2026-05-01;CANCEL;\n',
    );
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      {
        kind: 'mapping',
        file: 'POLISSIA_20260301.csv',
        row: 4,
        field: 'Поліс',
        message:
          "the lines of 'Поліс' 'PL-1' are not together: some are in rows 2–2 and more start here; one record's rows must follow each other",
      },
    ]);
  });

  it('refuses a group that names a column the mapping does not list, naming the mapping and key', () => {
    const error = loadError(LINES_BY_KEY.replace('  by: [Поліс]', '  by: [Номер полісу]'));
    expect(error.field).toBe('/group/by');
    expect(error.message).toMatch(/column 'Номер полісу' is not among the columns/);
    const rowsWithoutGroup = loadError(LINES_BY_KEY.replace('group:\n  by: [Поліс]\n', ''));
    expect(rowsWithoutGroup.message).toMatch(/'rows' needs a \/group section/);
  });
});

describe('UTF-8 with a byte order mark', () => {
  const text = 'Поліс;Сплачено;Сума\nPL-1;2026-03-01T23:30:00+02:00;100.00\n';
  const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);

  it('reads the first column name without the BOM', async () => {
    const rows = [];
    for await (const row of readCsv(bom, {
      file: 'B.csv',
      encoding: 'utf-8',
      expectedColumns: ['Поліс', 'Сплачено', 'Сума'],
    }))
      rows.push(row);
    expect(rows).toEqual([
      {
        rowNo: 2,
        values: ['PL-1', '2026-03-01T23:30:00+02:00', '100.00'],
        fields: { Поліс: 'PL-1', Сплачено: '2026-03-01T23:30:00+02:00', Сума: '100.00' },
      },
    ]);
  });

  it('maps a CSV, an XML and a JSON file that start with a BOM', async () => {
    const csv = await mapText<CanonicalPremiumPayment>(PAYMENTS(''), bom);
    expect(csv.errors).toEqual([]);
    expect(csv.records[0].record).toMatchObject({ policyNumber: 'PL-1', amountKop: 10000 });

    const xmlMapping = `
version: 1
message: payments
format: xml
root: Payments
records: Payment
defaults: { decimal: point }
fields:
  insurerCode: { const: POLISSIA }
  policyNumber: { from: '@policy' }
  paidOn: { from: '@at', type: date, dateFormat: timestamp }
  amountKop: { from: '@amount', type: kopiyky }
  coverFrom: { const: null }
  coverTo: { const: null }
  policyYear: { const: 1 }
`;
    const xml = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        '<?xml version="1.0" encoding="UTF-8"?><Payments><Payment policy="PL-1" at="2026-03-01T23:30:00+02:00" amount="100.00"/></Payments>',
        'utf8',
      ),
    ]);
    const fromXml = await mapText<CanonicalPremiumPayment>(xmlMapping, xml, 'payments.xml');
    expect(fromXml.errors).toEqual([]);
    expect(fromXml.records[0].record.paidOn).toBe('2026-03-01');

    const jsonMapping = xmlMapping
      .replace('format: xml', 'format: json')
      .replace('root: Payments\n', '')
      .replace('records: Payment', 'records: items')
      .replace(/'@(\w+)'/g, '$1');
    const json = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from(
        JSON.stringify({ items: [{ policy: 'PL-1', at: '2026-03-01T23:30:00Z', amount: '100.00' }] }),
      ),
    ]);
    const fromJson = await mapText<CanonicalPremiumPayment>(jsonMapping, json, 'payments.json');
    expect(fromJson.errors).toEqual([]);
    expect(fromJson.records[0].record.paidOn).toBe('2026-03-01');
  });

  it('says a UTF-8 file with a BOM declared Windows-1251 is UTF-8', async () => {
    const mapper = new InboundMapper(loadMapping(mappingFile(PAYMENTS(''))));
    const result = await collectMapping(
      mapper.map(bom, { fileName: 'B.csv', format: { encoding: 'windows-1251' } }),
    );
    expect(result.fileError?.message).toMatch(
      /B\.csv, row 1: wrong encoding: the file is declared Windows-1251 but its bytes are UTF-8/,
    );
  });
});

describe('a header that does not fit', () => {
  const expected = ['Номер договору', 'Дата оплати', 'Сума', 'Рік дії договору'];

  it('blames the encoding only when the names read right in the other encoding', () => {
    const garbled = expected.map((n) => iconv.decode(Buffer.from(n, 'utf8'), 'win1251'));
    const error = headerProblem({
      file: 'P.csv',
      row: 1,
      found: garbled,
      expected,
      encoding: 'windows-1251',
    });
    expect(error?.message).toMatch(/wrong encoding: the header names are garbled; read as UTF-8/);
  });

  it('says a file of another message type does not look like this one, naming the missing columns', () => {
    const found = ['Номер договору', 'Річна премія', 'Дата статусу', 'Рік'];
    const error = headerProblem({
      file: 'CONTRACTS.csv',
      row: 1,
      found,
      expected,
      encoding: 'windows-1251',
      messageType: 'payments',
    });
    expect(error?.toJSON()).toMatchObject({
      kind: 'parse',
      file: 'CONTRACTS.csv',
      row: 1,
      field: 'Дата оплати',
    });
    expect(error?.message).toMatch(
      /does not look like a 'payments' file: its header lacks 3 of the 4 expected columns \(missing 'Дата оплати', 'Сума', 'Рік дії договору'/,
    );
    expect(error?.message).not.toMatch(/encoding|garbled/);
  });
});

describe("the README's mapping example", () => {
  it('is a mapping the engine loads and maps a reversal with', async () => {
    const readme = readFileSync(path.join(__dirname, '../../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Mappings'));
    const yaml = /```yaml\n([\s\S]*?)```/
      .exec(section)![1]
      .replace(
        'extends: ../_shared/ua-csv.yaml',
        `extends: ${path.join(__dirname, '../../../mappings/_shared/ua-csv.yaml')}`,
      );
    const result = await mapText<CanonicalPremiumPayment>(
      yaml,
      'Ід платежу;Тип;Сторнує;Договір;Сплачено;Сума\n' +
        'P-1;ОПЛАТА;;PL-1;2026-03-01T23:30:00Z;150.00\n' +
        'R-1;СТОРНО;P-1;PL-1;2026-03-02T10:00:00+02:00;150.00\n',
    );
    expect(result.errors).toEqual([]);
    expect(
      result.records.map((r) => [
        r.record.paymentId,
        r.record.reversesPaymentId,
        r.record.paidOn,
        r.record.amountKop,
      ]),
    ).toEqual([
      ['P-1', null, '2026-03-02', 15000],
      ['R-1', 'P-1', '2026-03-02', -15000],
    ]);
  });
});
