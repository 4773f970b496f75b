/**
 * A withdrawal committed while a register is being built: the builder reads the pending
 * applications, renders the register, then marks them sent. An application withdrawn in between
 * must not be marked sent nor be in the register that goes to the insurer; the register is built
 * again from what is still pending. Two ways of meeting it:
 * - on every engine, the withdrawal (the real `withdrawApplication`) commits after the builder read
 *   the pending list and before its transaction starts — PGlite runs one session, so this is the
 *   only way two of its transactions can interleave;
 * - on PostgreSQL, with real concurrent transactions on separate connections: the withdrawal has
 *   changed the row and is held before committing (a third connection locks `audit_log`, which it
 *   writes next), the builder's transaction waits on that row, and the withdrawal commits while the
 *   builder waits.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { Client } from 'pg';
import {
  type ApplicationCard,
  enterApplication,
  getApplication,
  withdrawApplication,
} from '../../../back-office/policies';
import type { Database, DB } from '../../../src/db';
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { type LoadedAdapter, loadAdapter } from '../../../src/exchange/adapter-config';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { buildRegister } from '../../../src/exchange/runs/register-builder';
import { seedInsurersAndConsultants } from '../support/intermediary';
import { describeEachEngine, openTestDatabase, postgresUrl, type TestDatabase } from '../../support/engines';

const valid = (first9: string) => first9 + String(taxNumberCheckDigit(first9));
let holders = 0;

async function enterTwo(database: Database): Promise<[ApplicationCard, ApplicationCard]> {
  const enter = () =>
    enterApplication(
      database,
      {
        consultant: 'K-00012',
        insurer: 'DNIPRO_LIFE',
        product: 'DL-SAV10',
        holder: { fullName: `Клієнт ${++holders}`, taxNumber: valid(String(284510230 + holders)) },
        premiumKop: 100_000,
        sumInsuredKop: 12_000_000,
        paymentFrequency: 12,
        signedOn: '2026-10-01',
        startOn: '2026-10-10',
      },
      'olena',
    );
  return [await enter(), await enter()];
}

/** What the insurer would get and what the database says of the two applications. */
async function outcome(database: Database, registerId: number, payload: Buffer, numbers: string[]) {
  const items = await database.db
    .selectFrom('application_register_item as ri')
    .innerJoin('application as a', 'a.id', 'ri.application_id')
    .select('a.number')
    .where('ri.register_id', '=', registerId)
    .orderBy('ri.row_no')
    .execute();
  const statuses = await Promise.all(numbers.map(async (n) => (await getApplication(database, n)).status));
  return {
    inRegister: items.map((i) => i.number),
    inFile: numbers.filter((n) => payload.toString('latin1').includes(n)),
    statuses,
  };
}

