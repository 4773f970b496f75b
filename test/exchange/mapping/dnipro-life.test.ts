/**
 * Golden tests: every Dnipro Life sample file (spec v3.2) through adapter + mapping, asserting what the
 * spec sheet says an intermediary should make of it. Row convention: the header is row 1.
 */
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { CanonicalApplication, CanonicalPolicy } from '../../../src/exchange/canonical';
import { tryMapping, renderMessage } from '../../../src/exchange/mapping';

const FIXTURES = path.join(__dirname, '../../../adapters/dnipro-life/__fixtures__');
const fixture = (name: string) => path.join(FIXTURES, name);
const KNOWN_CONSULTANTS = new Map(
  ['K-00012', 'K-00013', 'K-00021', 'K-00031', 'K-00032', 'K-00047'].map((code, i) => [code, 100 + i]),
);
const lookups = { consultant: (code: string) => KNOWN_CONSULTANTS.get(code) ?? null };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dl-mapping-'));

describe('Dnipro Life CONTRACTS_20261002.csv', () => {
  it('gives 11 valid contracts, one error for the impossible date, one unknown-consultant finding', async () => {
    const result = await tryMapping<'contracts'>(
      'DNIPRO_LIFE',
      'contracts',
      fixture('CONTRACTS_20261002.csv'),
      { lookups },
    );
    expect(result.records).toHaveLength(11);
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      {
        kind: 'mapping',
        file: 'CONTRACTS_20261002.csv',
        row: 11,
        field: 'Дата укладення',
        message: "'31.09.2026' is not a real date (dd.mm.yyyy)",
      },
    ]);
    expect(result.records.map((r) => r.record.policyNumber)).not.toContain('DL-2026-000110');
    expect(result.findings).toEqual([
      {
        kind: 'consultant-unknown',
        file: 'CONTRACTS_20261002.csv',
        row: 8,
        field: 'Код агента',
        value: 'K-99999',
        message: "consultant 'K-99999' is not known",
        recordKey: 'DL-2026-000107',
      },
    ]);
    const unknownAgent = result.records.find((r) => r.record.policyNumber === 'DL-2026-000107')!;
    expect(unknownAgent.record.agentCode).toBe('K-99999');
    expect(unknownAgent.resolved).toEqual({});
    // quarantine-row: the file is applied, the bad row goes to review
    expect(result.accepted).toBe(true);

    const first: CanonicalPolicy = result.records[0].record;
    expect(first).toEqual({
      insurerCode: 'DNIPRO_LIFE',
      policyNumber: 'DL-2026-000101',
      applicationNumber: 'Z-2026-00301',
      issuedOn: '2026-10-01',
      coverStart: '2026-10-02',
      coverEnd: '2036-10-01',
      productCode: 'DL-SAV10',
      policyholder: {
        kind: 'individual',
        fullName: 'Шевченко Тарас Григорович',
        taxNumber: '2845102317',
        birthDate: null,
      },
      insured: null,
      sumInsuredKop: 20000000,
      annualPremiumKop: 1440000,
      paymentFrequency: 12,
      agentCode: 'K-00012',
      status: 'in_force',
      statusDate: '2026-10-02',
      version: null,
      amendments: [],
    });
    expect(result.records[0].resolved).toEqual({ agentCode: 100 });
    const byNumber = new Map(result.records.map((r) => [r.record.policyNumber, r.record]));
    expect(byNumber.get('DL-2026-000109')).toMatchObject({
      status: 'terminated',
      statusDate: '2026-10-28',
      sumInsuredKop: 180000000,
    });
    expect(byNumber.get('DL-2026-000104')).toMatchObject({
      applicationNumber: 'Z-2026-00304',
      sumInsuredKop: 60000000,
    });
    expect(byNumber.get('DL-2026-000103')).toMatchObject({ applicationNumber: 'Z-2026-00303' });
    expect(byNumber.get('DL-2026-000106')).toMatchObject({ applicationNumber: null, paymentFrequency: 2 });
    expect(byNumber.get('DL-2026-000108')!.policyholder.fullName).toBe("Лисенко Ірина В'ячеславівна");
  });

  it('maps an unknown status code to a row error naming the field', async () => {
    const text = iconv
      .decode(readFileSync(fixture('CONTRACTS_20261002.csv')), 'win1251')
      .replace('K-00012;ДІЄ', 'K-00012;ПРИЗУПИНЕНО');
    const file = path.join(tmp, 'CONTRACTS_20261003.csv');
    writeFileSync(file, iconv.encode(text, 'win1251'));
    const result = await tryMapping('DNIPRO_LIFE', 'contracts', file, { lookups });
    expect(result.errors.map((e) => e.toJSON())).toContainEqual(
      expect.objectContaining({
        row: 2,
        field: 'Статус',
        message: expect.stringMatching(/unknown code 'ПРИЗУПИНЕНО'/),
      }),
    );
  });

  it('names the file, row and field of a value the canonical schema refuses', async () => {
    const text = iconv
      .decode(readFileSync(fixture('CONTRACTS_20261002.csv')), 'win1251')
      .replace(';2845102317;', ';28451;');
    const file = path.join(tmp, 'CONTRACTS_20261004.csv');
    writeFileSync(file, iconv.encode(text, 'win1251'));
    const result = await tryMapping('DNIPRO_LIFE', 'contracts', file, { lookups });
    expect(result.errors[0].toJSON()).toMatchObject({
      kind: 'validation',
      file: 'CONTRACTS_20261004.csv',
      row: 2,
      field: 'РНОКПП',
    });
  });

  it('refuses the file as a whole when it arrives in UTF-8', async () => {
    const file = path.join(tmp, 'CONTRACTS_20261005.csv');
    writeFileSync(file, iconv.decode(readFileSync(fixture('CONTRACTS_20261002.csv')), 'win1251'), 'utf8');
    const result = await tryMapping('DNIPRO_LIFE', 'contracts', file, { lookups });
    expect(result.accepted).toBe(false);
    expect(result.records).toHaveLength(0);
    expect(result.fileError?.message).toMatch(/CONTRACTS_20261005.csv, row 1: wrong encoding/);
  });
});

