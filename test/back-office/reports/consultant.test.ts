/**
 * A consultant's report on the demo agency: every ledger line of theirs with its explanation, summing
 * to the posted ledger; own and downline sales equal the core; persistency and trends; another
 * consultant's report is not there for them; both exports carry every section.
 */
import ExcelJS from 'exceljs';
import { calculatePeriod } from '../../../back-office/compensation';
import { downlineAsOf } from '../../../back-office/network';
import { consultantReport, ReportError, reportPdf, reportXlsx } from '../../../back-office/reports';
import { kopiykyFromDecimal } from '../../../src/db';
import { seedDemo } from '../../../src/demo';
import { describeEachEngine } from '../../support/engines';

jest.setTimeout(600_000);

const kop = (v: unknown) => kopiykyFromDecimal(String(v ?? 0));
const RANGE = { from: '2025-12', to: '2026-11', asOf: '2026-11-15' };

describeEachEngine('consultant reports on the demo agency', (ctx) => {
  const q = () => ctx.database.db as any;
  let sponsorId: number;
  let sponsorCode: string;

  beforeAll(async () => {
    await seedDemo(ctx.database);
    await calculatePeriod(ctx.database, '2026-05', { createdBy: 'buh' });
    await calculatePeriod(ctx.database, '2026-06', { createdBy: 'buh' });
    // A consultant with a downline and money in both periods.
    const rows = await q()
      .selectFrom('accrual as a')
      .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
      .select(['c.id', 'c.code', (eb: any) => eb.fn.count('a.id').as('n')])
      .where('a.kind', '=', 'structural')
      .groupBy(['c.id', 'c.code'])
      .orderBy('n', 'desc')
      .execute();
    sponsorId = Number(rows[0].id);
    sponsorCode = rows[0].code;
  });

  it('explains every line and sums to the posted ledger; own and downline sales equal the core', async () => {
    const report = await consultantReport(ctx.database, sponsorCode, RANGE);
    const lines = report.sections.find((s) => s.name === 'remuneration')!;
    const ledger = await q()
      .selectFrom('accrual as a')
      .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
      .select(['a.amount', 'a.explanation'])
      .where('r.status', '=', 'posted')
      .where('a.consultant_id', '=', sponsorId)
      .execute();
    expect(lines.rows.length).toBe(ledger.length);
    expect(lines.totals.amountKop).toBe(ledger.reduce((s: number, l: any) => s + kop(l.amount), 0));
    expect(lines.rows.every((r) => String(r.explanation).length > 0)).toBe(true);

    const sales = report.sections.find((s) => s.name === 'sales')!;
    expect(sales.rows.map((r) => r.period)).toHaveLength(12);
    const downline = new Set(
      (await downlineAsOf(ctx.database, sponsorId, RANGE.asOf)).map((n) => n.consultantId),
    );
    const versions = await q()
      .selectFrom('policy_version')
      .select(['policy_id', 'version_no', 'valid_from', 'consultant_id', 'issued_on', 'annual_premium'])
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
    const inRange = [...current.values()].filter(
      (v) => v.issued_on >= '2025-12-01' && v.issued_on <= '2026-11-15',
    );
    const own = inRange.filter((v) => Number(v.consultant_id) === sponsorId);
    const theirs = inRange.filter((v) => downline.has(Number(v.consultant_id)));
    expect(sales.totals.ownPolicies).toBe(own.length);
    expect(sales.totals.ownWrittenKop).toBe(own.reduce((s, v) => s + kop(v.annual_premium), 0));
    expect(sales.totals.downlinePolicies).toBe(theirs.length);
    expect(sales.totals.downlineWrittenKop).toBe(theirs.reduce((s, v) => s + kop(v.annual_premium), 0));

    const trends = report.sections.find((s) => s.name === 'trends')!;
    expect(trends.totals.accruedKop).toBe(lines.totals.amountKop);
    expect(report.progress.level).not.toBeNull();
    expect(report.progress.period).toBe('2026-06');
    expect(report.sections.find((s) => s.name === 'persistency')!.rows).toHaveLength(2);
  });

  it('a consultant sees only their own report; a manager only their units', async () => {
    const scopeOwn = {
      kind: 'consultant' as const,
      unitIds: new Set<number>(),
      ids: new Set([sponsorId]),
      ownId: sponsorId,
    };
    await expect(consultantReport(ctx.database, sponsorCode, RANGE, scopeOwn)).resolves.toBeDefined();
    const other = await q()
      .selectFrom('consultant')
      .select('code')
      .where('id', '<>', sponsorId)
      .executeTakeFirst();
    const scopeWithOther = { ...scopeOwn, ids: new Set([sponsorId, 0]) };
    await expect(consultantReport(ctx.database, other.code, RANGE, scopeWithOther)).rejects.toThrow(
      ReportError,
    );
    const manager = {
      kind: 'units' as const,
      unitIds: new Set<number>(),
      ids: new Set<number>(),
      ownId: null,
    };
    await expect(consultantReport(ctx.database, sponsorCode, RANGE, manager)).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('exports every section to XLSX sheets and PDF pages', async () => {
    const report = await consultantReport(ctx.database, sponsorCode, RANGE);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await reportXlsx(report.sections)) as any);
    expect(book.worksheets).toHaveLength(report.sections.length);
    expect(book.worksheets[0].getCell('A1').value).toContain('Продажі');
    const pdf = await reportPdf(report.sections);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
