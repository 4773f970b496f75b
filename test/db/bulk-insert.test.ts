/**
 * Bulk inserts: PostgreSQL uploads by COPY FROM STDIN on the statement's own connection, PGlite takes
 * one JSON parameter. Whatever the path, every value comes back as written, tabs, line breaks,
 * backslashes and Cyrillic included; the rows join the caller's transaction; a bad row refuses the
 * whole upload.
 */
import { sql } from 'kysely';
import { copyRows } from '../../src/db/copy-from-stdin';
import { describeEachEngine } from '../support/engines';

const tricky = [
  'Сторно рядка №12: платіж 1\u00a0000,00 грн',
  'tab\there',
  'line\nbreak and\r\nCRLF',
  'back\\slash \\N not a null',
  '',
];

describe('COPY text format', () => {
  it('escapes the separators and writes null as \\N', () => {
    expect(copyRows([{ a: 'x\ty', b: null, c: 5, d: 'a\\b\nc' }], ['a', 'b', 'c', 'd'])).toBe(
      'x\\ty\t\\N\t5\ta\\\\b\\nc\n',
    );
  });
});

describeEachEngine('bulk insert', (ctx) => {
  beforeAll(async () => {
    await sql`create table bulk_probe (id integer primary key, label varchar(200), amount numeric(18,2), on_day date, at_time timestamp with time zone, note varchar(10))`.execute(
      ctx.database.db,
    );
  });

  it('writes every value back as given', async () => {
    const at = new Date('2026-11-27T10:11:12.345Z');
    const rows = Array.from({ length: 60_123 }, (_, i) => ({
      id: i + 1,
      label: tricky[i % tricky.length] + i,
      amount: `${i}.${String(i % 100).padStart(2, '0')}`,
      on_day: '2026-03-10',
      at_time: at,
      note: i % 3 === 0 ? null : 'ok',
    }));
    await ctx.database.dialect.bulkInsert(ctx.database.db, 'bulk_probe', rows);
    const back = await (ctx.database.db as any).selectFrom('bulk_probe').selectAll().orderBy('id').execute();
    expect(back).toHaveLength(60_123);
    for (const i of [0, 1, 2, 3, 4, 5, 50_000, 60_122]) {
      expect({ ...back[i], at_time: new Date(back[i].at_time).toISOString() }).toEqual({
        ...rows[i],
        at_time: at.toISOString(),
      });
    }
  });

  it('joins the caller transaction and refuses the whole upload on a bad row', async () => {
    const row = (id: number, note: string) => ({
      id,
      label: 'x',
      amount: '1.00',
      on_day: '2026-03-10',
      at_time: new Date(),
      note,
    });
    const failure = await ctx.database.db
      .transaction()
      .execute(async (trx) => {
        await ctx.database.dialect.bulkInsert(trx, 'bulk_probe', [row(100_001, 'ok')]);
        await ctx.database.dialect.bulkInsert(trx, 'bulk_probe', [row(100_002, 'ok'), row(1, 'duplicate')]);
      })
      .then(
        () => null,
        (error: unknown) => error as { where?: string },
      );
    expect(failure).not.toBeNull();
    expect(ctx.database.dialect.isUniqueViolation(failure)).toBe(true);
    // PostgreSQL took the rows by COPY, and says which line of the upload was refused.
    if (ctx.database.dialect.engine === 'postgres')
      expect(failure!.where).toContain('COPY bulk_probe, line 2');
    const left = await (ctx.database.db as any)
      .selectFrom('bulk_probe')
      .select('id')
      .where('id', '>', 100_000)
      .execute();
    expect(left).toEqual([]);
    // The connection is usable afterwards.
    await ctx.database.dialect.bulkInsert(ctx.database.db, 'bulk_probe', [row(100_003, 'after')]);
    expect(
      await (ctx.database.db as any)
        .selectFrom('bulk_probe')
        .select('note')
        .where('id', '=', 100_003)
        .executeTakeFirst(),
    ).toEqual({ note: 'after' });
  });

  it('takes rows from a generator, as the server takes them, all or nothing', async () => {
    const columns = ['id', 'label', 'amount', 'on_day', 'at_time', 'note'];
    let produced = 0;
    function* rows(from: number, count: number, duplicateAt?: number) {
      for (let i = 0; i < count; i++) {
        produced++;
        yield {
          id: i === duplicateAt ? 1 : from + i,
          label: `${tricky[i % tricky.length]}#${i}`,
          amount: '10.05',
          on_day: '2026-04-01',
          at_time: new Date('2026-04-01T00:00:00Z'),
          note: null,
        };
      }
    }
    await ctx.database.dialect.bulkInsertEach(ctx.database.db, 'bulk_probe', columns, rows(200_001, 30_001));
    expect(produced).toBe(30_001);
    const count = async () =>
      Number(
        (
          await (ctx.database.db as any)
            .selectFrom('bulk_probe')
            .select((eb: any) => eb.fn.countAll().as('n'))
            .where('id', '>', 200_000)
            .executeTakeFirst()
        ).n,
      );
    expect(await count()).toBe(30_001);
    expect(
      await (ctx.database.db as any)
        .selectFrom('bulk_probe')
        .selectAll()
        .where('id', '=', 230_001)
        .executeTakeFirst(),
    ).toMatchObject({ label: `${tricky[30_000 % tricky.length]}#30000`, amount: '10.05', note: null });
    // A duplicate key deep in the stream refuses the whole upload.
    await expect(
      ctx.database.dialect.bulkInsertEach(
        ctx.database.db,
        'bulk_probe',
        columns,
        rows(300_001, 30_000, 25_000),
      ),
    ).rejects.toThrow();
    const after = await (ctx.database.db as any)
      .selectFrom('bulk_probe')
      .select('id')
      .where('id', '>', 300_000)
      .execute();
    expect(after).toEqual([]);
  });
});
