import { sql } from 'kysely';
import { appliedMigrations, loadMigrations, migrate } from '../../src/db';
import { describeEachEngine } from '../support/engines';

const coreTables = [
  'insurer',
  'product',
  'unit',
  'consultant',
  'unit_structure',
  'consultant_sponsor',
  'consultant_unit',
  'career_level',
  'consultant_career',
  'consultant_activity_status',
  'person',
  'application',
  'application_register',
  'application_register_item',
  'policy',
  'policy_version',
  'amendment',
  'payment_schedule',
  'premium_payment',
  'commission_statement_line',
  'correspondence_message',
  'correspondence_attachment',
  'production_period',
  'app_role',
  'app_user',
  'app_user_role',
  'audit_log',
  'exchange_message',
  'mismatch',
];

describeEachEngine('migrations', (ctx) => {
  it('records every migration file as applied', async () => {
    const files = loadMigrations().map((m) => m.id);
    expect(files[0]).toBe('0001_core');
    expect(await appliedMigrations(ctx.database.db, ctx.database.dialect)).toEqual(files);
  });

  it('creates every table of the normalised core', async () => {
    for (const table of coreTables) {
      expect(`${table}: ${await ctx.database.dialect.tableExists(ctx.database.db, table)}`).toBe(
        `${table}: true`,
      );
    }
  });

  it('changes nothing when run again', async () => {
    const before = await sql<{
      n: number;
    }>`select count(*) as n from information_schema.columns where table_schema = current_schema()`.execute(
      ctx.database.db,
    );
    const report = await migrate(ctx.database.db, ctx.database.dialect);
    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toEqual(loadMigrations().map((m) => m.id));
    const after = await sql<{
      n: number;
    }>`select count(*) as n from information_schema.columns where table_schema = current_schema()`.execute(
      ctx.database.db,
    );
    expect(Number(after.rows[0].n)).toBe(Number(before.rows[0].n));
  });

  it('stores money exactly as NUMERIC(18,2)', async () => {
    const { db } = ctx.database;
    await db
      .insertInto('insurer')
      .values({ code: 'MONEY_T', name: 'Money test', company_code: null, created_at: new Date() })
      .execute();
    const insurer = await db
      .selectFrom('insurer')
      .select('id')
      .where('code', '=', 'MONEY_T')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('product')
      .values({
        insurer_id: insurer.id,
        code: 'P1',
        name: 'P',
        product_group: 'savings',
        term_years: 10,
        first_year_rate_pct: '25',
        renewal_rate_pct: '8',
      })
      .execute();
    const product = await db
      .selectFrom('product')
      .selectAll()
      .where('code', '=', 'P1')
      .executeTakeFirstOrThrow();
    expect(product.first_year_rate_pct).toBe('25.000000');
    const total = await sql<{
      s: string;
    }>`select cast(0.10 as numeric(18,2)) + cast(0.20 as numeric(18,2)) as s`.execute(db);
    expect(total.rows[0].s).toBe('0.30');
  });
});
