/**
 * The insurer's payment id and the link between a payment and its reversal, as a person sees them
 * without SQL, on PGlite and PostgreSQL: a payments message with a payment and its reversal by
 * reference is applied, then GET /api/policies/:id/payments, the payments of
 * GET /api/policies/:id/calendar, `ecspert policy payments <id>` and `policy calendar <id> --json`
 * show each row's hub id and insurer id, the reversal's `reversesPaymentId` and the payment's
 * `reversedBy`, both ways.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Kysely, sql } from 'kysely';
import { buildApi, createQueueProbe } from '../../../src/api';
import { policyRoutes } from '../../../src/api/routes/core/policies';
import { listPremiumPayments, paymentCalendar } from '../../../back-office/policies';
import {
  type Database,
  type DB,
  migrate,
  OracleCompileDialect,
  openDatabase,
  SqlDialect,
  SqlRecorder,
} from '../../../src/db';
import { type ApplyContext, applyRecords } from '../../../src/exchange/apply';
import type { CanonicalPremiumPayment } from '../../../src/exchange/canonical';
import { collectMapping, InboundMapper, loadMapping } from '../../../src/exchange/mapping';
import { memoryLogger, signInAs, testConfig } from '../../api/support/api-harness';
import * as dl from '../../exchange/apply/dnipro-life-samples';
import { seedIntermediary } from '../../exchange/support/intermediary';
import { availableEngines, postgresUrl, type TestEngine } from '../../support/engines';

const bin = path.resolve(__dirname, '../../../bin/ecspert.js');
const at = new Date('2026-11-05T09:00:00Z');
const dir = mkdtempSync(path.join(os.tmpdir(), 'payment-links-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const mappingPath = path.join(dir, 'payments.yaml');
// An insurer that numbers its payments and writes a reversal as a positive amount of type СТОРНО.
writeFileSync(
  mappingPath,
  `
version: 1
message: payments
format: csv
columns: [Ід платежу, Тип, Сторнує, Договір, Сплачено, Сума]
defaults: { decimal: point, timeZone: Europe/Kyiv }
fields:
  insurerCode: { const: DNIPRO_LIFE }
  paymentId: { from: Ід платежу }
  reversesPaymentId: { from: Сторнує }
  policyNumber: { from: Договір }
  paidOn: { from: Сплачено, type: date, dateFormat: timestamp }
  amountKop: { from: Сума, type: kopiyky, negateWhen: { from: Тип, equals: СТОРНО } }
  coverFrom: { const: null }
  coverTo: { const: null }
  policyYear: { const: 1 }
`,
);
const FILE =
  'Ід платежу;Тип;Сторнує;Договір;Сплачено;Сума\n' +
  'P-1;ОПЛАТА;;DL-2026-000101;2026-11-02T10:00:00+02:00;1500.00\n' +
  'P-2;ОПЛАТА;;DL-2026-000101;2026-11-02T11:00:00+02:00;700.00\n' +
  'R-1;СТОРНО;P-1;DL-2026-000101;2026-11-03T10:00:00+02:00;1500.00\n';

interface Payment {
  id: number;
  paidOn: string;
  amountKop: number;
  correction: boolean;
  insurerPaymentId: string | null;
  reversesPaymentId: number | null;
  reversedBy: number | null;
}

/** A fresh migrated database, and the DATABASE_URL a CLI process reaches the same data with. */
async function open(engine: TestEngine): Promise<{ database: Database; url: string; drop(): Promise<void> }> {
  if (engine === 'pglite') {
    const dataDir = mkdtempSync(path.join(dir, 'db-'));
    const database = await openDatabase({ engine: 'pglite', dataDir });
    await migrate(database.db, database.dialect);
    return { database, url: `pglite:${dataDir}`, drop: async () => {} };
  }
  const url = postgresUrl()!;
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ engine: 'postgres', url }, { poolSize: 2 });
  await sql`create schema ${sql.id(schema)}`.execute(database.db);
  await database.close();
  const scoped = await openDatabase({ engine: 'postgres', url }, { searchPath: schema, poolSize: 2 });
  await migrate(scoped.db, scoped.dialect);
  const target = new URL(url);
  target.searchParams.set('options', `-c search_path=${schema}`);
  return {
    database: scoped,
    url: target.toString(),
    drop: async () => {
      const admin = await openDatabase({ engine: 'postgres', url }, { poolSize: 1 });
      await sql`drop schema ${sql.id(schema)} cascade`.execute(admin.db);
      await admin.close();
    },
  };
}