describe('Dnipro Life PAYMENTS_202610.csv', () => {
  it('gives 9 payments; the net for DL-2026-000102 is 2 450,50', async () => {
    const result = await tryMapping<'payments'>('DNIPRO_LIFE', 'payments', fixture('PAYMENTS_202610.csv'));
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(9);
    const for102 = result.records.map((r) => r.record).filter((p) => p.policyNumber === 'DL-2026-000102');
    expect(for102.map((p) => p.amountKop)).toEqual([240550, -240550, 245050]);
    expect(for102.reduce((sum, p) => sum + p.amountKop, 0)).toBe(245050);
    expect(result.records[0].record).toEqual({
      insurerCode: 'DNIPRO_LIFE',
      policyNumber: 'DL-2026-000101',
      paidOn: '2026-10-02',
      amountKop: 120000,
      coverFrom: '2026-10-02',
      coverTo: '2026-11-01',
      policyYear: 1,
    });
  });
});

describe('Dnipro Life COMMISSION_202610.csv', () => {
  it('gives 7 lines for 2026-10; DL-2026-000109 is paid at 25 %', async () => {
    const result = await tryMapping<'commission'>(
      'DNIPRO_LIFE',
      'commission',
      fixture('COMMISSION_202610.csv'),
    );
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(7);
    expect(result.records.find((r) => r.record.policyNumber === 'DL-2026-000109')!.record).toEqual({
      insurerCode: 'DNIPRO_LIFE',
      statementMonth: '2026-10',
      policyNumber: 'DL-2026-000109',
      paidOn: '2026-10-10',
      premiumKop: 1800000,
      ratePct: '25',
      commissionKop: 450000,
    });
    expect(result.records.find((r) => r.record.policyNumber === 'DL-2026-000102')!.record.commissionKop).toBe(
      73515,
    );
  });
});

