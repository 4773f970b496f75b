/** The engine's repository queries compile to Oracle SQL that Oracle accepts (no LIMIT, no RETURNING). */
import type { Kysely } from 'kysely';
import { loadPeriodInputs, periodRef } from '../../../back-office/compensation/inputs';
import { listAccruals, postedRun, postedTotals } from '../../../back-office/compensation/ledger';
import { lockPeriods } from '../../../back-office/compensation/period-lock';
import type { CompensationDB } from '../../../back-office/compensation/tables';
import { up as upLedgerIntegrity } from '../../../migrations/0500_ledger_integrity';
import { up as upExplanationData } from '../../../migrations/0820_ledger_for_appends';
import { oracleCompileDatabase } from '../../support/oracle-compile';

describe('compensation SQL for Oracle', () => {
  const { database, recorder } = oracleCompileDatabase();
  const db = database.db as unknown as Kysely<CompensationDB>;

  beforeEach(() => recorder.clear());

  it('pages payments with offset/fetch and reads the network as known at a moment', async () => {
    const period = await periodRef(db, '2026-03');
    await loadPeriodInputs(db, period, { knownAt: new Date('2026-06-01T00:00:00Z') });
    const all = recorder.sql.join('\n');
    expect(all).not.toMatch(/\blimit\b/i);
    expect(all).not.toMatch(/\breturning\b/i);
    expect(all).not.toMatch(/with recursive/i);
    const payments = recorder.sql.find((s) => s.includes('"premium_payment"'))!;
    expect(payments).toMatch(/offset :\d+ rows fetch (first|next) :\d+ rows only/i);
    expect(payments).toContain('left join "policy_version" "pv"');
    expect(
      recorder.sql.some((s) => s.includes('"consultant_sponsor"') && s.includes('"superseded_at" >')),
    ).toBe(true);
  });

  it('reads the ledger and the posted run with fetch next, never limit', async () => {
    await postedRun(db, '2026-03');
    recorder.respond = (statement) =>
      statement.startsWith('select "id" from "calculation_run"') ? [{ id: 4 }, { id: 9 }] : undefined;
    await listAccruals(database, { periodCode: '2026-03', consultantId: 7, offset: 100, limit: 50 });
    await listAccruals(database, { periodCode: '2026-03', after: { runId: 4, lineNo: 120 }, limit: 50 });
    recorder.respond = null;
    await postedTotals(db, 1);
    for (const statement of recorder.sql) expect(statement).not.toMatch(/\blimit\b/i);
    expect(recorder.sql[0]).toMatch(/fetch (first|next) :\d+ rows only/i);
    // The period's posted runs first, then their lines by the run's index.
    expect(recorder.sql[1]).toBe(
      'select "id" from "calculation_run" where "period_code" = :1 and "status" = :2',
    );
    expect(recorder.sql[2]).toMatch(/"a"\."run_id" in \(:\d+, :\d+\)/);
    expect(recorder.sql[2]).toMatch(/offset :\d+ rows fetch (first|next) :\d+ rows only/i);
    expect(recorder.sql[4]).toMatch(
      /\("a"\."run_id" > :\d+ or \("a"\."run_id" = :\d+ and "a"\."line_no" > :\d+\)\)/,
    );
    expect(recorder.sql[5]).toMatch(/sum\("amount"\)/);
  });
});

describe('ledger integrity SQL for Oracle', () => {
  it('locks periods with select … for update and makes the ledger append-only by a trigger', async () => {
    const { database, recorder } = oracleCompileDatabase();
    const { db } = database;
    await db
      .transaction()
      .execute((trx) => lockPeriods({ ...database, db: trx as any }, ['2026-04', '2026-03']));
    const locks = recorder.sql.filter((s) => s.includes('"period_lock"'));
    expect(locks).toEqual([
      'insert into "period_lock" ("period_code") values (:1)',
      'insert into "period_lock" ("period_code") values (:1)',
      expect.stringMatching(
        /^select "period_code" from "period_lock" where "period_code" in \(:1, :2\) order by "period_code" for update$/,
      ),
    ]);
    expect(recorder.sql.join('\n')).not.toMatch(/on conflict/i);
    recorder.clear();
    await db
      .transaction()
      .execute((trx) => lockPeriods({ ...database, db: trx as any }, ['2026-05'], () => undefined));
    expect(recorder.sql.filter((s) => s.startsWith('select'))).toEqual([
      'select "period_code" from "period_lock" where "period_code" = :1 for update skip locked',
      'select "period_code" from "period_lock" where "period_code" in (:1) order by "period_code" for update',
    ]);
    recorder.clear();
    await upLedgerIntegrity({ db, types: database.dialect.types, dialect: database.dialect });
    const trigger = recorder.sql.find((s) => s.includes('trigger'))!;
    expect(trigger).toMatch(
      /^create or replace trigger "accrual_append_only" before update or delete on "accrual" for each row begin raise_application_error\(-20090, 'the accrual ledger is append-only: [^']*'\); end;$/,
    );
    expect(recorder.sql.join('\n')).not.toMatch(/plpgsql|\$body\$|truncate/);
  });
});

describe('structured explanations for Oracle (migration 0820)', () => {
  it('adds explanation_data with ADD (…) and makes the text nullable with MODIFY (…)', async () => {
    const { database, recorder } = oracleCompileDatabase();
    await upExplanationData({ db: database.db, types: database.dialect.types, dialect: database.dialect });
    expect(recorder.sql).toEqual([
      `alter table "accrual" add ("explanation_data" varchar2(4000 char))`,
      `alter table "accrual" modify ("explanation" null)`,
    ]);
  });
});
