/**
 * The demo seed, checked the way someone opening the demo would: the insurers of the spec sheets,
 * a six-level network across three branches, ~2,000 policies in each insurer's numbering, premium
 * payments in six months whose sum is exact, history to look at, logins, and a seed that is refused
 * the second time and repeats itself exactly.
 */
import { type Kysely, sql } from 'kysely';
import { listUsers, login } from '../../src/auth';
import { asOf, kopiykyFromDecimal, STILL_KNOWN } from '../../src/db';
import {
  buildDemoData,
  DemoSeedRefusedError,
  type DemoSummary,
  isDemoSeeded,
  SEED_STEPS,
  seedDemo,
} from '../../src/demo';
import { describeEachEngine, openTestDatabase } from '../support/engines';

const TODAY = '2026-11-27';
const SAMPLE_CODES = ['K-00012', 'K-00013', 'K-00021', 'K-00031', 'K-00032', 'K-00047'];
const SEED_TIMEOUT = 180_000;

describeEachEngine('demo seed', (ctx) => {
  let summary: DemoSummary;
  let seededBefore: boolean;
  const progress: string[] = [];
  let db: Kysely<any>;

  beforeAll(async () => {
    db = ctx.database.db as unknown as Kysely<any>;
    seededBefore = await isDemoSeeded(ctx.database);
    const started = Date.now();
    summary = await seedDemo(ctx.database, {
      onProgress: (step, done, total) => progress.push(`${done}/${total} ${step}`),
    });
    console.log(
      `demo seed on ${ctx.database.engine}: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      summary,
    );
  }, SEED_TIMEOUT);

  it('flips isDemoSeeded and reports every step', async () => {
    expect(seededBefore).toBe(false);
    expect(await isDemoSeeded(ctx.database)).toBe(true);
    expect(progress).toEqual(SEED_STEPS.map((step, i) => `${i + 1}/${SEED_STEPS.length} ${step}`));
  });

  it('has the three insurers of the spec sheets with their products and agreed rates', async () => {
    const insurers = await db
      .selectFrom('insurer')
      .select(['code', 'name', 'company_code'])
      .orderBy('code')
      .execute();
    expect(insurers).toEqual([
      { code: 'DNIPRO_LIFE', name: 'ПрАТ «СК «Дніпро Життя»»', company_code: '30115942' },
      { code: 'KARPATY', name: 'ПрАТ «Карпати Страхування»', company_code: '21870998' },
      { code: 'POLISSIA', name: 'ТДВ «СК «Полісся»»', company_code: '33908150' },
    ]);
    const products = await db
      .selectFrom('product as p')
      .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
      .select([
        'i.code as insurer',
        'p.code',
        'p.product_group',
        'p.term_years',
        'p.first_year_rate_pct',
        'p.renewal_rate_pct',
      ])
      .orderBy('p.code')
      .execute();
    const rates = Object.fromEntries(
      products.map((p) => [
        p.code,
        `${p.insurer} ${p.product_group} ${p.term_years ?? '-'}y ${Number(p.first_year_rate_pct)}/${Number(p.renewal_rate_pct)}`,
      ]),
    );
    expect(rates).toEqual({
      'DL-SAV10': 'DNIPRO_LIFE savings 10y 25/8',
      'DL-SAV20': 'DNIPRO_LIFE savings 20y 30/8',
      'DL-RISK1': 'DNIPRO_LIFE term_life 1y 20/20',
      'KASKO-STD': 'KARPATY motor 1y 15/15',
      'KASKO-PRM': 'KARPATY motor 1y 17/17',
      'PROP-HOME': 'KARPATY property 1y 25/25',
      'ACC-FAM': 'KARPATY accident 1y 30/30',
      'TRV-EU': 'POLISSIA travel -y 30/30',
      'ACC-IND': 'POLISSIA accident 1y 35/35',
      OSCPV: 'POLISSIA mtpl 1y 12/12',
    });
    const levels = await db
      .selectFrom('career_level')
      .select(['code', 'rank_order'])
      .orderBy('rank_order')
      .execute();
    expect(levels.map((l) => l.code)).toEqual([
      'CONSULTANT',
      'SENIOR_CONSULTANT',
      'MANAGER',
      'SENIOR_MANAGER',
      'DIRECTOR',
    ]);
  });

  it('has about 200 consultants with the codes the sample files use, valid tax numbers and a mix of legal forms', async () => {
    const consultants = await db
      .selectFrom('consultant')
      .select(['code', 'full_name', 'tax_number', 'legal_form', 'hired_on'])
      .execute();
    expect(consultants.length).toBeGreaterThanOrEqual(180);
    expect(consultants.length).toBeLessThanOrEqual(220);
    expect(summary.consultants).toBe(consultants.length);
    const codes = new Set(consultants.map((c) => c.code));
    for (const code of SAMPLE_CODES) expect(codes.has(code)).toBe(true);
    // Dnipro Life's contracts sample cites K-99999 on purpose as an unknown agent.
    expect(codes.has('K-99999')).toBe(false);
    expect(codes.size).toBe(consultants.length);
    for (const c of consultants) {
      expect(c.code).toMatch(/^K-\d{5}$/);
      expect(c.tax_number).toMatch(/^\d{10}$/);
      expect(c.full_name.split(' ')).toHaveLength(3);
    }
    expect(new Set(consultants.map((c) => c.tax_number)).size).toBe(consultants.length);
    const soleProprietors =
      consultants.filter((c) => c.legal_form === 'sole_proprietor').length / consultants.length;
    expect(soleProprietors).toBeGreaterThan(0.2);
    expect(soleProprietors).toBeLessThan(0.4);
    const hiringYears = new Set(consultants.map((c) => c.hired_on.slice(0, 4)));
    expect(hiringYears.size).toBeGreaterThanOrEqual(6);
    // Patronymics are in their male or female form.
    for (const c of consultants) {
      const [, , patronymic] = c.full_name.split(' ');
      expect(patronymic).toMatch(/(ович|івна|ївна|ліч)$/);
    }
  });

  it('gives every consultant exactly one current sponsor row, empty only for the top of the network', async () => {
    const rows = await asOf(db.selectFrom('consultant_sponsor as s'), 's', TODAY, new Date())
      .select(['s.consultant_id', 's.sponsor_id'])
      .execute();
    const consultants = await db.selectFrom('consultant').select('id').execute();
    const perConsultant = new Map<number, number>();
    for (const r of rows)
      perConsultant.set(Number(r.consultant_id), (perConsultant.get(Number(r.consultant_id)) ?? 0) + 1);
    expect(perConsultant.size).toBe(consultants.length);
    expect([...perConsultant.values()].every((n) => n === 1)).toBe(true);
    expect(rows.filter((r) => r.sponsor_id === null)).toHaveLength(3);
  });

  /** Depth of every consultant in today's sponsor tree, by a recursive query of its own. */
  const depths = async () =>
    (await ctx.database.dialect
      .withRecursive(db)('tree(consultant_id, depth)', (qb: any) =>
        asOf(qb.selectFrom('consultant_sponsor as r'), 'r', TODAY, new Date())
          .where('r.sponsor_id', 'is', null)
          .select(['r.consultant_id', sql<number>`1`.as('depth')])
          .unionAll((union: any) =>
            asOf(
              union
                .selectFrom('consultant_sponsor as s')
                .innerJoin('tree as t', 't.consultant_id', 's.sponsor_id'),
              's',
              TODAY,
              new Date(),
            ).select(['s.consultant_id', sql<number>`t.depth + 1`.as('depth')]),
          ),
      )
      .selectFrom('tree')
      .select(['consultant_id', 'depth'])
      .execute()) as { consultant_id: number; depth: number }[];

  it('has a sponsor tree exactly six levels deep that reaches every consultant', async () => {
    const tree = await depths();
    expect(Math.max(...tree.map((t) => Number(t.depth)))).toBe(6);
    expect(summary.maxDepth).toBe(6);
    expect(tree).toHaveLength(summary.consultants);
    expect(new Set(tree.map((t) => Number(t.consultant_id))).size).toBe(summary.consultants);
  });

  it('puts the higher career levels nearer the top of the tree', async () => {
    const depthOf = new Map((await depths()).map((t) => [Number(t.consultant_id), Number(t.depth)]));
    const careers = await asOf(db.selectFrom('consultant_career as c'), 'c', TODAY, new Date())
      .innerJoin('career_level as l', 'l.code', 'c.level_code')
      .select(['c.consultant_id', 'l.rank_order'])
      .execute();
    expect(careers).toHaveLength(summary.consultants);
    const meanDepth = (rank: number) => {
      const at = careers
        .filter((c) => c.rank_order === rank)
        .map((c) => depthOf.get(Number(c.consultant_id))!);
      expect(at.length).toBeGreaterThan(0);
      return at.reduce((s, d) => s + d, 0) / at.length;
    };
    expect(meanDepth(5)).toBe(1);
    expect(meanDepth(4)).toBeLessThan(meanDepth(2));
    expect(meanDepth(3)).toBeLessThan(meanDepth(1));
    const initial = await db
      .selectFrom('consultant_career')
      .where('source', '=', 'initial')
      .select('id')
      .execute();
    expect(initial.length).toBeGreaterThanOrEqual(summary.consultants);
  });

  it('gives every consultant one current activity status, with some inactive and a few terminated', async () => {
    const statuses = await asOf(db.selectFrom('consultant_activity_status as a'), 'a', TODAY, new Date())
      .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
      .select(['a.consultant_id', 'a.status', 'c.terminated_on'])
      .execute();
    expect(statuses).toHaveLength(summary.consultants);
    const count = (status: string) => statuses.filter((s) => s.status === status).length;
    expect(count('active')).toBeGreaterThan(150);
    expect(count('inactive')).toBeGreaterThan(5);
    expect(count('terminated')).toBeGreaterThan(2);
    for (const s of statuses) expect(s.terminated_on !== null).toBe(s.status === 'terminated');
  });

  it('spreads the consultants over three branches under the head office, each with a manager', async () => {
    const structure = await asOf(db.selectFrom('unit_structure as us'), 'us', TODAY, new Date())
      .innerJoin('unit as u', 'u.id', 'us.unit_id')
      .leftJoin('unit as parent', 'parent.id', 'us.parent_unit_id')
      .select(['u.code', 'u.city', 'parent.code as parent', 'us.manager_consultant_id'])
      .orderBy('u.code')
      .execute();
    expect(structure.map((s) => `${s.code}<${s.parent ?? '-'}`)).toEqual([
      'DNIPRO<HQ',
      'HQ<-',
      'KYIV<HQ',
      'LVIV<HQ',
    ]);
    expect(structure.every((s) => s.manager_consultant_id !== null)).toBe(true);
    const perUnit = await asOf(db.selectFrom('consultant_unit as cu'), 'cu', TODAY, new Date())
      .innerJoin('unit as u', 'u.id', 'cu.unit_id')
      .select(['u.code', (eb: any) => eb.fn.countAll().as('n')])
      .groupBy('u.code')
      .orderBy('u.code')
      .execute();
    expect(perUnit.map((r) => r.code)).toEqual(['DNIPRO', 'KYIV', 'LVIV']);
    for (const r of perUnit) expect(Number(r.n)).toBeGreaterThanOrEqual(20);
    // Each branch is managed by a consultant of that branch.
    for (const s of structure.filter((x) => x.parent === 'HQ')) {
      const unit = await asOf(db.selectFrom('consultant_unit as cu'), 'cu', TODAY, new Date())
        .innerJoin('unit as u', 'u.id', 'cu.unit_id')
        .where('cu.consultant_id', '=', s.manager_consultant_id)
        .select('u.code')
        .executeTakeFirstOrThrow();
      expect(unit.code).toBe(s.code);
    }
  });

  it('keeps history: three sponsor changes and five promotions in the recent months', async () => {
    const sponsorHistory = await db
      .selectFrom('consultant_sponsor')
      .where('superseded_at', '<', STILL_KNOWN)
      .select(['consultant_id', 'superseded_at'])
      .execute();
    expect(sponsorHistory).toHaveLength(3);
    const careerHistory = await db
      .selectFrom('consultant_career')
      .where('superseded_at', '<', STILL_KNOWN)
      .select(['consultant_id'])
      .execute();
    expect(careerHistory).toHaveLength(5);
    const promotions = await db
      .selectFrom('consultant_career')
      .where('source', 'in', ['calculation', 'manual'])
      .where('superseded_at', '=', STILL_KNOWN)
      .select(['consultant_id', 'valid_from', 'level_code'])
      .execute();
    expect(promotions).toHaveLength(5);
    for (const p of promotions) {
      expect(p.valid_from >= '2026-05-01' && p.valid_from < TODAY).toBe(true);
      // The level before the promotion is still known for the time before it.
      const before = await asOf(db.selectFrom('consultant_career as c'), 'c', '2026-04-15', new Date())
        .where('c.consultant_id', '=', p.consultant_id)
        .select('c.level_code')
        .executeTakeFirstOrThrow();
      expect(before.level_code).not.toBe(p.level_code);
    }
    const audit = await db.selectFrom('audit_log').select('action').execute();
    expect(audit.filter((a) => a.action === 'consultant.sponsor_changed')).toHaveLength(3);
    expect(audit.filter((a) => a.action === 'consultant.career_changed')).toHaveLength(5);
  });

  it('has about 2,000 policies in each insurer numbering style, none clashing with the sample files', async () => {
    const policies = await db
      .selectFrom('policy as p')
      .innerJoin('insurer as i', 'i.id', 'p.insurer_id')
      .select(['p.number', 'i.code as insurer'])
      .execute();
    expect(policies.length).toBeGreaterThanOrEqual(1800);
    expect(policies.length).toBeLessThanOrEqual(2200);
    const style: Record<string, RegExp> = {
      DNIPRO_LIFE: /^DL-20\d\d-\d{6}$/,
      KARPATY: /^KR-(KS|KP|PH|AF)-\d\d-\d{6}$/,
      POLISSIA: /^PL-(TRV|ACC|OSC)-\d{7}$/,
    };
    for (const p of policies) expect(p.number).toMatch(style[p.insurer]);
    for (const insurer of Object.keys(style))
      expect(policies.filter((p) => p.insurer === insurer).length).toBeGreaterThan(300);
    const numbers = new Set(policies.map((p) => p.number));
    for (const sample of [
      'DL-2026-000101',
      'DL-2026-000112',
      'KR-KS-26-004411',
      'PL-ACC-0000452',
      'PL-ACC-0000999',
      'PL-OSC-0077120',
    ]) {
      expect(numbers.has(sample)).toBe(false);
    }
  });

  it('writes version 1 for every policy and a version 2 that cites the amendment that made it', async () => {
    const versions = await db
      .selectFrom('policy_version as v')
      .leftJoin('amendment as a', 'a.id', 'v.amendment_id')
      .select([
        'v.policy_id',
        'v.version_no',
        'v.status',
        'v.valid_from',
        'v.sum_insured',
        'a.change_kind',
        'a.effective_on',
      ])
      .execute();
    const firsts = versions.filter((v) => v.version_no === 1);
    expect(firsts).toHaveLength(summary.policies);
    const amended = versions.filter((v) => v.change_kind !== null);
    expect(new Set(amended.map((v) => v.change_kind))).toEqual(
      new Set(['sum_change', 'termination', 'cancellation']),
    );
    for (const v of amended) {
      expect(v.version_no).toBe(2);
      expect(v.valid_from).toBe(v.effective_on);
      const first = firsts.find((f) => f.policy_id === v.policy_id)!;
      expect(v.valid_from > first.valid_from).toBe(true);
      if (v.change_kind === 'sum_change')
        expect(kopiykyFromDecimal(v.sum_insured)).toBeGreaterThan(kopiykyFromDecimal(first.sum_insured));
      else expect(['terminated', 'cancelled']).toContain(v.status);
    }
    expect(amended.length).toBe(summary.amendments);
    const people = await db
      .selectFrom('policy_version')
      .where('version_no', '=', 1)
      .select(['policyholder_id', 'insured_person_id'])
      .execute();
    const holderInsured =
      people.filter((p) => p.insured_person_id === p.policyholder_id).length / people.length;
    expect(holderInsured).toBeGreaterThan(0.8);
    expect(holderInsured).toBeLessThan(1);
  });

  it('puts the premium payments in the six months before today, with an exact sum', async () => {
    const payments = await db
      .selectFrom('premium_payment')
      .select(['paid_on', 'amount', 'external_key'])
      .execute();
    expect(payments).toHaveLength(summary.premiumPayments);
    const months = [...new Set(payments.map((p) => p.paid_on.slice(0, 7)))].sort();
    expect(months).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(new Set(payments.map((p) => p.external_key)).size).toBe(payments.length);
    expect(payments.every((p) => /^demo:.+:\d+$/.test(p.external_key))).toBe(true);

    const expected = buildDemoData({ today: TODAY })
      .policies.flatMap((p) => p.payments)
      .reduce((sum, p) => sum + p.amount, 0);
    const total = (await db
      .selectFrom('premium_payment')
      .select((eb: any) => eb.fn.sum('amount').as('total'))
      .executeTakeFirstOrThrow()) as { total: string };
    expect(kopiykyFromDecimal(String(total.total))).toBe(expected);
    expect(kopiykyFromDecimal(summary.premiumPaymentTotal)).toBe(expected);
    expect(payments.reduce((sum, p) => sum + kopiykyFromDecimal(p.amount), 0)).toBe(expected);
    // Mistyped amounts are reversed by a negative row, as insurers do it.
    expect(payments.some((p) => kopiykyFromDecimal(p.amount) < 0)).toBe(true);
  });

  it('makes each premium payment match an installment of the payment calendar by frequency', async () => {
    const rows = await db
      .selectFrom('premium_payment as pp')
      .innerJoin('policy_version as v', (j: any) =>
        j.onRef('v.policy_id', '=', 'pp.policy_id').on('v.version_no', '=', 1),
      )
      .leftJoin('payment_schedule as s', (j: any) =>
        j.onRef('s.policy_id', '=', 'pp.policy_id').onRef('s.due_on', '=', 'pp.cover_from'),
      )
      .select([
        'pp.policy_id',
        'pp.amount',
        'pp.paid_on',
        'pp.policy_year',
        'pp.cover_from',
        's.amount as due',
        's.policy_year as due_year',
        'v.payment_frequency',
        'v.cover_start',
      ])
      .execute();
    const reversals = rows.filter((r) => kopiykyFromDecimal(r.amount) < 0).length;
    expect(rows.every((r) => r.due !== null)).toBe(true);
    // Every payment is the installment due, except a mistyped one and its reversal.
    const offSchedule = rows.filter((r) => r.amount !== r.due).length;
    expect(offSchedule).toBe(2 * reversals);
    expect(rows.every((r) => r.policy_year === r.due_year)).toBe(true);
    // The policy year counts whole years of cover before the installment (installments fall on
    // monthly anniversaries of the cover start, so whole months are enough).
    const yearOf = (start: string, on: string) => {
      const months =
        (Number(on.slice(0, 4)) - Number(start.slice(0, 4))) * 12 +
        Number(on.slice(5, 7)) -
        Number(start.slice(5, 7));
      return Math.floor(months / 12) + 1;
    };
    expect(rows.every((r) => r.policy_year === yearOf(r.cover_start, r.cover_from))).toBe(true);
    expect(rows.some((r) => r.policy_year > 1)).toBe(true);
    // Monthly payers pay about monthly; annual payers pay once (corrections aside).
    const months = new Map<number, { frequency: number; months: Set<string>; positive: number }>();
    for (const r of rows) {
      const entry = months.get(r.policy_id) ?? {
        frequency: r.payment_frequency,
        months: new Set<string>(),
        positive: 0,
      };
      entry.months.add(r.paid_on.slice(0, 7));
      if (kopiykyFromDecimal(r.amount) > 0 && r.amount === r.due) entry.positive++;
      months.set(r.policy_id, entry);
    }
    const annual = [...months.values()].filter((m) => m.frequency === 1);
    expect(annual.every((m) => m.positive === 1)).toBe(true);
    const monthly = [...months.values()].filter((m) => m.frequency === 12);
    expect(monthly.filter((m) => m.months.size >= 5).length).toBeGreaterThan(50);
    const quarterly = [...months.values()].filter((m) => m.frequency === 4);
    expect(quarterly.every((m) => m.positive <= 3)).toBe(true);
  });

  it('leaves pending applications for each insurer, for the next register', async () => {
    const pending = await db
      .selectFrom('application as a')
      .innerJoin('insurer as i', 'i.id', 'a.insurer_id')
      .where('a.status', '=', 'pending')
      .select(['i.code', 'a.policy_id', 'a.signed_on'])
      .execute();
    for (const code of ['DNIPRO_LIFE', 'KARPATY', 'POLISSIA'])
      expect(pending.filter((p) => p.code === code).length).toBeGreaterThanOrEqual(10);
    expect(pending.every((p) => p.policy_id === null && p.signed_on < TODAY)).toBe(true);
    // Motor applications carry the vehicle Karpaty's ApplicationBatch asks for.
    const motor = await db
      .selectFrom('application as a')
      .innerJoin('product as p', 'p.id', 'a.product_id')
      .where('p.code', '=', 'KASKO-STD')
      .select('a.details')
      .execute();
    expect(motor.length).toBeGreaterThan(0);
    for (const m of motor) {
      const details = ctx.database.dialect.readJson<{
        vehicle: { vin: string; plate: string; year: number };
      }>(m.details);
      expect(details?.vehicle.vin).toMatch(/^[A-HJ-NPR-Z0-9]{17}$/);
      expect(details?.vehicle.plate).toMatch(/^[А-ЯІ]{2}\d{4}[А-ЯІ]{2}$/);
    }
    const issued = await db
      .selectFrom('application as a')
      .innerJoin('policy as p', 'p.id', 'a.policy_id')
      .where('a.status', '=', 'issued')
      .select(['a.id', 'p.application_id'])
      .execute();
    expect(issued.length).toBeGreaterThan(1000);
    expect(issued.every((r) => r.application_id === r.id)).toBe(true);
  });

  it('opens the production periods of the payment months and the current month', async () => {
    const periods = await db
      .selectFrom('production_period')
      .select(['code', 'status', 'starts_on', 'ends_on'])
      .orderBy('code')
      .execute();
    expect(periods.map((p) => `${p.code} ${p.status}`)).toEqual(
      ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10', '2026-11'].map((c) => `${c} open`),
    );
    expect(periods[1]).toMatchObject({ starts_on: '2026-06-01', ends_on: '2026-06-30' });
  });

  it('creates one login per role through the users module, each with a password handed out once', async () => {
    const users = await listUsers(ctx.database);
    expect(users.map((u) => `${u.login}:${u.role}:${u.consultantCode ?? ''}:${u.unitCode ?? ''}`)).toEqual([
      'admin:administrator::',
      'backoffice:back_office::',
      'integration:integration::',
      'k-00012:consultant:K-00012:',
      'manager:manager::LVIV',
    ]);
    expect(summary.users).toBe(5);
    expect(summary.logins.map((l) => l.login).sort()).toEqual(users.map((u) => u.login));
    for (const l of summary.logins) {
      expect(l.password).toMatch(/^[A-Za-z0-9]{20}$/);
      const session = await login(ctx.database, { login: l.login, password: l.password });
      expect(session.user.role).toBe(l.role);
    }
  });

  it('refuses a second seed with a clear message and changes nothing', async () => {
    await expect(seedDemo(ctx.database)).rejects.toThrow(DemoSeedRefusedError);
    await expect(seedDemo(ctx.database)).rejects.toThrow(
      /already has \d+ consultant.*only fills an empty database/,
    );
    const count = (await db
      .selectFrom('policy')
      .select((eb: any) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()) as { n: number | string };
    expect(Number(count.n)).toBe(summary.policies);
  });
});

describe('demo seed repeats itself [pglite]', () => {
  it(
    'gives identical consultants and payments for the same seed on two fresh databases',
    async () => {
      const read = async () => {
        const database = await openTestDatabase('pglite');
        try {
          const started = Date.now();
          const cpuBefore = process.cpuUsage();
          const summary = await seedDemo(database, { seed: 7 });
          const cpu = process.cpuUsage(cpuBefore);
          const seconds = (Date.now() - started) / 1000;
          const cpuSeconds = (cpu.user + cpu.system) / 1e6;
          const names = await database.db
            .selectFrom('consultant')
            .select(['code', 'full_name'])
            .orderBy('code')
            .execute();
          const total = await database.db
            .selectFrom('premium_payment')
            .select((eb) => eb.fn.sum<string>('amount').as('total'))
            .executeTakeFirstOrThrow();
          return { summary, seconds, cpuSeconds, names, total: String(total.total) };
        } finally {
          await database.drop();
        }
      };
      const first = await read();
      const second = await read();
      console.log(
        `demo seed on a fresh PGlite: ${first.seconds.toFixed(1)} s and ${second.seconds.toFixed(1)} s ` +
          `(CPU ${first.cpuSeconds.toFixed(1)} s and ${second.cpuSeconds.toFixed(1)} s)`,
      );
      expect(second.names).toEqual(first.names);
      expect(second.total).toBe(first.total);
      // The same agency; only the generated passwords differ.
      const withoutPasswords = (summary: DemoSummary) => ({
        ...summary,
        logins: summary.logins.map((l) => l.login),
      });
      expect(withoutPasswords(second.summary)).toEqual(withoutPasswords(first.summary));
      // CPU time rather than wall time: the machine is shared, and PGlite works in this process.
      expect(first.cpuSeconds).toBeLessThan(20);
      // A different seed gives a different agency.
      const other = buildDemoData({ seed: 8 });
      expect(other.network.consultants.map((c) => c.name.fullName)).not.toEqual(
        first.names.map((n) => n.full_name),
      );
    },
    SEED_TIMEOUT,
  );

  it(
    'leaves nothing behind when the seed fails half way',
    async () => {
      const database = await openTestDatabase('pglite');
      try {
        await expect(
          seedDemo(database, {
            onProgress: (step) => {
              if (step === 'policies') throw new Error('disk full');
            },
          }),
        ).rejects.toThrow('disk full');
        expect(await isDemoSeeded(database)).toBe(false);
        const left = await database.db
          .selectFrom('policy')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow();
        expect(Number(left.n)).toBe(0);
        for (const table of [
          'insurer',
          'consultant',
          'person',
          'application',
          'consultant_sponsor',
        ] as const) {
          expect(await database.db.selectFrom(table).select('id').execute()).toHaveLength(0);
        }
      } finally {
        await database.drop();
      }
    },
    SEED_TIMEOUT,
  );
});