describe('Dnipro Life ADDAGR_20261115.csv', () => {
  it('gives 5 amendments with their kinds, values and (back-dated) effective dates', async () => {
    const result = await tryMapping<'amendments'>(
      'DNIPRO_LIFE',
      'amendments',
      fixture('ADDAGR_20261115.csv'),
    );
    expect(result.errors).toEqual([]);
    expect(
      result.records.map(({ record: a }) => [
        a.policyNumber,
        a.amendmentNo,
        a.changeKind,
        a.newValue,
        a.sumInsuredKop,
        a.annualPremiumKop,
        a.effectiveOn,
      ]),
    ).toEqual([
      ['DL-2026-000101', '1', 'sum_change', '350000.00', 35000000, null, '2026-11-01'],
      ['DL-2026-000101', '2', 'premium_change', '21600.00', null, 2160000, '2026-11-01'],
      ['DL-2026-000102', '1', 'agent_change', 'K-00021', null, null, '2026-10-01'],
      ['DL-2026-000105', '1', 'termination', null, null, null, '2026-10-20'],
      ['DL-2026-000106', '1', 'frequency_change', '12', null, null, '2026-12-01'],
    ]);
    expect(result.records[2].record.signedOn).toBe('2026-11-12');
  });
});

describe('Dnipro Life ACK_REG_AG0042_20261005_001.csv', () => {
  it('gives 4 accepted (00303 without a policy number) and 00304 rejected with the un-doubled quote', async () => {
    const result = await tryMapping<'register-answer'>(
      'DNIPRO_LIFE',
      'register-answer',
      fixture('ACK_REG_AG0042_20261005_001.csv'),
    );
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => r.record)).toEqual([
      {
        insurerCode: 'DNIPRO_LIFE',
        registerRef: 'REG_AG0042_20261005_001.csv',
        applicationNumber: 'Z-2026-00301',
        outcome: 'accepted',
        reason: null,
        policyNumber: 'DL-2026-000101',
      },
      {
        insurerCode: 'DNIPRO_LIFE',
        registerRef: 'REG_AG0042_20261005_001.csv',
        applicationNumber: 'Z-2026-00302',
        outcome: 'accepted',
        reason: null,
        policyNumber: 'DL-2026-000102',
      },
      {
        insurerCode: 'DNIPRO_LIFE',
        registerRef: 'REG_AG0042_20261005_001.csv',
        applicationNumber: 'Z-2026-00303',
        outcome: 'accepted',
        reason: null,
        policyNumber: null,
      },
      {
        insurerCode: 'DNIPRO_LIFE',
        registerRef: 'REG_AG0042_20261005_001.csv',
        applicationNumber: 'Z-2026-00304',
        outcome: 'rejected',
        reason: 'Страхова сума перевищує ліміт без медичного обстеження "Надійне майбутнє"',
        policyNumber: null,
      },
      {
        insurerCode: 'DNIPRO_LIFE',
        registerRef: 'REG_AG0042_20261005_001.csv',
        applicationNumber: 'Z-2026-00305',
        outcome: 'accepted',
        reason: null,
        policyNumber: 'DL-2026-000105',
      },
    ]);
  });

  // Spec v3.2 §2 gives the ACK no trailer and the sample has none; when the insurer adds the usual
  // `Всього;<count>` line it must agree with the rows, or a truncated answer would pass as whole.
  const ackWith = (trailer: string) => {
    const original = iconv.decode(readFileSync(fixture('ACK_REG_AG0042_20261005_001.csv')), 'win1251');
    const name = `ACK_REG_AG0042_20261005_${String(Math.floor(Math.random() * 900) + 100)}.csv`;
    const file = path.join(tmp, name);
    writeFileSync(file, iconv.encode(`${original}${trailer}\r\n`, 'win1251'));
    return { file, name };
  };

  it('takes an ACK whose trailer agrees with its 5 rows', async () => {
    const { file } = ackWith('Всього;5');
    const result = await tryMapping('DNIPRO_LIFE', 'register-answer', file);
    expect(result.fileError).toBeFalsy();
    expect(result.errors).toEqual([]);
    expect(result.records).toHaveLength(5);
  });

  it('refuses an ACK whose trailer count is wrong, whole, naming file, row and field', async () => {
    const { file, name } = ackWith('Всього;6');
    const result = await tryMapping('DNIPRO_LIFE', 'register-answer', file);
    expect(result.accepted).toBe(false);
    expect(result.fileError?.toJSON()).toEqual({
      kind: 'validation',
      file: name,
      row: 7,
      field: 'Всього',
      message: 'the trailer says 6 rows, the file has 5',
    });
  });
});

