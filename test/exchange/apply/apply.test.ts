import { type ApplyContext, applyRecords } from '../../../src/exchange/apply';
import type { CanonicalPolicy } from '../../../src/exchange/canonical';
import { type Database, kopiykyFromDecimal } from '../../../src/db';
import { describeEachEngine } from '../../support/engines';
import * as dl from './dnipro-life-samples';
import { seedIntermediary } from '../support/intermediary';

const at = new Date('2026-10-05T09:00:00Z');

function context(
  database: Database,
  insurerId: number,
  insurerCode: string,
  recordedAt: Date,
): (trx: ApplyContext['trx']) => ApplyContext {
  return (trx) => ({ trx, dialect: database.dialect, insurerId, insurerCode, messageId: null, recordedAt });
}

/** The policy as of a day: latest valid_from on or before it, then the highest version. */
async function policyAsOf(database: Database, number: string, day: string) {
  return database.db
    .selectFrom('policy_version as v')
    .innerJoin('policy as p', 'p.id', 'v.policy_id')
    .leftJoin('consultant as c', 'c.id', 'v.consultant_id')
    .select([
      'v.version_no',
      'v.status',
      'v.sum_insured',
      'v.annual_premium',
      'v.payment_frequency',
      'v.agent_code',
      'c.code as consultant_code',
    ])
    .where('p.number', '=', number)
    .where('v.valid_from', '<=', day)
    .orderBy('v.valid_from', 'desc')
    .orderBy('v.version_no', 'desc')
    .executeTakeFirst();
}

