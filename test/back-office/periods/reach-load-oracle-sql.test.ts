/**
 * The bounded recalculation's reads of its reach compiled with Oracle's dialect (no Oracle server
 * runs here): the reach goes into `recalc_reach` (a global temporary table on Oracle, migration 0830)
 * and every table is read by a join or a subquery on it, over the span of the periods, never with
 * an IN list of the reach's ids and nothing only PostgreSQL takes.
 */
import {
  clearReach,
  loadReachRows,
  readReachMetrics,
  writeReach,
} from '../../../back-office/periods/reach-load';
import { up } from '../../../migrations/0830_recalc_reach';
import { SqlDialect } from '../../../src/db';
import { expectOracleSql, oracleCompileDatabase } from '../../support/oracle-compile';

describe('Oracle SQL of the bounded recalculation reach', () => {
  it('migration 0830 makes recalc_reach a global temporary table on Oracle', async () => {
    const { database, recorder } = oracleCompileDatabase();
    const dialect = new SqlDialect('oracle');
    await up({ db: database.db, types: dialect.types, dialect });
    expect(recorder.sql[0]).toBe(
      'create global temporary table "recalc_reach" ("consultant_id" number(19) not null, "in_subtree" number(10) not null) on commit delete rows',
    );
    expect(recorder.sql.slice(1)).toEqual([
      'create index "recalc_reach_ix" on "recalc_reach" ("consultant_id", "in_subtree")',
      'create index "premium_payment_policy_ix" on "premium_payment" ("policy_id", "paid_on")',
    ]);
  });

  it('writes the reach and reads payments, versions, network, ledger and stored metrics through it', async () => {
    const { database, recorder } = oracleCompileDatabase();
    const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
    const reach = {
      changed: new Set([1]),
      subtree: new Set(ids.slice(0, 2990)),
      uplines: new Set(ids.slice(2990)),
      all: new Set(ids),
      ids,
    };
    await writeReach(database, reach);
    const stored = await readReachMetrics(database, ['2026-01', '2026-02']);
    const periods = [
      { code: '2026-01', startsOn: '2026-01-01', endsOn: '2026-01-31' },
      { code: '2026-02', startsOn: '2026-02-01', endsOn: '2026-02-28' },
    ];
    await loadReachRows(database, periods, stored, new Date('2026-03-01T00:00:00Z'));
    await clearReach(database);
    const statements = recorder.sql;
    expectOracleSql(statements);
    // No statement lists the reach's ids: each has a handful of parameters.
    for (const s of recorder.statements)
      if (!/^insert into "recalc_reach"/.test(s.sql)) expect(s.parameters.length).toBeLessThan(20);
    const reads = statements.filter((s) => s.startsWith('select'));
    for (const table of [
      'period_metric_current',
      'premium_payment',
      'policy_version',
      'consultant_sponsor',
      'consultant_career',
      'consultant_activity_status',
      'accrual',
    ])
      expect(
        reads.filter((s) => s.includes(`from "${table}"`) && s.includes('"recalc_reach"')).length,
      ).toBeGreaterThan(0);
    expect(statements).toContain('delete from "recalc_reach"');
  });
});
