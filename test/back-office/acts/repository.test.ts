/**
 * Acts in the database on PGlite and PostgreSQL: gapless numbers per year (also under concurrent
 * issuing), acts from the accrual ledger whose sum equals the ledger, the stored PDF.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  ActAlreadyIssuedError,
  actsDb,
  allocateActNumber,
  checkActsAgainstLedger,
  issueAct,
  issuePeriodActs,
  loadActPdf,
  loadPeriodRegister,
  type ActsDB,
  type ActInput,
  type LegalForm,
} from '../../../back-office/acts';
import { describeEachEngine } from '../../support/engines';
import { intermediary } from './fixtures';

const people: [code: string, fullName: string, taxNumber: string | null, legalForm: LegalForm][] = [
  ['K-00012', 'Шевченко Тарас Григорович', '1234567890', 'individual'],
  ['K-00020', 'Коваленко Олена Петрівна', '2345678901', 'sole_proprietor'],
  ['K-00030', 'Бондар Іван Іванович', '3456789012', 'individual'],
  ...Array.from({ length: 10 }, (_, i): (typeof people)[number] => [
    `K-1${String(i).padStart(4, '0')}`,
    `Консультант Номер ${i}`,
    null,
    'individual',
  ]),
];

async function seedConsultants(db: Kysely<ActsDB>): Promise<Map<string, number>> {
  await db
    .insertInto('consultant')
    .values(
      people.map(([code, fullName, taxNumber, legalForm]) => ({
        code,
        full_name: fullName,
        tax_number: taxNumber,
        legal_form: legalForm,
        hired_on: '2020-01-01',
        created_at: new Date(),
      })) as any,
    )
    .execute();
  const rows = await db.selectFrom('consultant').select(['id', 'code']).execute();
  return new Map(rows.map((r) => [r.code, Number(r.id)]));
}

const simpleInput = (code: string, period: string, amountKop = 100_000): ActInput => {
  const person = people.find((p) => p[0] === code)!;
  return {
    period,
    consultant: { code, fullName: person[1], taxNumber: person[2], legalForm: person[3] },
    lines: [{ kind: 'personal', accrualPeriod: period, amountKop }],
  };
};

describeEachEngine('acts repository', (ctx) => {
  let ids: Map<string, number>;
  const db = () => actsDb(ctx.database);
  const numbersOf = async (year: number) =>
    (
      await db()
        .selectFrom('act')
        .select('sequence_no')
        .where('act_year', '=', year)
        .orderBy('sequence_no')
        .execute()
    ).map((r) => r.sequence_no);

  beforeAll(async () => {
    ids = await seedConsultants(db());
  });

  it('numbers acts gaplessly per year, starting again at 1 in a new year', async () => {
    const a = await issueAct(ctx.database, simpleInput('K-10000', '2025-11'), { intermediary });
    const b = await issueAct(ctx.database, simpleInput('K-10001', '2025-11'), { intermediary });
    const c = await issueAct(ctx.database, simpleInput('K-10000', '2025-12'), { intermediary });
    const d = await issueAct(ctx.database, simpleInput('K-10000', '2026-01'), { intermediary });
    const e = await issueAct(ctx.database, simpleInput('K-10001', '2026-01'), { intermediary });
    expect([a, b, c, d, e].map((x) => x.act.number)).toEqual([
      '2025/000001',
      '2025/000002',
      '2025/000003',
      '2026/000001',
      '2026/000002',
    ]);
    expect(c.act.date).toBe('2025-12-31');
  });

  it('does not spend a number on an act that is refused', async () => {
    await expect(issueAct(ctx.database, simpleInput('K-10000', '2026-01'), { intermediary })).rejects.toThrow(
      ActAlreadyIssuedError,
    );
    await expect(
      issueAct(ctx.database, simpleInput('K-10002', '2026-01', -5), { intermediary }),
    ).rejects.toThrow(/nothing to pay/);
    const f = await issueAct(ctx.database, simpleInput('K-10002', '2026-01'), { intermediary });
    expect(f.act.number).toBe('2026/000003');
  });

  it('stays gapless and unique when acts are issued concurrently, one of them twice', async () => {
    const codes = ['K-10003', 'K-10004', 'K-10005', 'K-10006', 'K-10007', 'K-10008', 'K-10009', 'K-10003'];
    const results = await Promise.allSettled(
      codes.map((code) => issueAct(ctx.database, simpleInput(code, '2026-02'), { intermediary })),
    );
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(ActAlreadyIssuedError);
    expect(await numbersOf(2026)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('allocates distinct consecutive numbers to concurrent callers', async () => {
    const numbers = await Promise.all(
      Array.from({ length: 12 }, () => allocateActNumber(ctx.database, 2031)),
    );
    expect([...numbers].sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `2031/${String(i + 1).padStart(6, '0')}`),
    );
  });

  describe('acts of a period from the accrual ledger', () => {
    const period = '2025-01';

    beforeAll(async () => {
      const d = ctx.database;
      const planId = await d.dialect.insertReturningId(
        d.db,
        'plan_version',
        {
          plan_code: 'UA-NETWORK',
          version: '2025.1',
          effective_from: '2024-01',
          sha256: 'a'.repeat(64),
          document: d.dialect.json({}),
          status: 'active',
          loaded_at: new Date(),
        },
        { plan_code: 'UA-NETWORK', version: '2025.1' },
      );
      const run = async (status: string, fingerprint: string) =>
        d.dialect.insertReturningId(
          d.db,
          'calculation_run',
          {
            period_code: period,
            plan_version_id: planId,
            plan_code: 'UA-NETWORK',
            plan_version: '2025.1',
            input_fingerprint: fingerprint,
            known_at: new Date(),
            status,
            line_count: 0,
            total_amount: '0',
            started_at: new Date(),
          },
          { input_fingerprint: fingerprint },
        );
      const superseded = await run('superseded', 'f'.repeat(64));
      const posted = await run('posted', 'e'.repeat(64));
      const line = (
        runId: number,
        lineNo: number,
        code: string,
        kind: string,
        amount: string,
        correctsPeriod: string | null = null,
      ) => ({
        run_id: runId,
        line_no: lineNo,
        period_code: period,
        consultant_id: ids.get(code)!,
        kind,
        source_kind: 'consultant',
        source_id: ids.get(code)!,
        policy_id: null,
        downline_consultant_id: null,
        rule: `${kind}.TEST`,
        plan_version: '2025.1',
        base: amount,
        rate: '100',
        amount,
        explanation: `${kind} ${amount}`,
        corrects_period: correctsPeriod,
        storno_of_accrual_id: null,
        created_at: new Date(),
      });
      await db()
        .insertInto('accrual')
        .values([
          line(superseded, 1, 'K-00012', 'personal', '99999.99'), // a superseded run: not on any act
          line(posted, 1, 'K-00012', 'personal', '10000.00'),
          line(posted, 2, 'K-00012', 'structural', '2500.50'),
          line(posted, 3, 'K-00012', 'storno', '-1000.00', '2024-10'),
          line(posted, 4, 'K-00012', 'additional', '333.33', '2024-11'),
          line(posted, 5, 'K-00020', 'personal', '7000.01'),
          line(posted, 6, 'K-00020', 'bonus', '0.99'),
          line(posted, 7, 'K-00030', 'personal', '50.00'),
          line(posted, 8, 'K-00030', 'chargeback', '-200.00'),
        ])
        .execute();
    });

    it('issues one act per consultant with anything to pay; the acts sum to the ledger', async () => {
      const result = await issuePeriodActs(ctx.database, period, {
        intermediary,
        date: '2025-02-03',
        createdBy: 'test',
      });
      expect(
        result.issued.map((i) => [i.act.consultant.code, i.act.number, i.act.grossKop, i.act.netKop]),
      ).toEqual([
        // 11 833,83 gross; 2 130,09 ПДФО, −10,00 + 625,03 ВЗ → 9 088,71 (hand-computed in withholding.test.ts)
        ['K-00012', '2025/000004', 1_183_383, 908_871],
        ['K-00020', '2025/000005', 700_100, 700_100],
      ]);
      expect(result.nothingToPay).toEqual([{ consultantCode: 'K-00030', grossKop: -15_000 }]);
      expect(result.ledgerTotalKop).toBe(1_183_383 + 700_100 - 15_000);

      const register = await loadPeriodRegister(ctx.database, period);
      expect(
        register.rows.map((r) => [
          r.number,
          r.date,
          r.consultantCode,
          r.grossKop,
          r.pdfoKop,
          r.militaryLevyKop,
          r.netKop,
        ]),
      ).toEqual([
        ['2025/000004', '2025-02-03', 'K-00012', 1_183_383, 213_009, 61_503, 908_871],
        ['2025/000005', '2025-02-03', 'K-00020', 700_100, 0, 0, 700_100],
      ]);
      expect(register.totals).toEqual({
        acts: 2,
        grossKop: 1_883_483,
        pdfoKop: 213_009,
        militaryLevyKop: 61_503,
        netKop: 1_608_971,
      });
      expect(register.totals.grossKop - 15_000).toBe(result.ledgerTotalKop);

      const check = await checkActsAgainstLedger(ctx.database, period);
      expect(check).toMatchObject({ balanced: true, differences: [], actsGrossKop: 1_883_483 });
    });

    it('keeps the grouped lines, the withholding and the PDF as issued', async () => {
      const act = await db()
        .selectFrom('act')
        .selectAll()
        .where('act_number', '=', '2025/000004')
        .executeTakeFirstOrThrow();
      const pdf = await loadActPdf(ctx.database, '2025/000004');
      expect(pdf!.subarray(0, 5).toString()).toBe('%PDF-');
      expect(createHash('sha256').update(pdf!).digest('hex')).toBe(act.pdf_sha256);
      const lines = await db()
        .selectFrom('act_line')
        .select(['section', 'kind', 'accrual_period', 'amount'])
        .where('act_id', '=', act.id)
        .orderBy('line_no')
        .execute();
      expect(lines).toEqual([
        { section: 'period', kind: 'personal', accrual_period: '2025-01', amount: '10000.00' },
        { section: 'period', kind: 'structural', accrual_period: '2025-01', amount: '2500.50' },
        { section: 'correction', kind: 'storno', accrual_period: '2024-10', amount: '-1000.00' },
        { section: 'correction', kind: 'additional', accrual_period: '2024-11', amount: '333.33' },
      ]);
      const withholding = await db()
        .selectFrom('act_withholding')
        .select(['tax_code', 'rate_from', 'amount'])
        .where('act_id', '=', act.id)
        .orderBy('id')
        .execute();
      expect(withholding.map((w) => [w.tax_code, w.rate_from, w.amount])).toEqual([
        ['pdfo', '2016-01', '2130.09'],
        ['military_levy', '2014-08', '-10.00'],
        ['military_levy', '2024-12', '625.03'],
      ]);
    });

    it('issuing the period again changes nothing and spends no number', async () => {
      const again = await issuePeriodActs(ctx.database, period, { intermediary, date: '2025-02-03' });
      expect(again.issued).toEqual([]);
      expect(again.alreadyIssued).toEqual(['K-00012', 'K-00020']);
      expect(await numbersOf(2025)).toEqual([1, 2, 3, 4, 5]);
    });

    it('finds an act that no longer matches the ledger', async () => {
      await db()
        .updateTable('act')
        .set({ gross: '7000.00' })
        .where('act_number', '=', '2025/000005')
        .execute();
      const check = await checkActsAgainstLedger(ctx.database, period);
      expect(check.balanced).toBe(false);
      expect(check.differences).toEqual([
        { consultantCode: 'K-00020', ledgerKop: 700_100, carriedInKop: 0, actKop: 700_000 },
      ]);
      await db()
        .updateTable('act')
        .set({ gross: '7001.00' })
        .where('act_number', '=', '2025/000005')
        .execute();
    });
  });
});
