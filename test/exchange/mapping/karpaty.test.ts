/** Golden tests for the Karpaty Partner API v2 samples: signed policies page, payments, application batch. */
import { readFileSync } from 'node:fs';
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
  it('gives two payments of 18 200.00', async () => {
    const result = await tryMapping<'payments'>('KARPATY', 'payments', fixture('payments-2026-10.xml'));
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
    const result = await tryMapping<'register'>('KARPATY', 'register', fixture('application-batch.xml'));
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
