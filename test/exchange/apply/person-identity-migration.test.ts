/**
 * Migration 0511 makes a tax number one person with a unique index. Databases that parallel workers
 * already filled hold duplicates: they are merged first, every reference moved to the oldest row.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Database, loadMigrations, migrate, openDatabase } from '../../../src/db';
import { availableEngines, postgresUrl } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const at = new Date('2026-10-05T09:00:00Z');

async function openBefore0511(engine: 'pglite' | 'postgres'): Promise<Database & { drop(): Promise<void> }> {
  const before = loadMigrations().filter((m) => m.id < '0511');
  if (engine === 'pglite') {
    const database = await openDatabase({ engine: 'pglite', dataDir: null });
    await migrate(database.db, database.dialect, before);
    return { ...database, drop: () => database.close() };
  }
  const schemaName = `t_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase({ engine: 'postgres', url: postgresUrl()! }, { poolSize: 1 });
  await sql`create schema ${sql.id(schemaName)}`.execute(admin.db);
  await admin.close();
  const database = await openDatabase(
    { engine: 'postgres', url: postgresUrl()! },
    { searchPath: schemaName, poolSize: 2 },
  );
  await migrate(database.db, database.dialect, before);
  return {
    ...database,
    drop: async () => {
      await sql`drop schema ${sql.id(schemaName)} cascade`.execute(database.db);
      await database.close();
    },
  };
}

for (const engine of availableEngines()) {
  describe(`merging duplicate persons before the unique index [${engine}]`, () => {
    let database: Database & { drop(): Promise<void> };
    beforeAll(async () => {
      database = await openBefore0511(engine);
    });
    afterAll(async () => database?.drop());

    it('moves every reference to the oldest person of a tax number, then refuses a second one', async () => {
      const { db, dialect } = database;
      const { dnipro } = await seedIntermediary(database);
      const person = (fullName: string, taxNumber: string | null) =>
        dialect.insertReturningId(
          db,
          'person',
          {
            person_kind: 'individual',
            full_name: fullName,
            tax_number: taxNumber,
            company_code: null,
            birth_date: null,
            created_at: at,
          },
          { full_name: fullName },
        );
      const [original] = (await db.selectFrom('person').select('id').execute()).map((r) => Number(r.id));
      const copyA = await person('Шевченко Т. Г.', '2845102317');
      const copyB = await person('Шевченко Тарас', '2845102317');
      const unnamed1 = await person('Без коду', null);
      const unnamed2 = await person('Без коду 2', null);
      // Two applications and a policy version name the copies.
      await db
        .updateTable('application')
        .set({ policyholder_id: copyA, insured_person_id: copyB })
        .where('number', 'in', ['Z-2026-00301', 'Z-2026-00302'])
        .execute();
      const product = await db
        .selectFrom('product')
        .select('id')
        .where('code', '=', 'DL-SAV10')
        .executeTakeFirstOrThrow();
      const policyId = await dialect.insertReturningId(
        db,
        'policy',
        {
          insurer_id: dnipro,
          number: 'DL-2026-000999',
          product_id: product.id,
          application_id: null,
          created_at: at,
        },
        { number: 'DL-2026-000999' },
      );
      await db
        .insertInto('policy_version')
        .values({
          policy_id: policyId,
          version_no: 1,
          valid_from: '2026-10-01',
          recorded_at: at,
          consultant_id: null,
          agent_code: 'K-00012',
          policyholder_id: copyB,
          insured_person_id: copyA,
          issued_on: '2026-10-01',
          cover_start: '2026-10-01',
          cover_end: '2027-09-30',
          sum_insured: '1000.00',
          annual_premium: '100.00',
          payment_frequency: 1,
          status: 'in_force',
          status_date: '2026-10-01',
          amendment_id: null,
          source_message_id: null,
        })
        .execute();

      const report = await migrate(db, dialect);
      expect(report.applied).toContain('0511_person_identity');

      const persons = await db.selectFrom('person').select(['id', 'tax_number']).orderBy('id').execute();
      expect(persons.map((p) => Number(p.id))).toEqual([original, unnamed1, unnamed2]);
      const apps = await db
        .selectFrom('application')
        .select(['policyholder_id', 'insured_person_id'])
        .where('number', 'in', ['Z-2026-00301', 'Z-2026-00302'])
        .execute();
      expect(apps.map((a) => [Number(a.policyholder_id), Number(a.insured_person_id)])).toEqual([
        [original, original],
        [original, original],
      ]);
      const version = await db
        .selectFrom('policy_version')
        .select(['policyholder_id', 'insured_person_id'])
        .where('policy_id', '=', policyId)
        .executeTakeFirstOrThrow();
      expect([Number(version.policyholder_id), Number(version.insured_person_id)]).toEqual([
        original,
        original,
      ]);

      // From now on the database itself refuses a second row for a tax number.
      const again = await person('Шевченко ще раз', '2845102317').then(
        () => null,
        (error: unknown) => error,
      );
      expect(dialect.isUniqueViolation(again)).toBe(true);
    });
  });
}
