/**
 * Several processors at once (issue 9, "Messages and records" 1 and 2): each message is applied
 * exactly once, none is wrongly marked failed, an illegal status change is refused, and parallel
 * workers never create the same person twice. On PostgreSQL each processor has its own connection
 * pool to the suite's schema, so they really run at once; PGlite is one process's database, where
 * they interleave on its single session.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { type Database, openDatabase } from '../../../src/db';
import { findMessage, messageTrail, setMessageStatus } from '../../../src/exchange/message-store';
import { type ExchangeDeps, processMessage, processPending, receive } from '../../../src/exchange/pipeline';
import { describeEachEngine, postgresUrl, type TestDatabase } from '../../support/engines';
import { seedIntermediary } from '../support/intermediary';

const root = path.resolve(__dirname, '../../..');
const dnipro = (name: string) => fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__', name));
const cp1251 = (text: string) => iconv.encode(text.replace(/\n/g, '\r\n'), 'win1251');

const HEADER =
  'Номер договору;Номер заяви;Дата укладення;Дата початку;Дата закінчення;Код продукту;Страхувальник;РНОКПП;Страхова сума;Річна премія;Періодичність;Код агента;Статус;Дата статусу';

/** A contracts file of `count` policies from `first`, whose holders are the same `count` people in every file. */
function contractsFile(first: number, count: number): Buffer {
  const lines = [HEADER];
  for (let i = 0; i < count; i++) {
    const number = `DL-2027-${String(first + i).padStart(6, '0')}`;
    const tax = String(3100000000 + i);
    lines.push(
      `${number};;01.10.2026;02.10.2026;01.10.2036;DL-SAV10;"Особа ${i}";${tax};100 000,00;1 200,00;12;K-00012;ДІЄ;02.10.2026`,
    );
  }
  return cp1251(lines.join('\n') + '\n');
}

/** Separate processors: own pools on PostgreSQL, the suite's database on PGlite. */
async function processors(
  database: TestDatabase,
  n: number,
): Promise<{ list: Database[]; close(): Promise<void> }> {
  if (database.engine !== 'postgres') return { list: Array(n).fill(database), close: async () => undefined };
  const list: Database[] = [];
  for (let i = 0; i < n; i++)
    list.push(
      await openDatabase(
        { engine: 'postgres', url: postgresUrl()! },
        { searchPath: database.schemaName!, poolSize: 3 },
      ),
    );
  return { list, close: async () => void (await Promise.all(list.map((d) => d.close()))) };
}

describeEachEngine('processing messages concurrently', (ctx) => {
  let secretsDir: string;
  const deps = (database: Database): ExchangeDeps => ({ database, secretsDir });
  const deliver = (fileName: string, payload: Buffer) =>
    receive(deps(ctx.database), {
      insurerCode: 'DNIPRO_LIFE',
      channel: 'sftp',
      fileName,
      externalId: `/out/${fileName}`,
      payload,
    });
  const statuses = async (messageId: number) =>
    (await messageTrail(ctx.database, messageId)).map((e) => e.status);

  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
  });

  it('two processors of one message: one applies it, the other skips it, nothing is marked failed', async () => {
    const { message } = await deliver('CONTRACTS_20261002.csv', dnipro('CONTRACTS_20261002.csv'));
    const workers = await processors(ctx.database, 3);
    try {
      const reports = await Promise.all(
        workers.list.map((database) => processMessage(deps(database), message.id, { chunkSize: 2 })),
      );
      expect(reports.map((r) => r.status).sort()).toEqual(['applied', 'skipped', 'skipped']);
      expect(reports.find((r) => r.status === 'applied')).toMatchObject({ applied: 11, rowIssues: 1 });
    } finally {
      await workers.close();
    }
    expect((await findMessage(ctx.database, message.id))?.status).toBe('applied');
    expect(await statuses(message.id)).toEqual(['received', 'mapped', 'applied']);
    const policies = await ctx.database.db
      .selectFrom('policy')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(policies.n)).toBe(11);
  });

  it('refuses an illegal status change: an applied message never becomes failed', async () => {
    const [{ id }] = await ctx.database.db
      .selectFrom('exchange_message')
      .select('id')
      .where('status', '=', 'applied')
      .execute();
    const refused = await setMessageStatus(ctx.database, Number(id), 'failed', 'a late duplicate key').then(
      () => null,
      (error: unknown) => error as Error & { statusCode?: number },
    );
    expect(refused?.message).toMatch(/is applied: it cannot become failed/);
    expect(refused?.statusCode).toBe(409);
    expect((await findMessage(ctx.database, Number(id)))?.status).toBe('applied');
    expect(await statuses(Number(id))).toEqual(['received', 'mapped', 'applied']);
  });

  it('three workers over the same pending messages: each applied once, no duplicate persons', async () => {
    const files = [0, 1, 2, 3, 4, 5].map((k) => ({
      name: `CONTRACTS_202611${String(k + 10)}.csv`,
      payload: contractsFile(1000 + k * 300, 300),
    }));
    const ids: number[] = [];
    for (const f of files) ids.push((await deliver(f.name, f.payload)).message.id);
    const workers = await processors(ctx.database, 3);
    let reports;
    try {
      reports = await Promise.all(
        workers.list.map((database) => processPending(deps(database), 'DNIPRO_LIFE')),
      );
    } finally {
      await workers.close();
    }
    const appliedReports = reports.flat().filter((r) => ids.includes(r.messageId) && r.status === 'applied');
    expect(appliedReports.map((r) => r.messageId).sort()).toEqual([...ids].sort());
    expect(reports.flat().filter((r) => r.status === 'failed')).toEqual([]);
    for (const id of ids) {
      expect((await findMessage(ctx.database, id))?.status).toBe('applied');
      expect((await statuses(id)).filter((s) => s === 'applied' || s === 'failed')).toEqual(['applied']);
    }
    const duplicates = await ctx.database.db
      .selectFrom('person')
      .select(['tax_number', (eb) => eb.fn.countAll<number>().as('n')])
      .where('tax_number', 'is not', null)
      .groupBy('tax_number')
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(duplicates).toEqual([]);
    const policies = await ctx.database.db
      .selectFrom('policy')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('number', 'like', 'DL-2027-%')
      .executeTakeFirstOrThrow();
    expect(Number(policies.n)).toBe(files.length * 300);
  }, 120_000);
});
