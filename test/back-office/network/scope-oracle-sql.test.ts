/**
 * No Oracle server runs here: the scoped reads (a manager's units, a consultant's downline, filtered
 * in SQL) are compiled for Oracle and checked for what Oracle would reject, as oracle-sql.test.ts does
 * for the unscoped ones.
 */
import { type ConsultantScope, listConsultants, unitTreeAsOf } from '../../../back-office/network';
import { listApplications, listPersons, listPolicies } from '../../../back-office/policies';
import { oracleCompileDatabase } from '../../support/oracle-compile';

const postgresOnly: [RegExp, string][] = [
  [/\blimit\b/i, 'LIMIT'],
  [/\bwith recursive\b/i, 'WITH RECURSIVE'],
  [/::/, 'a :: cast'],
  [/\$\d/, 'a $n placeholder'],
  [/\bilike\b/i, 'ILIKE'],
  [/\bin \(\)/i, 'an empty IN list'],
];

/** Counts answer 0. */
const oracle = () =>
  oracleCompileDatabase((statement) => (/count\(/.test(statement) ? [{ total: 0, n: 0 }] : undefined));

const manager: ConsultantScope = {
  kind: 'units',
  // More units than Oracle takes in one IN list.
  unitIds: new Set(Array.from({ length: 1200 }, (_, i) => i + 1)),
  ids: new Set([1, 2]),
  ownId: null,
};
const consultant: ConsultantScope = { kind: 'consultant', unitIds: new Set(), ids: new Set([7]), ownId: 7 };
const nobody: ConsultantScope = { kind: 'units', unitIds: new Set(), ids: new Set(), ownId: null };

describe('Oracle SQL of the scoped reads', () => {
  it.each([
    ['a manager', manager],
    ['a consultant', consultant],
    ['a manager without a unit', nobody],
  ])('compiles the lists of %s', async (_who, scope) => {
    const { database, recorder } = oracle();
    await listConsultants(database, { date: '2026-03-01', offset: 0, limit: 50, scope });
    await unitTreeAsOf(database, '2026-03-01', new Date(), scope);
    await listPolicies(database, { scope });
    await listApplications(database, { scope });
    await listPersons(database, { scope });
    expect(recorder.sql.length).toBeGreaterThan(5);
    for (const statement of recorder.sql)
      for (const [pattern, what] of postgresOnly)
        if (pattern.test(statement)) throw new Error(`Oracle would reject ${what} in:\n${statement}`);
    const scoped = recorder.sql.filter((s) => /scope_/.test(s));
    expect(scoped.length).toBeGreaterThanOrEqual(5);
    if (scope === consultant)
      expect(scoped).toContainEqual(
        expect.stringMatching(/in \(with "scope_down"\("consultant_id", "generation"\) as/),
      );
    // Every name quoted: Oracle folds an unquoted one to upper case, and the tables' are lower case.
    if (scope === consultant)
      expect(scoped).toContainEqual(expect.stringContaining('"scope_d"."generation" + 1'));
    if (scope === manager)
      for (const statement of scoped)
        for (const list of statement.match(/in \(([^()]*)\)/g) ?? [])
          expect(list.split(',').length).toBeLessThanOrEqual(1000);
  });
});