describe('Dnipro Life REG_AG0042_20261005_001.csv', () => {
  const applications = async (): Promise<CanonicalApplication[]> => {
    const result = await tryMapping<'register'>(
      'DNIPRO_LIFE',
      'register',
      fixture('REG_AG0042_20261005_001.csv'),
    );
    expect(result.errors).toEqual([]);
    return result.records.map((r) => r.record);
  };

  it('reads the 5 applications and checks the trailer', async () => {
    const apps = await applications();
    expect(apps).toHaveLength(5);
    expect(apps[3]).toEqual({
      applicationNumber: 'Z-2026-00304',
      signedOn: '2026-10-04',
      productCode: 'DL-SAV10',
      policyholder: {
        kind: 'individual',
        fullName: 'Ткаченко Марія Іванівна',
        taxNumber: '3398765432',
        birthDate: '1992-07-02',
      },
      insured: { kind: 'individual', fullName: 'Ткаченко Олег Петрович', taxNumber: null, birthDate: null },
      sumInsuredKop: 120000000,
      premiumKop: 1200000,
      paymentFrequency: 1,
      agentCode: 'K-00031',
      details: null,
    });
    expect(apps.reduce((sum, a) => sum + a.premiumKop, 0)).toBe(2023050);
  });

  it('writes the 5 applications back out byte for byte (Windows-1251, CRLF, trailer Всього;5;20 230,50)', async () => {
    const bytes = renderMessage('DNIPRO_LIFE', 'register', await applications(), {
      fileName: 'REG_AG0042_20261005_001.csv',
    });
    expect(bytes.equals(readFileSync(fixture('REG_AG0042_20261005_001.csv')))).toBe(true);
  });

  it('refuses a register whose trailer does not match, whole', async () => {
    const original = readFileSync(fixture('REG_AG0042_20261005_001.csv'));
    const file = path.join(tmp, 'REG_AG0042_20261005_002.csv');
    writeFileSync(
      file,
      iconv.encode(
        iconv.decode(original, 'win1251').replace('Всього;5;20 230,50', 'Всього;5;20 230,00'),
        'win1251',
      ),
    );
    const result = await tryMapping('DNIPRO_LIFE', 'register', file);
    expect(result.accepted).toBe(false);
    expect(result.fileError?.toJSON()).toMatchObject({
      kind: 'validation',
      row: 7,
      field: 'Страховий платіж',
    });
  });

  it('refuses to write an application the canonical schema refuses, or a file name outside the pattern', async () => {
    const apps = await applications();
    expect(() =>
      renderMessage('DNIPRO_LIFE', 'register', [{ ...apps[0], signedOn: '2026-02-30' }], {
        fileName: 'REG_AG0042_20261005_003.csv',
      }),
    ).toThrow(/REG_AG0042_20261005_003.csv, row 1.*signedOn/);
    expect(() =>
      renderMessage('DNIPRO_LIFE', 'register', apps, { fileName: '../REG_AG0042_20261005_003.csv' }),
    ).toThrow(/file name refused/);
  });
});

describe('a Dnipro Life file mapped as the wrong message type', () => {
  it('says the file does not look like that message type and names the missing columns, not the encoding', async () => {
    const result = await tryMapping('DNIPRO_LIFE', 'payments', fixture('CONTRACTS_20261002.csv'));
    expect(result.accepted).toBe(false);
    expect(result.fileError?.toJSON()).toMatchObject({
      kind: 'parse',
      file: 'CONTRACTS_20261002.csv',
      row: 1,
      field: 'Дата оплати',
    });
    expect(result.fileError?.message).toMatch(
      /does not look like a 'payments' file: its header lacks 5 of the 6 expected columns \(missing 'Дата оплати', 'Сума', 'Покриття з', 'Покриття по', 'Рік дії договору'/,
    );
    expect(result.fileError?.message).not.toMatch(/encoding|garbled/);
  });
});
