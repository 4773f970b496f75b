/** Golden tests for the Karpaty Partner API v2 samples: signed policies page, payments, application batch. */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseXml, selectXml, xmlNodeText } from '../../../src/exchange/formats';
import {
  collectMapping,
  mapMessage,
  resolveMessage,
  tryMapping,
  renderMessage,
} from '../../../src/exchange/mapping';
import { verifyXml } from '../../../src/exchange/signature';
import { KARPATY_SPEC_CERTIFICATE } from '../../sandbox';

const FIXTURES = path.join(__dirname, '../../../adapters/karpaty/__fixtures__');
const fixture = (name: string) => path.join(FIXTURES, name);
// The spec's samples are signed with its sandbox key; its certificate checks them here, and only here.
const CERT = readFileSync(KARPATY_SPEC_CERTIFICATE, 'utf8');

describe('Karpaty policies-page-1.xml', () => {
  it('verifies, then maps the signed bytes to 3 policies with endorsements', async () => {
    const verified = verifyXml(readFileSync(fixture('policies-page-1.xml')), {
      certificatePem: CERT,
      file: 'policies-page-1.xml',
    });
    const resolved = resolveMessage('KARPATY', 'contracts');
    const result = await collectMapping(
      mapMessage<'contracts'>(resolved, Buffer.from(verified.signedXml), {
        fileName: 'policies-page-1.xml',
        lookups: { consultant: (code) => (code === 'K-00031' ? 31 : null) },
      }),
    );
    expect(result.errors).toEqual([]);
    expect(result.findings).toEqual([]);
    expect(result.records.map((r) => r.record.policyNumber)).toEqual([
      'KR-KS-26-004411',
      'KR-KS-26-004412',
      'KR-KS-26-004413',
    ]);
    expect(result.records[0].record).toEqual({
      insurerCode: 'KARPATY',
      policyNumber: 'KR-KS-26-004411',
      applicationNumber: 'A-2026-00011',
      issuedOn: '2026-10-06',
      coverStart: '2026-10-06',
      coverEnd: '2027-10-05',
      productCode: 'KASKO-STD',
      policyholder: {
        kind: 'individual',
        fullName: 'Коваленко Олена Петрівна',
        taxNumber: '3012345678',
        birthDate: null,
      },
      insured: null,
      sumInsuredKop: 65000000,
      annualPremiumKop: 1820000,
      paymentFrequency: 1,
      agentCode: 'K-00031',
      status: 'cancelled',
      statusDate: '2026-11-20',
      version: 3,
      amendments: [
        {
          insurerCode: 'KARPATY',
          policyNumber: 'KR-KS-26-004411',
          amendmentNo: '2',
          signedOn: '2026-11-02',
          effectiveOn: '2026-11-01',
          changeKind: 'sum_change',
          newValue: '700000.00',
          sumInsuredKop: 70000000,
          annualPremiumKop: 1930000,
        },
        {
          insurerCode: 'KARPATY',
          policyNumber: 'KR-KS-26-004411',
          amendmentNo: '3',
          signedOn: '2026-11-20',
          effectiveOn: '2026-11-20',
          changeKind: 'cancellation',
          newValue: null,
          sumInsuredKop: null,
          annualPremiumKop: null,
        },
      ],
    });
    expect(result.records[1].record).toMatchObject({
      status: 'in_force',
      statusDate: '2026-10-06',
      version: 1,
      amendments: [],
      annualPremiumKop: 1820000,
    });
  });

  it('reports an unknown status code with the record number and attribute', async () => {
    const xml = readFileSync(fixture('policies-page-1.xml'), 'utf8').replace(
      'status="active" version="1">\n    <ApplicationRef>A-2026-00013',
      'status="frozen" version="1">\n    <ApplicationRef>A-2026-00013',
    );
    const resolved = resolveMessage('KARPATY', 'contracts');
    const result = await collectMapping(
      mapMessage(resolved, Buffer.from(xml), { fileName: 'policies-page-9.xml' }),
    );
    expect(result.records).toHaveLength(2);
    expect(result.errors.map((e) => e.toJSON())).toEqual([
      expect.objectContaining({
        kind: 'mapping',
        file: 'policies-page-9.xml',
        row: 3,
        field: '@status',
        message: expect.stringMatching(/unknown code 'frozen'/),
      }),
    ]);
  });
});

