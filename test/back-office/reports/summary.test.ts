/**
 * The reports' summary always equals the detail: on the demo agency, after a calculation, an
 * application entered through the service the API calls, and payments and a new policy version
 * written through src/policy-records (what the imports call), sales and collections read through
 * the summary equal the same reports computed from the detail, row by row and to the kopiyka, for
 * the whole network and each filter. A retroactive change marks its period stale and the next report
 * shows the new figure; two readers of a stale period at once rebuild it once.
 */
import { calculatePeriod } from '../../../back-office/compensation';
import { enterApplication } from '../../../back-office/policies';
import {
  managementReport,
  type Report,
  type ReportFilters,
  readReportsFromDetail,
  summaryRebuilds,
} from '../../../back-office/reports';
import { inTransaction, markReportPeriods } from '../../../src/db';
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { seedDemo } from '../../../src/demo';
import { insertPolicyVersions, insertPremiumPayments } from '../../../src/policy-records';
import { describeEachEngine } from '../../support/engines';

jest.setTimeout(600_000);

const RANGE = { from: '2026-01', to: '2026-10' };
const SUMMARISED = ['sales', 'collections'] as const;

describeEachEngine('the reports summary equals the detail', (ctx) => {
  const q = () => ctx.database.db as any;

  async function fromDetail(name: string, filters: ReportFilters): Promise<Report> {
    readReportsFromDetail(true);
    try {
      return await managementReport(ctx.database, name, filters);
    } finally {
      readReportsFromDetail(false);
    }
  }

  /** Both paths; fails unless the summary answered and equals the detail exactly. */
  async function expectSame(name: string, filters: ReportFilters): Promise<Report> {
    const before = summaryRebuilds.periods;
    const viaSummary = await managementReport(ctx.database, name, filters);
    const built = await q().selectFrom('report_summary_period').select('period_code').execute();
    expect(built.length + summaryRebuilds.periods - before).toBeGreaterThan(0);
    const viaDetail = await fromDetail(name, filters);
    expect(viaSummary.rows).toEqual(viaDetail.rows);
    expect(viaSummary.totals).toEqual(viaDetail.totals);
    expect(viaSummary.chart).toEqual(viaDetail.chart);
    return viaSummary;
  }

  beforeAll(async () => {
    await seedDemo(ctx.database);
    await calculatePeriod(ctx.database, '2026-05', { createdBy: 'buh' });
  });

  it('answers sales and collections through the summary, equal to the detail for every filter', async () => {
    const sales = await expectSame('sales', RANGE);
    expect(sales.totals.policies).toBeGreaterThan(100);
    expect(sales.totals.receivedKop).toBeGreaterThan(0);
    const periods = await q().selectFrom('report_summary_period').select('period_code').execute();
    expect(periods.map((p: any) => p.period_code).sort()).toEqual([
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    const collections = await expectSame('collections', RANGE);
    expect(collections.totals.dueKop).toBeGreaterThan(0);
    const unit = await q().selectFrom('unit').select('code').orderBy('id').executeTakeFirst();
    const product = await q()
      .selectFrom('product as p')
      .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
      .select(['p.code as product', 'i.code as insurer'])
      .orderBy('p.id')
      .executeTakeFirst();
    const level = await q().selectFrom('consultant_career').select('level_code').executeTakeFirst();
    for (const name of SUMMARISED) {
      await expectSame(name, { ...RANGE, unit: unit.code });
      await expectSame(name, { ...RANGE, insurer: product.insurer });
      await expectSame(name, { ...RANGE, insurer: product.insurer, product: product.product });
      await expectSame(name, { ...RANGE, level: level.level_code });
      await expectSame(name, { ...RANGE, from: '2026-04', to: '2026-06' });
    }
  });

  it('an application entered, a payment and a new policy version imported: the next report shows them', async () => {
    await expectSame('sales', RANGE);
    const salesBefore = await managementReport(ctx.database, 'sales', RANGE);
    const collectionsBefore = await managementReport(ctx.database, 'collections', RANGE);
    const consultant = await q()
      .selectFrom('consultant')
      .select('code')
      .where('terminated_on', 'is', null)
      .orderBy('id')
      .executeTakeFirst();
    const product = await q()
      .selectFrom('product as p')
      .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
      .select(['p.code as product', 'i.code as insurer'])
      .orderBy('p.id')
      .executeTakeFirst();
    const first9 = '384510230';
    await enterApplication(
      ctx.database,
      {
        consultant: consultant.code,
        insurer: product.insurer,
        product: product.product,
        holder: { fullName: 'Клієнт Звіту', taxNumber: first9 + String(taxNumberCheckDigit(first9)) },
        premiumKop: 100_000,
        sumInsuredKop: 12_000_000,
        paymentFrequency: 12,
        signedOn: '2026-03-10',
        startOn: '2026-03-20',
      },
      'olena',
    );
    // A late payment for March and a new version of a policy issued in February (a higher premium),
    // written as the imports write them: through src/policy-records, in one transaction.
    const sold = await q()
      .selectFrom('policy_version')
      .select('policy_id')
      .where('issued_on', '>=', '2026-02-01')
      .where('issued_on', '<=', '2026-02-28')
      .orderBy('policy_id')
      .executeTakeFirst();
    // Its version in force now (the latest to take effect, the highest number among equals).
    const version = await q()
      .selectFrom('policy_version')
      .selectAll()
      .where('policy_id', '=', sold.policy_id)
      .orderBy('valid_from', 'desc')
      .orderBy('version_no', 'desc')
      .executeTakeFirst();
    const latest = await q()
      .selectFrom('policy_version')
      .select((eb: any) => eb.fn.max('version_no').as('v'))
      .where('policy_id', '=', version.policy_id)
      .executeTakeFirst();
    await inTransaction(ctx.database, async (tx) => {
      const writer = { trx: tx.db, dialect: tx.dialect };
      await insertPremiumPayments(writer, [
        {
          policy_id: version.policy_id,
          paid_on: '2026-03-28',
          amount: '1234.56',
          policy_year: 1,
          external_key: 'summary-late-2026-03',
          recorded_at: new Date(),
          cover_from: null,
          cover_to: null,
          source_message_id: null,
          source_row: null,
        },
      ]);
      const { id: _id, ...rest } = version;
      await insertPolicyVersions(writer, [
        {
          ...rest,
          version_no: Number(latest.v) + 1,
          valid_from: version.valid_from,
          recorded_at: new Date(),
          annual_premium: '99999.99',
        },
      ]);
    });
    const marks = await q().selectFrom('report_summary_stale').select('period_code').execute();
    expect(marks.map((m: any) => m.period_code)).toEqual(expect.arrayContaining(['2026-02', '2026-03']));

    const salesAfter = await expectSame('sales', RANGE);
    expect(salesAfter.totals.applications).toBe((salesBefore.totals.applications as number) + 1);
    expect(salesAfter.totals.receivedKop).toBe((salesBefore.totals.receivedKop as number) + 123_456);
    expect(salesAfter.totals.writtenKop).toBe(
      (salesBefore.totals.writtenKop as number) +
        9_999_999 -
        Math.round(Number(version.annual_premium) * 100),
    );
    const collectionsAfter = await expectSame('collections', RANGE);
    expect(collectionsAfter.totals.receivedKop).toBe(
      (collectionsBefore.totals.receivedKop as number) + 123_456,
    );
    // The marks of the range read by the rebuild are gone (those of other periods wait for theirs).
    const left = await q()
      .selectFrom('report_summary_stale')
      .select('id')
      .where('period_code', '>=', RANGE.from)
      .where('period_code', '<=', RANGE.to)
      .execute();
    expect(left).toEqual([]);
  });

  it('a calculation and a retroactive correction: the summary still equals the detail', async () => {
    await calculatePeriod(ctx.database, '2026-06', { createdBy: 'buh' });
    for (const name of SUMMARISED) await expectSame(name, RANGE);
    // A report as known before now, or as of a date inside the range, reads the detail.
    const rebuilt = summaryRebuilds.rebuilds;
    const earlier = await managementReport(ctx.database, 'sales', {
      ...RANGE,
      knownAt: new Date(Date.now() - 1000),
    });
    expect(earlier.totals.policies).toBeGreaterThan(0);
    expect(summaryRebuilds.rebuilds).toBe(rebuilt);
  });

  it('two readers of a stale period at once rebuild it once', async () => {
    await managementReport(ctx.database, 'sales', RANGE);
    await inTransaction(ctx.database, (tx) =>
      markReportPeriods({ trx: tx.db, dialect: tx.dialect }, { dates: ['2026-04-15'] }),
    );
    const before = { ...summaryRebuilds };
    const [a, b] = await Promise.all([
      managementReport(ctx.database, 'sales', RANGE),
      managementReport(ctx.database, 'collections', RANGE),
    ]);
    expect(summaryRebuilds.rebuilds - before.rebuilds).toBe(1);
    expect(summaryRebuilds.periods - before.periods).toBe(1);
    expect(a.totals).toEqual((await fromDetail('sales', RANGE)).totals);
    expect(b.totals).toEqual((await fromDetail('collections', RANGE)).totals);
  });
});