function exchangeDeps(database: Database): ExchangeDeps {
  return { database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
}

/**
 * The same database, except that the first transaction anyone starts on it runs `before` first: the
 * builder's transaction starts right after it has read the pending list and rendered the register.
 */
function withWorkBeforeFirstTransaction(database: Database, before: () => Promise<void>): Database {
  let pending: (() => Promise<void>) | null = before;
  const db = new Proxy(database.db, {
    get(target, property) {
      if (property === 'transaction')
        return () => {
          const builder = target.transaction();
          return {
            execute: async <T>(
              work: (trx: Parameters<Parameters<typeof builder.execute>[0]>[0]) => Promise<T>,
            ) => {
              const run = pending;
              pending = null;
              if (run) await run();
              return builder.execute(work);
            },
          };
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Kysely<DB>;
  return { ...database, db };
}

describeEachEngine('a withdrawal between reading the pending list and marking it sent', (ctx) => {
  let adapter: LoadedAdapter;
  let dnipro: number;

  beforeAll(async () => {
    ({ dnipro } = await seedInsurersAndConsultants(ctx.database));
    adapter = loadAdapter('DNIPRO_LIFE');
  });

  it('leaves the withdrawn application out of the register and withdrawn; the other is sent', async () => {
    const [first, second] = await enterTwo(ctx.database);
    let withdrawn: ApplicationCard | null = null;
    const racing = withWorkBeforeFirstTransaction(ctx.database, async () => {
      withdrawn = await withdrawApplication(ctx.database, first.id, 'olena', 'клієнт передумав');
    });
    const built = await buildRegister(exchangeDeps(racing), adapter, dnipro, '2026-10-05');
    expect(withdrawn!).toMatchObject({ status: 'withdrawn' });
    expect(built).toMatchObject({ applications: [second.number] });
    expect(
      await outcome(ctx.database, built!.registerId, built!.payload, [first.number, second.number]),
    ).toEqual({
      inRegister: [second.number],
      inFile: [second.number],
      statuses: ['withdrawn', 'sent'],
    });
    const registers = await ctx.database.db.selectFrom('application_register').select('item_count').execute();
    expect(registers.map((r) => Number(r.item_count))).toEqual([1]);
  });

  it('builds nothing when every application it read was withdrawn meanwhile', async () => {
    const [first, second] = await enterTwo(ctx.database);
    const racing = withWorkBeforeFirstTransaction(ctx.database, async () => {
      await withdrawApplication(ctx.database, first.id, 'olena', 'клієнт передумав');
      await withdrawApplication(ctx.database, second.id, 'olena', 'клієнт передумав');
    });
    const registersBefore = await ctx.database.db.selectFrom('application_register').select('id').execute();
    expect(await buildRegister(exchangeDeps(racing), adapter, dnipro, '2026-10-06')).toBeNull();
    expect(await ctx.database.db.selectFrom('application_register').select('id').execute()).toEqual(
      registersBefore,
    );
    expect((await getApplication(ctx.database, first.id)).status).toBe('withdrawn');
  });

  it('two builders at once: one register takes both applications, the other builds nothing', async () => {
    const [first, second] = await enterTwo(ctx.database);
    const adapter = loadAdapter('DNIPRO_LIFE');
    const results = await Promise.all([
      buildRegister(exchangeDeps(ctx.database), adapter, dnipro, '2026-10-07'),
      buildRegister(exchangeDeps(ctx.database), adapter, dnipro, '2026-10-07'),
    ]);
    const built = results.filter((r) => r !== null);
    expect(built).toHaveLength(1);
    expect(built[0]!.applications).toEqual([first.number, second.number]);
    const items = await ctx.database.db
      .selectFrom('application_register_item')
      .select('application_id')
      .where('application_id', 'in', [first.id, second.id])
      .execute();
    expect(items).toHaveLength(2);
  });
});

const pgUrl = postgresUrl();
if (!pgUrl) console.log('Concurrent-withdrawal test on PostgreSQL skipped: set DATABASE_URL=postgres://…');

(pgUrl ? describe : describe.skip)(
  'a withdrawal committed while the register transaction waits [postgres]',
  () => {
    let database: TestDatabase & { drop(): Promise<void> };
    /** Holds the lock that keeps the withdrawal's transaction open. */
    let holder: Client;
    /** Watches who waits on whom (outside a transaction: pg_stat_activity is a snapshot inside one). */
    let observer: Client;
    let dnipro: number;

    beforeAll(async () => {
      database = await openTestDatabase('postgres');
      ({ dnipro } = await seedInsurersAndConsultants(database));
      holder = new Client({ connectionString: pgUrl! });
      await holder.connect();
      observer = new Client({ connectionString: pgUrl! });
      await observer.connect();
    });
    afterAll(async () => {
      await holder?.end();
      await observer?.end();
      await database?.drop();
    });

    /** The backend that waits on a lock `blocker` holds (the blocked one of this schema's sessions). */
    async function waitForSessionBlockedBy(blocker: number): Promise<number> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { rows } = await observer.query<{ pid: number }>(
          'select pid from pg_stat_activity where $1 = any(pg_blocking_pids(pid))',
          [blocker],
        );
        if (rows.length) return rows[0].pid;
        if (Date.now() > deadline) throw new Error(`no session waited on backend ${blocker} within 20 s`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }

    it('never sends the withdrawn application: the register is built again from what is pending', async () => {
      const [first, second] = await enterTwo(database);
      const { rows } = await holder.query<{ pid: number }>('select pg_backend_pid() as pid');
      const holderPid = rows[0].pid;

      // The withdrawal changes the row, then waits to write its audit entry: its transaction is open.
      await holder.query('begin');
      await holder.query(`lock table "${database.schemaName}"."audit_log" in exclusive mode`);
      const withdrawal = withdrawApplication(database, first.id, 'olena', 'клієнт передумав');
      const withdrawalPid = await waitForSessionBlockedBy(holderPid);

      // The builder reads both as pending (the withdrawal is not committed), and its transaction
      // waits on the row the withdrawal changed.
      const building = buildRegister(
        exchangeDeps(database),
        loadAdapter('DNIPRO_LIFE'),
        dnipro,
        '2026-10-05',
      );
      await waitForSessionBlockedBy(withdrawalPid);

      // The withdrawal commits while the register is being built.
      await holder.query('commit');
      expect(await withdrawal).toMatchObject({ status: 'withdrawn' });
      const built = await building;

      expect(built).toMatchObject({ applications: [second.number] });
      expect(
        await outcome(database, built!.registerId, built!.payload, [first.number, second.number]),
      ).toEqual({
        inRegister: [second.number],
        inFile: [second.number],
        statuses: ['withdrawn', 'sent'],
      });
      const registers = await database.db.selectFrom('application_register').select('item_count').execute();
      expect(registers.map((r) => Number(r.item_count))).toEqual([1]);
    });
  },
);
