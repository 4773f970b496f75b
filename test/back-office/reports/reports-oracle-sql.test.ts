/**
 * No Oracle server runs here: every management report's statements, read from the detail and
 * through the summary (its rebuild, its marks), are compiled with Oracle's dialect and checked for
 * what Oracle would reject: PostgreSQL-only syntax, positional GROUP BY, and names left unquoted
 * (Oracle folds those to upper case; the schema's are lower case).
 */
import {
  MANAGEMENT_REPORTS,
  managementReport,
  readReportsFromDetail,
  rebuildReportSummary,
} from '../../../back-office/reports';
import { markReportPeriods } from '../../../src/db';
import { expectOracleSql, oracleCompileDatabase, POSTGRES_ONLY } from '../../support/oracle-compile';

const REJECTED: [RegExp, string][] = [
  ...POSTGRES_ONLY,
  [/\bdistinct on\b/i, 'DISTINCT ON'],
  [/\bfilter \(where\b/i, 'an aggregate FILTER (WHERE …)'],
  [/\bsubstr\(cast\(/i, 'substr(cast(x as text)) (a date as text is NLS-dependent)'],
  [/\bas text\b/i, 'a cast to text'],
  [/\bgenerate_series\b/i, 'generate_series'],
  [/\b(true|false)\b/i, 'a boolean literal'],
  [/\bgroup by\s+\d/i, 'a positional GROUP BY'],
  [/\bgroup by [^\n]*,\s*\d+\s*$/m, 'a positional GROUP BY item'],
  [/\bcast\(:\d+ as date\)/i, 'a date parameter cast (NLS-dependent; to_date with a format)'],
  [
    /(^|[\s(,=<>])(?!(?:to_char|to_date|trunc|least|greatest|coalesce|sum|count|max|min|cast|row_number)\b)[a-z_][a-z0-9_]*\.[a-z_]/,
    'an unquoted qualified name',
  ],
  [/\bfrom\s+(?!\(|")[a-z_]/i, 'an unquoted table name'],
  [/\bjoin\s+(?!\(|")[a-z_]/i, 'an unquoted table name'],
  [/\bas\s+(?!"|date\b|\()[a-z_]+/i, 'an unquoted alias'],
  [
    /\)\s+(?!"|as\b|on\b|then\b|else\b|end\b|and\b|or\b|over\b|from\b|where\b|group\b|order\b|left\b|join\b|union\b|select\b|with\b|values\b|is\b|in\b|when\b|desc\b|asc\b|[-+*/<>=,)]|$)[a-z_]+/i,
    'an unquoted subquery alias',
  ],
];

const FILTERS = { from: '2025-04', to: '2026-03', asOf: '2026-03-31' };

function oracle() {
  return oracleCompileDatabase((statement) =>
    /from "unit"/.test(statement) && !/join/.test(statement)
      ? [{ id: 1, code: 'U-1', name: 'Unit' }]
      : /from "insurer"/.test(statement) && !/join/.test(statement)
        ? [{ id: 1, code: 'DL', name: 'Dnipro' }]
        : /from "product"/.test(statement) && !/join/.test(statement)
          ? [{ id: 1, code: 'P', name: 'P', insurer_id: 1 }]
          : /from "career_level"/.test(statement)
            ? [{ code: 'L1' }]
            : /from "unit_structure"/.test(statement)
              ? [{ unit_id: 1, parent_unit_id: null }]
              : undefined,
  );
}

describe('the reports SQL for Oracle', () => {
  afterEach(() => readReportsFromDetail(false));

  it.each(MANAGEMENT_REPORTS.map((name) => [name]))(
    '%s read from the detail compiles for Oracle',
    async (name) => {
      const { database, recorder } = oracle();
      readReportsFromDetail(true);
      await managementReport(database, name, FILTERS);
      await managementReport(database, name, {
        ...FILTERS,
        unit: 'U-1',
        insurer: 'DL',
        product: 'P',
        level: 'L1',
      });
      const reads = recorder.sql.filter((s) => !/from "(unit|insurer|product|career_level)"$/.test(s));
      expect(reads.length).toBeGreaterThan(2);
      expectOracleSql(reads, REJECTED);
      if (name === 'sales' || name === 'collections' || name === 'persistency')
        // Each policy's version on D: ROW_NUMBER, not DISTINCT ON.
        expect(reads.join('\n')).toMatch(
          /row_number\(\) over \(partition by "v"\."policy_id" order by "v"\."valid_from" desc, "v"\."version_no" desc\)/,
        );
      if (name === 'sales') expect(reads.join('\n')).toMatch(/to_char\("a"\."signed_on", 'YYYY-MM'\)/);
      if (name === 'exchange')
        expect(reads.join('\n')).toMatch(/trunc\(cast\("mm"\."created_at" as date\)\)/);
      await database.close();
    },
  );

  it('the summary: its rebuild, its read under the lock and the writers marks compile for Oracle', async () => {
    const { database, recorder } = oracle();
    await rebuildReportSummary(database, ['2026-02', '2026-03'], '2026-03-31');
    for (const name of ['sales', 'collections']) await managementReport(database, name, FILTERS);
    await markReportPeriods(
      { trx: database.db, dialect: database.dialect },
      { dates: ['2026-02-03', '2026-03-04'], policyIds: [1, 2] },
    );
    const statements = recorder.sql.filter((s) => !/from "(unit|insurer|product)"$/.test(s));
    expectOracleSql(statements, REJECTED);
    const all = statements.join('\n');
    expect(all).toMatch(/select "lock_key" from "report_summary_lock" where "lock_key" = :1 for update/);
    expect(all).toMatch(/insert into "report_summary" \("period_code", "unit_id", "level_code"/);
    expect(all).toMatch(/to_char\("issued_on", 'YYYY-MM'\)/);
    // One mark a statement: no multi-row VALUES on Oracle 19c.
    expect(statements.filter((s) => s.startsWith('insert into "report_summary_stale"'))).toHaveLength(2);
    await database.close();
  });
});
