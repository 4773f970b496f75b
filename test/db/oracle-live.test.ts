/**
 * The Oracle live suite: runs only where ORACLE_URL points at a real Oracle schema set aside for
 * tests (it creates the product's tables there and drops them at the end). No Oracle server can run
 * on this machine or in CI, so without ORACLE_URL it says so in one line and skips.
 */
import { sql } from 'kysely';
import { careerLevelAsOf, changeSponsor, sponsorTreeAsOf } from '../../back-office/network';
import { parseOracleUrl } from '../../src/config';
import { type Database, loadMigrations, migrate, OPEN_END, openDatabase, STILL_KNOWN } from '../../src/db';

const oracleUrl = process.env.ORACLE_URL;
if (!oracleUrl)
  console.log('Oracle live suite skipped: set ORACLE_URL=oracle://user:password@host:1521/service to run it');

(oracleUrl ? describe : describe.skip)('Oracle live suite', () => {
  let database: Database;

  beforeAll(async () => {
    database = await openDatabase(parseOracleUrl('ORACLE_URL', oracleUrl!), { setting: 'ORACLE_URL' });
  });

  afterAll(async () => {
    if (!database) return;
    const tables = await sql<{
      table_name: string;
    }>`select table_name as "table_name" from user_tables`.execute(database.db);
    for (const { table_name } of tables.rows) {
      await sql`drop table ${sql.id(table_name)} cascade constraints purge`
        .execute(database.db)
        .catch(() => undefined);
    }
    await database.close();
  });

  it('applies the migrations once and changes nothing the second time', async () => {
    const first = await migrate(database.db, database.dialect);
    expect(first.applied.length + first.alreadyApplied.length).toBe(loadMigrations().length);
    const second = await migrate(database.db, database.dialect);
    expect(second.applied).toEqual([]);
  });

  it('reads the sponsor tree and careers as of a date', async () => {
    const { db } = database;
    const at = new Date('2026-01-01T08:00:00Z');
    for (const code of ['OA', 'OB', 'OC']) {
      await db
        .insertInto('consultant')
        .values({
          code,
          full_name: code,
          tax_number: null,
          legal_form: 'individual',
          email: null,
          phone: null,
          hired_on: '2026-01-01',
          terminated_on: null,
          created_at: at,
        })
        .execute();
    }
    const ids = Object.fromEntries(
      (await db.selectFrom('consultant').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
    );
    const base = {
      valid_from: '2026-01-01',
      valid_to: OPEN_END,
      recorded_at: at,
      superseded_at: STILL_KNOWN,
      recorded_by: 'test',
      reason: null,
    };
    await db
      .insertInto('consultant_sponsor')
      .values({ ...base, consultant_id: ids.OA, sponsor_id: null })
      .execute();
    await db
      .insertInto('consultant_sponsor')
      .values({ ...base, consultant_id: ids.OB, sponsor_id: ids.OA })
      .execute();
    await db
      .insertInto('consultant_sponsor')
      .values({ ...base, consultant_id: ids.OC, sponsor_id: ids.OB })
      .execute();
    await db
      .insertInto('consultant_career')
      .values({
        ...base,
        consultant_id: ids.OC,
        level_code: 'CONSULTANT',
        source: 'initial',
        approved_by: null,
        approved_at: null,
      })
      .execute();
    await changeSponsor(database, ids.OC, ids.OA, {
      validFrom: '2026-10-15',
      recordedAt: new Date('2026-10-20T00:00:00Z'),
      recordedBy: 'test',
    });
    const before = await sponsorTreeAsOf(database, '2026-10-14');
    expect(before.find((n) => n.code === 'OC')?.sponsorId).toBe(ids.OB);
    const after = await sponsorTreeAsOf(database, '2026-10-15');
    expect(after.find((n) => n.code === 'OC')?.sponsorId).toBe(ids.OA);
    expect((await careerLevelAsOf(database, ids.OC, '2026-06-01'))?.levelCode).toBe('CONSULTANT');
  });
});
