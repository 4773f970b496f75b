/**
 * The management reports on the demo agency, cross-checked against the core and the ledger to the
 * kopiyka; a unit's report is the sum of its parts; a manager sees their unit tree only; and a report
 * of a closed period as known before and after a retroactive correction (a late payment) shows both
 * truths. The exports open: the XLSX's cells and the PDF's Ukrainian headings (pdftotext when present).
 */
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { calculatePeriod } from '../../../back-office/compensation';
import { closePeriod, postCorrections, requestRecalculation } from '../../../back-office/periods';
import {
  managementReport,
  MANAGEMENT_REPORTS,
  type Report,
  ReportError,
  reportPdf,
  reportXlsx,
} from '../../../back-office/reports';
import { kopiykyFromDecimal } from '../../../src/db';
import { seedDemo } from '../../../src/demo';
import { describeEachEngine } from '../../support/engines';

jest.setTimeout(600_000);

const kop = (v: unknown) => kopiykyFromDecimal(String(v ?? 0));
const RANGE = { from: '2026-01', to: '2026-10', asOf: '2026-11-15' };

describeEachEngine('management reports on the demo agency', (ctx) => {
  const q = () => ctx.database.db as any;
  let beforeCorrection: Date;

  beforeAll(async () => {
    await seedDemo(ctx.database);
    await calculatePeriod(ctx.database, '2026-05', { createdBy: 'buh' });
    await calculatePeriod(ctx.database, '2026-06', { createdBy: 'buh' });
  });

  it('sales equal the core: policies issued, premium written (current versions) and received, to the kopiyka', async () => {
    const report = await managementReport(ctx.database, 'sales', RANGE);
    const versions = await q()
      .selectFrom('policy_version')
      .select(['policy_id', 'version_no', 'valid_from', 'issued_on', 'annual_premium'])
      .where('valid_from', '<=', RANGE.asOf)
      .execute();
    const current = new Map<number, any>();
    for (const v of versions) {
      const held = current.get(Number(v.policy_id));
      if (
        !held ||
        v.valid_from > held.valid_from ||
        (v.valid_from === held.valid_from && v.version_no > held.version_no)
      )
        current.set(Number(v.policy_id), v);
    }
    const issued = [...current.values()].filter(
      (v) => v.issued_on >= '2026-01-01' && v.issued_on <= '2026-10-31',
    );
    expect(issued.length).toBeGreaterThan(100);
    expect(report.totals.policies).toBe(issued.length);
    expect(report.totals.writtenKop).toBe(issued.reduce((s, v) => s + kop(v.annual_premium), 0));
    const paid = await q()
      .selectFrom('premium_payment')
      .select((eb: any) => eb.fn.sum('amount').as('s'))
      .where('paid_on', '>=', '2026-01-01')
      .where('paid_on', '<=', '2026-10-31')
      .executeTakeFirst();
    expect(report.totals.receivedKop).toBe(kop(paid.s));
    const apps = await q()
      .selectFrom('application')
      .select((eb: any) => eb.fn.countAll().as('n'))
      .where('signed_on', '>=', '2026-01-01')
      .where('signed_on', '<=', '2026-10-31')
      .executeTakeFirst();
    expect(report.totals.applications).toBe(Number(apps.n));
    // The chart's periods add up to the same.
    expect(report.chart!.rows.reduce((s, r) => s + (r.writtenKop as number), 0)).toBe(
      report.totals.writtenKop,
    );
  });

  it('each top unit with its sub-units adds up to the whole network', async () => {
    const whole = await managementReport(ctx.database, 'sales', RANGE);
    const tops = await q()
      .selectFrom('unit_structure as s')
      .innerJoin('unit as u', 'u.id', 's.unit_id')
      .select('u.code')
      .where('s.parent_unit_id', 'is', null)
      .where('s.superseded_at', '>', new Date())
      .where('s.valid_to', '>', RANGE.asOf)
      .where('s.valid_from', '<=', RANGE.asOf)
      .execute();
    expect(tops.length).toBeGreaterThan(0);
    let written = 0;
    let received = 0;
    for (const top of tops) {
      const part = await managementReport(ctx.database, 'sales', { ...RANGE, unit: top.code });
      written += part.totals.writtenKop as number;
      received += part.totals.receivedKop as number;
    }
    // Policies without a consultant in a unit (none in the demo) would be the difference.
    const unplaced = whole.rows.filter((r) => r.unit === '—');
    expect(written + unplaced.reduce((s, r) => s + (r.writtenKop as number), 0)).toBe(
      whole.totals.writtenKop,
    );
    expect(received + unplaced.reduce((s, r) => s + (r.receivedKop as number), 0)).toBe(
      whole.totals.receivedKop,
    );
  });

  it('remuneration equals the posted ledger; collections received equal the payments', async () => {
    const report = await managementReport(ctx.database, 'remuneration', {
      ...RANGE,
      from: '2026-05',
      to: '2026-06',
    });
    const ledger = await q()
      .selectFrom('accrual as a')
      .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
      .select((eb: any) => eb.fn.sum('a.amount').as('s'))
      .where('r.status', '=', 'posted')
      .where('a.period_code', 'in', ['2026-05', '2026-06'])
      .executeTakeFirst();
    expect(report.totals.accruedKop).not.toBe(0);
    expect(report.totals.accruedKop).toBe(kop(ledger.s));
    expect(report.totals.marginKop).toBe(
      (report.totals.commissionKop as number) - (report.totals.accruedKop as number),
    );
    const collections = await managementReport(ctx.database, 'collections', RANGE);
    const sales = await managementReport(ctx.database, 'sales', RANGE);
    expect(collections.totals.receivedKop).toBe(sales.totals.receivedKop);
    const due = await q()
      .selectFrom('payment_schedule')
      .select((eb: any) => eb.fn.sum('amount').as('s'))
      .where('due_on', '>=', '2026-01-01')
      .where('due_on', '<=', '2026-10-31')
      .executeTakeFirst();
    expect(collections.totals.dueKop).toBe(kop(due.s));
    expect(collections.totals.overdueKop).toBe(
      (collections.totals.overdue30Kop as number) +
        (collections.totals.overdue60Kop as number) +
        (collections.totals.overdue90Kop as number) +
        (collections.totals.overdueOver90Kop as number),
    );
  });

  it('network counts the consultants in the network on D; every report answers', async () => {
    const network = await managementReport(ctx.database, 'network', RANGE);
    const members = await q()
      .selectFrom('consultant')
      .select((eb: any) => eb.fn.countAll().as('n'))
      .where('hired_on', '<=', RANGE.asOf)
      .where((eb: any) => eb.or([eb('terminated_on', 'is', null), eb('terminated_on', '>', RANGE.asOf)]))
      .executeTakeFirst();
    expect(network.totals.size).toBe(Number(members.n));
    expect(network.summary.find((s) => s.label.startsWith('Глибина'))!.value).toBeGreaterThan(1);
    for (const name of MANAGEMENT_REPORTS) {
      const r = await managementReport(ctx.database, name, RANGE);
      expect(r.columns.length).toBeGreaterThan(3);
      expect(r.title).toMatch(/[а-яіїє]/i);
    }
  });

  it('a manager sees their unit tree only; a consultant no management report', async () => {
    const unit = await q().selectFrom('unit').select(['id', 'code']).orderBy('id', 'desc').executeTakeFirst();
    const scope = {
      kind: 'units' as const,
      unitIds: new Set([Number(unit.id)]),
      ids: new Set<number>(),
      ownId: null,
    };
    const mine = await managementReport(ctx.database, 'sales', RANGE, scope);
    const direct = await managementReport(ctx.database, 'sales', { ...RANGE, unit: unit.code });
    expect(mine.rows.every((r) => r.unit === unit.code)).toBe(true);
    expect(mine.totals.writtenKop).toBe(
      direct.rows.filter((r) => r.unit === unit.code).reduce((s, r) => s + (r.writtenKop as number), 0),
    );
    const other = await q().selectFrom('unit').select('code').where('id', '<>', unit.id).executeTakeFirst();
    await expect(
      managementReport(ctx.database, 'sales', { ...RANGE, unit: other.code }, scope),
    ).rejects.toThrow(ReportError);
    await expect(
      managementReport(ctx.database, 'sales', RANGE, {
        kind: 'consultant',
        unitIds: new Set(),
        ids: new Set([1]),
        ownId: 1,
      }),
    ).rejects.toMatchObject({ kind: 'forbidden' });
  });

  it('as known before and after a retroactive correction: both truths', async () => {
    await closePeriod(ctx.database, '2026-05', { closedBy: 'buh' });
    const asWas = { from: '2026-05', to: '2026-05', asOf: '2026-11-15' };
    const salesBefore = await managementReport(ctx.database, 'sales', asWas);
    const remBefore = await managementReport(ctx.database, 'remuneration', asWas);
    await new Promise((r) => setTimeout(r, 20));
    beforeCorrection = new Date();
    await new Promise((r) => setTimeout(r, 20));
    // A late payment for May, learnt now: the closed period is corrected by storno and additional lines.
    const line = await q()
      .selectFrom('accrual')
      .select(['policy_id', 'source_id'])
      .where('period_code', '=', '2026-05')
      .where('kind', '=', 'personal')
      .where('policy_id', 'is not', null)
      .executeTakeFirst();
    const year = await q()
      .selectFrom('premium_payment')
      .select('policy_year')
      .where('id', '=', line.source_id)
      .executeTakeFirst();
    const late = await ctx.database.dialect.insertReturningId(
      q(),
      'premium_payment',
      {
        policy_id: line.policy_id,
        paid_on: '2026-05-28',
        amount: '12345.67',
        policy_year: year?.policy_year ?? 1,
        external_key: 'late-2026-05',
        recorded_at: new Date(),
        cover_from: null,
        cover_to: null,
        source_message_id: null,
        source_row: null,
      },
      { external_key: 'late-2026-05' },
    );
    await requestRecalculation(q(), {
      effectiveOn: '2026-05-28',
      causeKind: 'late_payment',
      causeRef: `premium_payment:${late}`,
      description: 'пізній платіж за травень',
    });
    const posted = await postCorrections(ctx.database, { postedBy: 'buh' });
    expect(posted.netKop).not.toBe(0);

    const salesNow = await managementReport(ctx.database, 'sales', asWas);
    const salesThen = await managementReport(ctx.database, 'sales', { ...asWas, knownAt: beforeCorrection });
    expect(salesThen.totals.receivedKop).toBe(salesBefore.totals.receivedKop);
    expect(salesNow.totals.receivedKop).toBe((salesBefore.totals.receivedKop as number) + 1_234_567);

    const remNow = await managementReport(ctx.database, 'remuneration', asWas);
    const remThen = await managementReport(ctx.database, 'remuneration', {
      ...asWas,
      knownAt: beforeCorrection,
    });
    expect(remThen.totals.accruedKop).toBe(remBefore.totals.accruedKop);
    expect(remNow.totals.accruedKop).toBe((remBefore.totals.accruedKop as number) + posted.netKop);
    expect(remNow.totals.correctionsKop).toBe(posted.netKop);
    expect(remThen.totals.correctionsKop).toBe(0);
  });

  it('exports XLSX with the same figures and a PDF with Ukrainian headings', async () => {
    const report: Report = await managementReport(ctx.database, 'sales', RANGE);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reportXlsx(report)) as any);
    const sheet = book.worksheets[0];
    expect(sheet.getCell('A1').value).toBe('Продажі');
    expect(sheet.getRow(4).values).toContain('Премія підписана, грн');
    const last = sheet.getRow(4 + report.rows.length + 1);
    expect(last.getCell(1).value).toBe('Разом');
    expect(Math.round((last.getCell(7).value as number) * 100)).toBe(report.totals.writtenKop);
    const pdf = await reportPdf(report);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    let text = '';
    try {
      text = execFileSync('pdftotext', ['-l', '1', '-', '-'], { input: pdf, encoding: 'utf8' });
    } catch {
      return; // poppler-utils missing: the bytes were checked above
    }
    expect(text).toContain('Продажі');
    expect(text).toContain('Премія');
  });
});