describe('Karpaty payments-2026-10.xml', () => {
  it('gives two payments of 18 200.00, and says the sample is unsigned so a received one is quarantined', async () => {
    // The spec: every document carries a signature and an unsigned one must not be processed; this
    // sample has none (the pipeline quarantines it). The dry run says so, and still shows the mapping.
    const result = await tryMapping<'payments'>('KARPATY', 'payments', fixture('payments-2026-10.xml'), {
      certificatePem: CERT,
    });
    expect(result.signature).toEqual({ status: 'refused', message: 'the document is not signed' });
    expect(result.accepted).toBe(false);
    expect(result.errors).toEqual([]);
    expect(result.records.map((r) => r.record)).toEqual([
      {
        insurerCode: 'KARPATY',
        policyNumber: 'KR-KS-26-004411',
        paidOn: '2026-10-07',
        amountKop: 1820000,
        coverFrom: null,
        coverTo: null,
        policyYear: 1,
      },
      {
        insurerCode: 'KARPATY',
        policyNumber: 'KR-KS-26-004412',
        paidOn: '2026-10-09',
        amountKop: 1820000,
        coverFrom: null,
        coverTo: null,
        policyYear: 1,
      },
    ]);
  });
});

describe('Karpaty application-batch.xml', () => {
  it('reads the two applications and writes them back to the same document', async () => {
    // Outgoing, and unsigned here by the spec ("sign before sending"): the hub signs it when it sends.
    const result = await tryMapping<'register'>('KARPATY', 'register', fixture('application-batch.xml'));
    expect(result.signature?.status).toBe('not-checked');
    expect(result.accepted).toBe(true);
    expect(result.errors).toEqual([]);
    const apps = result.records.map((r) => r.record);
    expect(apps[0].details).toEqual({ vehicle: { vin: 'WVWZZZ1KZ6W000001', plate: 'АА1234ВС', year: 2019 } });
    expect(apps[1]).toMatchObject({
      applicationNumber: 'A-2026-00018',
      productCode: 'PROP-HOME',
      premiumKop: 115000,
      paymentFrequency: 4,
      details: null,
    });

    const out = renderMessage('KARPATY', 'register', apps, {
      fileName: 'application-batch.xml',
      params: { partnerCode: 'AG-0042', createdAt: '2026-10-05T09:00:00+03:00' },
    });
    // Same document as the sample, element for element and attribute for attribute (whitespace aside).
    expect(parseXml(out, 'out.xml')).toEqual(
      parseXml(readFileSync(fixture('application-batch.xml')), 'sample.xml'),
    );
    expect(
      selectXml(parseXml(out, 'out.xml').root, 'Application/Premium/@frequency').map(xmlNodeText),
    ).toEqual(['annual', 'quarterly']);
  });
});

describe('Karpaty samples in a dry run', () => {
  it('verifies the signed page, refuses the tampered one, and maps neither as another message type', async () => {
    const page = await tryMapping('KARPATY', 'contracts', fixture('policies-page-1.xml'), {
      certificatePem: CERT,
    });
    expect(page.signature?.status).toBe('valid');
    expect(page.accepted).toBe(true);
    expect(page.records).toHaveLength(3);

    const tampered = await tryMapping('KARPATY', 'contracts', fixture('policies-tampered.xml'), {
      certificatePem: CERT,
    });
    expect(tampered.signature?.status).toBe('refused');
    expect(tampered.signature?.message).toMatch(/does not verify/);
    expect(tampered.accepted).toBe(false);

    const wrongType = await tryMapping('KARPATY', 'payments', fixture('policies-page-1.xml'), {
      certificatePem: CERT,
    });
    expect(wrongType.fileError?.toJSON()).toEqual({
      kind: 'parse',
      file: 'policies-page-1.xml',
      row: null,
      field: null,
      message:
        "the file does not look like a 'payments' document: its document element is <PolicyPage>, and a 'payments' document is a <PaymentList>",
    });
  });

  it('says a CSV given as a Karpaty document is not XML, not that its encoding is wrong', async () => {
    const csv = path.join(__dirname, '../../../adapters/dnipro-life/__fixtures__/PAYMENTS_202610.csv');
    const result = await tryMapping('KARPATY', 'payments', csv, { certificatePem: CERT });
    expect(result.signature?.status).toBe('refused');
    expect(result.fileError?.toJSON()).toMatchObject({ kind: 'parse', file: 'PAYMENTS_202610.csv' });
    for (const message of [result.signature!.message, result.fileError!.message]) {
      expect(message).toMatch(/the file is not an XML document/);
      expect(message).not.toMatch(/encoding/);
    }
  });

  it('says a missing registered certificate is why a signed file would be quarantined', async () => {
    const result = await tryMapping('KARPATY', 'contracts', fixture('policies-page-1.xml'), {
      secretsDir: mkdtempSync(path.join(os.tmpdir(), 'no-secrets-')),
    });
    expect(result.signature).toEqual({
      status: 'refused',
      message: "'secret:karpaty-insurer.crt' not found in the secrets folder",
    });
    expect(result.accepted).toBe(false);
  });
});