describe.each(availableEngines())('payment ids and reversal links without SQL (%s)', (engine) => {
  let database: Database;
  let url: string;
  let drop: () => Promise<void>;
  let app: FastifyInstance;
  let policyId: number;
  let closed = false;

  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), DATABASE_URL: url, ECSPERT_USER: 'olena' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  };

  beforeAll(async () => {
    ({ database, url, drop } = await open(engine));
    const { dnipro } = await seedIntermediary(database);
    const context = (trx: unknown): ApplyContext => ({
      trx: trx as ApplyContext['trx'],
      dialect: database.dialect,
      insurerId: dnipro,
      insurerCode: 'DNIPRO_LIFE',
      messageId: null,
      recordedAt: at,
    });
    await database.db.transaction().execute((trx) => applyRecords(context(trx), 'contracts', dl.contracts));
    const mapper = new InboundMapper<'payments'>(loadMapping(mappingPath));
    const mapped = await collectMapping(
      mapper.map(Buffer.from(FILE, 'utf8'), { fileName: 'PAY_20261105.csv', format: { encoding: 'utf-8' } }),
    );
    expect(mapped.errors).toEqual([]);
    const items = mapped.records.map((r) => ({
      rowNo: r.rowNo,
      record: r.record as CanonicalPremiumPayment,
    }));
    const outcome = await database.db
      .transaction()
      .execute((trx) => applyRecords(context(trx), 'payments', items));
    expect(outcome).toMatchObject({ applied: 3, problems: [] });
    policyId = Number(
      (
        await database.db
          .selectFrom('policy')
          .select('id')
          .where('number', '=', 'DL-2026-000101')
          .executeTakeFirstOrThrow()
      ).id,
    );
    app = await buildApi(
      {
        database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [policyRoutes] },
    );
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    if (!closed) await database?.close();
    await drop?.();
  });

  /** P-1 reversed by R-1 (the hub's ids), P-2 untouched. */
  const expectLinked = (payments: Payment[]) => {
    const byInsurerId = new Map(payments.map((p) => [p.insurerPaymentId, p]));
    const p1 = byInsurerId.get('P-1')!;
    const p2 = byInsurerId.get('P-2')!;
    const r1 = byInsurerId.get('R-1')!;
    expect([p1, p2, r1].every((p) => Number.isInteger(p.id))).toBe(true);
    expect(new Set([p1.id, p2.id, r1.id]).size).toBe(3);
    expect(payments.map((p) => [p.insurerPaymentId, p.amountKop, p.correction])).toEqual([
      ['P-1', 150000, false],
      ['P-2', 70000, false],
      ['R-1', -150000, true],
    ]);
    expect([p1.reversesPaymentId, p1.reversedBy]).toEqual([null, r1.id]);
    expect([r1.reversesPaymentId, r1.reversedBy]).toEqual([p1.id, null]);
    expect([p2.reversesPaymentId, p2.reversedBy]).toEqual([null, null]);
  };

  it('the API shows the insurer id and the link both ways, in the payments and in the calendar', async () => {
    const api = await signInAs(app, database, 'back_office');
    const payments = await api.inject({ method: 'GET', url: `/api/policies/${policyId}/payments` });
    expect(payments.statusCode).toBe(200);
    expect(payments.json().total).toBe(3);
    expectLinked(payments.json().items);

    const calendar = await api.inject({
      method: 'GET',
      url: `/api/policies/${policyId}/calendar?asOf=2026-11-30`,
    });
    expect(calendar.statusCode).toBe(200);
    expectLinked(calendar.json().payments);
    // As of the day before the reversal, the payment is not reversed yet.
    const before = await api.inject({
      method: 'GET',
      url: `/api/policies/${policyId}/calendar?asOf=2026-11-02`,
    });
    expect(
      before.json().payments.map((p: Payment) => [p.insurerPaymentId, p.reversedBy, p.reversesPaymentId]),
    ).toEqual([
      ['P-1', null, null],
      ['P-2', null, null],
    ]);
  });

  it('the CLI shows them: policy payments (lines and --json) and policy calendar --json', async () => {
    // PGlite is one process's at a time: the CLI gets the folder once this test lets go of it.
    if (engine === 'pglite') {
      await database.close();
      closed = true;
    }
    const json = cli('policy', 'payments', String(policyId), '--json');
    expect(json).toMatchObject({ status: 0, stderr: '' });
    const page = JSON.parse(json.stdout) as { items: Payment[]; total: number };
    expectLinked(page.items);
    const [p1, p2, r1] = page.items;

    const lines = cli('policy', 'payments', String(policyId));
    expect(lines.status).toBe(0);
    expect(lines.stdout.split('\n')).toEqual([
      `${p1.id}\t2026-11-02\t1500.00\tinsurer id P-1\treversed by ${r1.id}`,
      `${p2.id}\t2026-11-02\t700.00\tinsurer id P-2`,
      `${r1.id}\t2026-11-03\t-1500.00\tcorrection\tinsurer id R-1\treverses ${p1.id}`,
      'page 1: 3 of 3',
    ]);

    const calendar = cli('policy', 'calendar', String(policyId), '--as-of', '2026-11-30', '--json');
    expect(calendar).toMatchObject({ status: 0, stderr: '' });
    expectLinked((JSON.parse(calendar.stdout) as { payments: Payment[] }).payments);
    const text = cli('policy', 'calendar', String(policyId), '--as-of', '2026-11-30');
    expect(text.stdout).toContain(
      `  ${r1.id}\t2026-11-03\t-1500.00\tcorrection\tinsurer id R-1\treverses ${p1.id}`,
    );
  }, 120_000);
});

describe('Oracle SQL of the payment links (compiled only: no Oracle server runs here)', () => {
  it('reads the reversal of each payment with a plain correlated subquery', async () => {
    const recorder = new SqlRecorder();
    const db = new Kysely<DB>({ dialect: new OracleCompileDialect(recorder) });
    recorder.respond = (text) =>
      /count\(\*\)/.test(text)
        ? [{ total: 0 }]
        : /^select .* from "policy" "p" inner join "insurer"/.test(text) && !/policy_version/.test(text)
          ? [{ id: 7, number: 'DL-1', insurer: 'DNIPRO_LIFE', product: 'DL-SAV10', application_id: null }]
          : undefined;
    const database: Database = {
      db,
      dialect: new SqlDialect('oracle'),
      describe: 'oracle (compile only)',
      ping: async () => true,
      close: () => db.destroy(),
    };
    await listPremiumPayments(database, 7);
    await paymentCalendar(database, 7, { asOf: '2026-10-01' });
    const reads = recorder.sql.filter((s) => s.includes('"reversed_by"'));
    expect(reads).toHaveLength(2);
    for (const statement of reads) {
      expect(statement).toContain(
        '(select "reversal"."id" from "premium_payment" "reversal" where "reversal"."reverses_payment_id" = "premium_payment"."id"',
      );
      expect(statement).not.toMatch(/\blimit\b|::|\$\d/i);
    }
  });
});
