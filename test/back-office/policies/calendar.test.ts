/**
 * Which instalment a received premium pays: the one of the period it names (cover_from), else the
 * oldest unpaid; a reversal takes its money back from the instalment it names or from the latest
 * receipt; a monthly calendar derived from a policy splits the annual premium exactly.
 */
import { allocatePayments, deriveInstalments } from '../../../back-office/policies/calendar';

const monthly = (from: string, count: number, amountKop = 100000) =>
  Array.from({ length: count }, (_, k) => ({
    no: k + 1,
    dueOn: `${from.slice(0, 4)}-${String(Number(from.slice(5, 7)) + k).padStart(2, '0')}-${from.slice(8)}`,
    policyYear: 1,
    amountKop,
  }));

describe('allocating received premiums to instalments', () => {
  it('pays the instalment of the period a payment names, not the oldest one', () => {
    const result = allocatePayments(
      monthly('2026-01-10', 6),
      [
        { paidOn: '2026-05-11', amountKop: 100000, coverFrom: '2026-05-10' },
        { paidOn: '2026-06-09', amountKop: 100000, coverFrom: '2026-06-10' },
      ],
      '2026-06-20',
    );
    expect(result.map((i) => [i.dueOn, i.status, i.paidOn])).toEqual([
      ['2026-01-10', 'overdue', null],
      ['2026-02-10', 'overdue', null],
      ['2026-03-10', 'overdue', null],
      ['2026-04-10', 'overdue', null],
      ['2026-05-10', 'paid', '2026-05-11'],
      ['2026-06-10', 'paid', '2026-06-09'],
    ]);
  });

  it('gives the oldest unpaid instalments what names no period or is beyond the amount', () => {
    const result = allocatePayments(
      monthly('2026-01-10', 4),
      [
        { paidOn: '2026-02-01', amountKop: 150000, coverFrom: '2026-02-10' }, // half a month too much
        { paidOn: '2026-02-05', amountKop: 30000, coverFrom: null },
      ],
      '2026-03-15',
    );
    expect(result.map((i) => [i.status, i.paidKop])).toEqual([
      ['overdue', 80000],
      ['paid', 100000],
      ['overdue', 0],
      ['upcoming', 0],
    ]);
  });

  it('takes a reversal back from the instalment it names', () => {
    const result = allocatePayments(
      monthly('2026-01-10', 2),
      [
        { paidOn: '2026-01-10', amountKop: 100000, coverFrom: '2026-01-10' },
        { paidOn: '2026-02-10', amountKop: 100000, coverFrom: '2026-02-10' },
        { paidOn: '2026-02-14', amountKop: -100000, coverFrom: '2026-02-10' },
      ],
      '2026-02-20',
    );
    expect(result.map((i) => [i.status, i.paidKop, i.paidOn])).toEqual([
      ['paid', 100000, '2026-01-10'],
      ['overdue', 0, null],
    ]);
  });

  it('derives a monthly calendar whose year sums to the annual premium', () => {
    const version = {
      versionNo: 1,
      validFrom: '2026-01-31',
      recordedAt: new Date('2026-01-31T00:00:00Z'),
      consultantId: 1,
      agentCode: 'K-1',
      holderId: 1,
      insuredId: null,
      issuedOn: '2026-01-31',
      coverStart: '2026-01-31',
      coverEnd: '2027-01-31',
      sumInsuredKop: 1,
      annualPremiumKop: 1000000, // 10 000.00 / 12 does not divide
      paymentFrequency: 12,
      status: 'in_force' as const,
      statusDate: '2026-01-31',
      amendmentNo: null,
    };
    const instalments = deriveInstalments([version], version);
    expect(instalments).toHaveLength(12);
    expect(instalments[1].dueOn).toBe('2026-02-28');
    expect(instalments[0].amountKop).toBe(83333);
    expect(instalments[11].amountKop).toBe(83337);
    expect(instalments.reduce((s, i) => s + i.amountKop, 0)).toBe(1000000);
  });
});