describeEachEngine('applying Dnipro Life records to the core', (ctx) => {
  let ids: { dnipro: number; karpaty: number };
  const apply = async (
    type: Parameters<typeof applyRecords>[1],
    items: any[],
    recordedAt = at,
    insurer = 'DNIPRO_LIFE',
  ) =>
    ctx.database.db
      .transaction()
      .execute((trx) =>
        applyRecords(
          context(
            ctx.database,
            insurer === 'DNIPRO_LIFE' ? ids.dnipro : ids.karpaty,
            insurer,
            recordedAt,
          )(trx),
          type,
          items,
        ),
      );
  const count = async (
    table:
      'policy_version' | 'mismatch' | 'premium_payment' | 'recalculation_request' | 'amendment' | 'person',
  ) =>
    Number(
      (
        await ctx.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    ids = await seedIntermediary(ctx.database);
  });

  it('the ACK marks four applications accepted or issued and one rejected with the reason, un-doubled', async () => {
    const outcome = await apply('register-answer', dl.ack);
    expect(outcome).toMatchObject({ applied: 5, unchanged: 0, problems: [] });
    const apps = await ctx.database.db
      .selectFrom('application')
      .select(['number', 'status', 'status_reason'])
      .orderBy('number')
      .execute();
    expect(apps.map((a) => `${a.number}:${a.status}`)).toEqual([
      'Z-2026-00301:issued',
      'Z-2026-00302:issued',
      'Z-2026-00303:accepted',
      'Z-2026-00304:rejected',
      'Z-2026-00305:issued',
    ]);
    expect(apps[3].status_reason).toBe(
      'Страхова сума перевищує ліміт без медичного обстеження "Надійне майбутнє"',
    );
    const register = await ctx.database.db
      .selectFrom('application_register')
      .select('status')
      .executeTakeFirstOrThrow();
    expect(register.status).toBe('acknowledged');
    expect(await apply('register-answer', dl.ack)).toMatchObject({ applied: 0, unchanged: 5 });
  });

  it('contracts: 11 policies, a mismatch for K-99999 and one for the rejected application, 00303 linked', async () => {
    const outcome = await apply('contracts', dl.contracts);
    expect(outcome).toMatchObject({ applied: 11, unchanged: 0, problems: [], mismatchesRaised: 2 });
    const mismatches = await ctx.database.db
      .selectFrom('mismatch')
      .select(['kind', 'policy_number', 'insurer_value', 'source_row'])
      .orderBy('policy_number')
      .execute();
    expect(mismatches).toEqual([
      {
        kind: 'application_rejected_but_issued',
        policy_number: 'DL-2026-000104',
        insurer_value: 'issued as DL-2026-000104',
        source_row: 5,
      },
      {
        kind: 'consultant_code_unknown',
        policy_number: 'DL-2026-000107',
        insurer_value: 'K-99999',
        source_row: 8,
      },
    ]);
    const kept = await policyAsOf(ctx.database, 'DL-2026-000107', '2026-10-31');
    expect(kept).toMatchObject({ agent_code: 'K-99999', consultant_code: null, status: 'in_force' });
    const linked = await ctx.database.db
      .selectFrom('application as a')
      .innerJoin('policy as p', 'p.id', 'a.policy_id')
      .select(['a.number', 'a.status', 'p.number as policy_number'])
      .where('a.number', '=', 'Z-2026-00303')
      .executeTakeFirstOrThrow();
    expect(linked).toEqual({ number: 'Z-2026-00303', status: 'issued', policy_number: 'DL-2026-000103' });
    expect((await policyAsOf(ctx.database, 'DL-2026-000109', '2026-10-31'))?.status).toBe('terminated');
    // Persons: the policyholder already known by tax number is reused, not duplicated.
    expect(await count('person')).toBe(11);
  });

  it('the same contracts file again changes nothing', async () => {
    const versionsBefore = await count('policy_version');
    const outcome = await apply('contracts', dl.contracts, new Date('2026-10-06T09:00:00Z'));
    expect(outcome).toMatchObject({ applied: 0, unchanged: 11, mismatchesRaised: 0 });
    expect(await count('policy_version')).toBe(versionsBefore);
    expect(await count('mismatch')).toBe(2);
  });

  it('payments: nine rows, the typo reversed, net 2 450,50 for DL-2026-000102; applied once', async () => {
    expect(await apply('payments', dl.payments)).toMatchObject({ applied: 9, problems: [] });
    expect(await apply('payments', dl.payments)).toMatchObject({ applied: 0, unchanged: 9 });
    expect(await count('premium_payment')).toBe(9);
    const rows = await ctx.database.db
      .selectFrom('premium_payment as pp')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .select('pp.amount')
      .where('p.number', '=', 'DL-2026-000102')
      .execute();
    expect(rows.reduce((s, r) => s + kopiykyFromDecimal(r.amount), 0)).toBe(245050);
  });

  it('commission: DL-2026-000109 paid at 25 % where 20 % was agreed is a mismatch; premiums agree', async () => {
    const outcome = await apply('commission', dl.commission);
    expect(outcome).toMatchObject({ applied: 7, mismatchesRaised: 1 });
    const mismatch = await ctx.database.db
      .selectFrom('mismatch')
      .selectAll()
      .where('kind', '=', 'commission_rate_differs')
      .executeTakeFirstOrThrow();
    expect(mismatch).toMatchObject({
      policy_number: 'DL-2026-000109',
      field: 'rate_pct',
      insurer_value: '25',
      our_value: '20',
      source_row: 8,
    });
    expect(await apply('commission', dl.commission)).toMatchObject({
      applied: 0,
      unchanged: 7,
      mismatchesRaised: 0,
    });
  });

  it('amendments reaching into a closed October ask for its recalculation and change the policy from their day', async () => {
    await ctx.database.db
      .insertInto('production_period')
      .values([
        {
          code: '2026-10',
          starts_on: '2026-10-01',
          ends_on: '2026-10-31',
          status: 'closed',
          calculated_at: at,
          closed_at: at,
          closed_by: 'accountant',
        },
        {
          code: '2026-11',
          starts_on: '2026-11-01',
          ends_on: '2026-11-30',
          status: 'open',
          calculated_at: null,
          closed_at: null,
          closed_by: null,
        },
      ])
      .execute();
    const outcome = await apply('amendments', dl.amendments, new Date('2026-11-16T08:00:00Z'));
    expect(outcome).toMatchObject({ applied: 5, problems: [], recalculationsRequested: 2 });
    const requests = await ctx.database.db
      .selectFrom('recalculation_request')
      .select(['period_code', 'cause_kind', 'effective_on'])
      .orderBy('effective_on')
      .execute();
    expect(requests).toEqual([
      { period_code: '2026-10', cause_kind: 'agent_change', effective_on: '2026-10-01' },
      { period_code: '2026-10', cause_kind: 'amendment', effective_on: '2026-10-20' },
    ]);
    expect(await policyAsOf(ctx.database, 'DL-2026-000102', '2026-10-05')).toMatchObject({
      consultant_code: 'K-00021',
      agent_code: 'K-00021',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000105', '2026-10-19')).toMatchObject({
      status: 'in_force',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000105', '2026-10-20')).toMatchObject({
      status: 'terminated',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000101', '2026-10-31')).toMatchObject({
      sum_insured: '200000.00',
      annual_premium: '14400.00',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000101', '2026-11-01')).toMatchObject({
      sum_insured: '350000.00',
      annual_premium: '21600.00',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000106', '2026-11-30')).toMatchObject({
      payment_frequency: 2,
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000106', '2026-12-01')).toMatchObject({
      payment_frequency: 12,
    });
    const again = await apply('amendments', dl.amendments, new Date('2026-11-17T08:00:00Z'));
    expect(again).toMatchObject({ applied: 0, unchanged: 5, recalculationsRequested: 0 });
  });

  it('a backdated amendment corrects the later states instead of hiding them', async () => {
    // DL-2026-000101 holds a sum change from 1 November; an agent change effective 15 October arrives later.
    await apply(
      'amendments',
      [
        {
          rowNo: 2,
          record: {
            insurerCode: 'DNIPRO_LIFE',
            policyNumber: 'DL-2026-000101',
            amendmentNo: '3',
            signedOn: '2026-11-20',
            changeKind: 'agent_change',
            newValue: 'K-00047',
            effectiveOn: '2026-10-15',
            sumInsuredKop: null,
            annualPremiumKop: null,
          },
        },
      ],
      new Date('2026-11-20T08:00:00Z'),
    );
    expect(await policyAsOf(ctx.database, 'DL-2026-000101', '2026-10-14')).toMatchObject({
      consultant_code: 'K-00012',
      sum_insured: '200000.00',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000101', '2026-10-20')).toMatchObject({
      consultant_code: 'K-00047',
      sum_insured: '200000.00',
    });
    expect(await policyAsOf(ctx.database, 'DL-2026-000101', '2026-11-05')).toMatchObject({
      consultant_code: 'K-00047',
      sum_insured: '350000.00',
    });
  });

  it('a payment for an unknown policy is reported with its row, raised as a mismatch, and not applied', async () => {
    const outcome = await apply('payments', [
      {
        rowNo: 4,
        record: {
          insurerCode: 'DNIPRO_LIFE',
          policyNumber: 'DL-2026-999999',
          paidOn: '2026-11-02',
          amountKop: 100000,
          coverFrom: null,
          coverTo: null,
          policyYear: 1,
        },
      },
    ]);
    expect(outcome.applied).toBe(0);
    expect(outcome.problems).toEqual([
      expect.objectContaining({ rowNo: 4, field: 'policyNumber', kind: 'reference' }),
    ]);
    expect(outcome.problems[0].message).toMatch(/DL-2026-999999, which the hub does not know/);
    expect(outcome.mismatchesRaised).toBe(1);
  });

  it('a late payment dated in closed October asks for October to be recalculated', async () => {
    const outcome = await apply(
      'payments',
      [
        {
          rowNo: 2,
          record: {
            insurerCode: 'DNIPRO_LIFE',
            policyNumber: 'DL-2026-000108',
            paidOn: '2026-10-30',
            amountKop: 60000,
            coverFrom: '2026-10-09',
            coverTo: '2027-01-08',
            policyYear: 1,
          },
        },
      ],
      new Date('2026-11-21T08:00:00Z'),
    );
    expect(outcome).toMatchObject({ applied: 1, recalculationsRequested: 1 });
    const late = await ctx.database.db
      .selectFrom('recalculation_request')
      .selectAll()
      .where('cause_kind', '=', 'late_payment')
      .executeTakeFirstOrThrow();
    expect(late).toMatchObject({ period_code: '2026-10', effective_on: '2026-10-30', status: 'pending' });
  });

  it('a Karpaty policy with its endorsements inside: issued, sum change, cancellation, as versions', async () => {
    const policy: CanonicalPolicy = {
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
    };
    const first = await apply(
      'contracts',
      [{ rowNo: 3, record: policy }],
      new Date('2026-11-21T08:00:00Z'),
      'KARPATY',
    );
    expect(first).toMatchObject({ applied: 1, problems: [] });
    expect(await policyAsOf(ctx.database, 'KR-KS-26-004411', '2026-10-10')).toMatchObject({
      version_no: 1,
      status: 'in_force',
      sum_insured: '650000.00',
    });
    expect(await policyAsOf(ctx.database, 'KR-KS-26-004411', '2026-11-05')).toMatchObject({
      status: 'in_force',
      sum_insured: '700000.00',
      annual_premium: '19300.00',
    });
    expect(await policyAsOf(ctx.database, 'KR-KS-26-004411', '2026-11-20')).toMatchObject({
      status: 'cancelled',
      sum_insured: '700000.00',
    });
    const versions = await count('policy_version');
    expect(
      await apply('contracts', [{ rowNo: 3, record: policy }], new Date('2026-11-22T08:00:00Z'), 'KARPATY'),
    ).toMatchObject({ applied: 0, unchanged: 1 });
    expect(await count('policy_version')).toBe(versions);
  });
});
