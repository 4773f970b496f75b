/**
 * Writes a generated demo agency into the database: multi-row inserts in batches, surrogate keys
 * read back once per table by natural key (code, number, tax number) instead of row by row, and the
 * few history changes through recordBitemporal so they look exactly like ones made in the app.
 */
import { type Insertable, type Kysely, sql } from 'kysely';
import { createUser, findUser, type Role } from '../auth';
import type { DB, IsoDate, SqlDialect } from '../db';
import { OPEN_END, recordBitemporal, STILL_KNOWN } from '../db/bitemporal';
import { decimalFromKopiyky } from '../db/money';
import { momentOn } from './calendar';
import type { DemoData } from './generate';
import {
  BRANCHES,
  CAREER_LEVELS,
  CONSULTANT_LOGIN_CODE,
  HEAD_OFFICE,
  INSURERS,
  PRODUCTS,
  STAFF_USERS,
} from './reference';

export interface DemoSummary {
  seed: number;
  today: IsoDate;
  insurers: number;
  products: number;
  /** The head office and its three branches. */
  units: number;
  consultants: number;
  /** Levels of the sponsor tree today, the top consultants counting as level 1. */
  maxDepth: number;
  persons: number;
  applications: number;
  pendingApplications: number;
  policies: number;
  policyVersions: number;
  amendments: number;
  installments: number;
  premiumPayments: number;
  /** Sum of all premium payments written, exact decimal text. */
  premiumPaymentTotal: string;
  periods: number;
  users: number;
  /** The logins the seed added, with their generated passwords: print them once, keep them nowhere. */
  logins: DemoLogin[];
}

export interface DemoLogin {
  login: string;
  role: Role;
  password: string;
}

export type ProgressListener = (step: string, done: number, total: number) => void;

export const SEED_STEPS = [
  'reference data',
  'units and consultants',
  'network history',
  'persons',
  'applications',
  'policies',
  'payment schedule',
  'premium payments',
  'periods and users',
] as const;

/** Who the demo's own rows are recorded by. */
const SEEDER = 'demo-seed';
type Row<T extends keyof DB> = Insertable<DB[T]>;

const INITIAL_REASON = 'Початкове завантаження демонстраційних даних';

// PostgreSQL takes at most 65 535 bind parameters per statement; stay far below.
const MAX_PARAMETERS = 30_000;

async function insertBatches<T extends keyof DB & string>(
  trx: Kysely<DB>,
  table: T,
  rows: Insertable<DB[T]>[],
): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as object).length;
  const size = Math.max(1, Math.min(1000, Math.floor(MAX_PARAMETERS / columns)));
  for (let i = 0; i < rows.length; i += size) {
    await (trx as unknown as Kysely<any>)
      .insertInto(table)
      .values(rows.slice(i, i + size) as any)
      .execute();
  }
}

function need<K, V>(map: Map<K, V>, key: K, what: string): V {
  const value = map.get(key);
  if (value === undefined) throw new Error(`demo seed: ${what} ${String(key)} was not found after insert`);
  return value;
}

export async function writeDemo(
  trx: Kysely<DB>,
  dialect: SqlDialect,
  data: DemoData,
  onProgress: ProgressListener = () => {},
): Promise<DemoSummary> {
  const total = SEED_STEPS.length;
  let done = 0;
  const step = () => onProgress(SEED_STEPS[done], ++done, total);
  const { network, today } = data;
  const founded = network.consultants[0].hiredOn;
  const foundedAt = momentOn(founded, 8);
  const initial = (validFrom: IsoDate, validTo: IsoDate, recordedAt: Date, supersededAt = STILL_KNOWN) => ({
    valid_from: validFrom,
    valid_to: validTo,
    recorded_at: recordedAt,
    superseded_at: supersededAt,
    recorded_by: SEEDER,
    reason: INITIAL_REASON,
  });

  // Reference data may already have been put in place (e.g. by onboarding); only the missing rows are added.
  const existingInsurers = new Set(
    (await trx.selectFrom('insurer').select('code').execute()).map((r) => r.code),
  );
  await insertBatches(
    trx,
    'insurer',
    INSURERS.filter((i) => !existingInsurers.has(i.code)).map((i): Row<'insurer'> => ({
      code: i.code,
      name: i.name,
      company_code: i.companyCode,
      created_at: foundedAt,
    })),
  );
  const insurerIds = new Map(
    (await trx.selectFrom('insurer').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  const productKey = (insurerId: number, code: string) => `${insurerId}:${code}`;
  const existingProducts = new Set(
    (await trx.selectFrom('product').select(['insurer_id', 'code']).execute()).map((r) =>
      productKey(Number(r.insurer_id), r.code),
    ),
  );
  await insertBatches(
    trx,
    'product',
    PRODUCTS.filter(
      (p) => !existingProducts.has(productKey(need(insurerIds, p.insurer, 'insurer'), p.code)),
    ).map((p): Row<'product'> => ({
      insurer_id: need(insurerIds, p.insurer, 'insurer'),
      code: p.code,
      name: p.name,
      product_group: p.group,
      term_years: p.termYears,
      first_year_rate_pct: p.firstYearRatePct,
      renewal_rate_pct: p.renewalRatePct,
    })),
  );
  const productIds = new Map(
    (await trx.selectFrom('product').select(['id', 'insurer_id', 'code']).execute()).map((r) => [
      productKey(Number(r.insurer_id), r.code),
      Number(r.id),
    ]),
  );
  const productId = (insurer: string, code: string) =>
    need(productIds, productKey(need(insurerIds, insurer, 'insurer'), code), 'product');
  const existingLevels = new Set(
    (await trx.selectFrom('career_level').select('code').execute()).map((r) => r.code),
  );
  await insertBatches(
    trx,
    'career_level',
    CAREER_LEVELS.filter((l) => !existingLevels.has(l.code)).map((l): Row<'career_level'> => ({
      code: l.code,
      name: l.name,
      rank_order: l.rank,
    })),
  );
  step();

  // Units and consultants.
  const units = [HEAD_OFFICE, ...BRANCHES];
  const existingUnits = new Set((await trx.selectFrom('unit').select('code').execute()).map((r) => r.code));
  await insertBatches(
    trx,
    'unit',
    units
      .filter((u) => !existingUnits.has(u.code))
      .map((u): Row<'unit'> => ({ code: u.code, name: u.name, city: u.city, created_at: foundedAt })),
  );
  const unitIds = new Map(
    (await trx.selectFrom('unit').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  await insertBatches(
    trx,
    'consultant',
    network.consultants.map((c): Row<'consultant'> => ({
      code: c.code,
      full_name: c.name.fullName,
      tax_number: c.taxNumber,
      legal_form: c.legalForm,
      email: c.email,
      phone: c.phone,
      hired_on: c.hiredOn,
      terminated_on: c.terminatedOn,
      created_at: momentOn(c.hiredOn, 9),
    })),
  );
  const consultantIds = new Map(
    (await trx.selectFrom('consultant').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  const consultantId = (code: string) => need(consultantIds, code, 'consultant');
  const hiredOn = new Map(network.consultants.map((c) => [c.code, c.hiredOn]));

  const structure: Row<'unit_structure'>[] = [
    {
      unit_id: need(unitIds, HEAD_OFFICE.code, 'unit'),
      parent_unit_id: null,
      manager_consultant_id: consultantId(network.branchHeads[0]),
      ...initial(founded, OPEN_END, foundedAt),
    },
    ...BRANCHES.map((branch, i) => {
      const opened = need(hiredOn, network.branchHeads[i], 'consultant');
      return {
        unit_id: need(unitIds, branch.code, 'unit'),
        parent_unit_id: need(unitIds, HEAD_OFFICE.code, 'unit'),
        manager_consultant_id: consultantId(network.branchHeads[i]),
        ...initial(opened, OPEN_END, momentOn(opened, 8)),
      };
    }),
  ];
  await insertBatches(trx, 'unit_structure', structure);
  await insertBatches(
    trx,
    'consultant_sponsor',
    network.consultants.map((c): Row<'consultant_sponsor'> => ({
      consultant_id: consultantId(c.code),
      sponsor_id: c.sponsorCode === null ? null : consultantId(c.sponsorCode),
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
  );
  await insertBatches(
    trx,
    'consultant_unit',
    network.consultants.map((c): Row<'consultant_unit'> => ({
      consultant_id: consultantId(c.code),
      unit_id: need(unitIds, c.unitCode, 'unit'),
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
  );
  await insertBatches(
    trx,
    'consultant_career',
    network.consultants.map((c): Row<'consultant_career'> => ({
      consultant_id: consultantId(c.code),
      level_code: c.initialLevel,
      source: 'initial' as const,
      approved_by: null,
      approved_at: null,
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
  );
  // A status change is written as the app would have: the open 'active' row is superseded when the
  // change becomes known and recorded again up to the change, beside the new status.
  await insertBatches(
    trx,
    'consultant_activity_status',
    network.consultants.flatMap((c) => {
      const id = consultantId(c.code);
      const row = (
        status: (typeof c.statuses)[number]['status'],
        from: IsoDate,
        to: IsoDate,
        at: Date,
        until?: Date,
      ): Row<'consultant_activity_status'> => ({
        consultant_id: id,
        status,
        source: 'initial' as const,
        ...initial(from, to, at, until),
      });
      const hiredAt = momentOn(c.hiredOn, 9);
      if (c.statuses.length === 1) return [row('active', c.hiredOn, OPEN_END, hiredAt)];
      const [active, later] = c.statuses;
      const knownAt = momentOn(later.validFrom, 9);
      return [
        row('active', c.hiredOn, OPEN_END, hiredAt, knownAt),
        row('active', active.validFrom, active.validTo, knownAt),
        row(later.status, later.validFrom, OPEN_END, knownAt),
      ];
    }),
  );
  step();

  // History of the recent months, in the order it was entered.
  const changes = [
    ...network.sponsorChanges.map((change) => ({ at: change.recordedAt, kind: 'sponsor' as const, change })),
    ...network.promotions.map((change) => ({ at: change.recordedAt, kind: 'career' as const, change })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const audit: Row<'audit_log'>[] = [];
  for (const entry of changes) {
    const id = consultantId(entry.change.consultantCode);
    const when = {
      validFrom: entry.change.validFrom,
      recordedAt: entry.at,
      recordedBy: 'backoffice',
      reason: entry.change.reason,
    };
    if (entry.kind === 'sponsor') {
      const superseded = await recordBitemporal(
        trx,
        'consultant_sponsor',
        'consultant_id',
        id,
        { sponsor_id: consultantId(entry.change.sponsorCode) },
        when,
      );
      audit.push({
        occurred_at: entry.at,
        actor: 'backoffice',
        action: 'consultant.sponsor_changed',
        entity_kind: 'consultant',
        entity_id: String(id),
        before_state: dialect.json({ sponsorId: superseded[0]?.sponsor_id ?? null }),
        after_state: dialect.json({
          sponsorId: consultantId(entry.change.sponsorCode),
          validFrom: entry.change.validFrom,
        }),
        reason: entry.change.reason,
      });
    } else {
      const superseded = await recordBitemporal(
        trx,
        'consultant_career',
        'consultant_id',
        id,
        {
          level_code: entry.change.levelCode,
          source: entry.change.source,
          approved_by: 'backoffice',
          approved_at: entry.at,
        },
        when,
      );
      audit.push({
        occurred_at: entry.at,
        actor: 'backoffice',
        action: 'consultant.career_changed',
        entity_kind: 'consultant',
        entity_id: String(id),
        before_state: dialect.json({ levelCode: superseded[0]?.level_code ?? null }),
        after_state: dialect.json({ levelCode: entry.change.levelCode, validFrom: entry.change.validFrom }),
        reason: entry.change.reason,
      });
    }
  }
  await insertBatches(trx, 'audit_log', audit);
  step();

  await insertBatches(
    trx,
    'person',
    data.persons.map((p): Row<'person'> => ({
      person_kind: p.kind,
      full_name: p.fullName,
      tax_number: p.taxNumber,
      company_code: p.companyCode,
      birth_date: p.birthDate,
      created_at: p.createdAt,
    })),
  );
  const personIds = new Map<string, number>();
  for (const r of await trx.selectFrom('person').select(['id', 'tax_number', 'company_code']).execute()) {
    personIds.set((r.tax_number ?? r.company_code)!, Number(r.id));
  }
  const personId = (key: string) => need(personIds, key, 'person');
  const maybePerson = (key: string | null) => (key === null ? null : personId(key));
  step();

  await insertBatches(
    trx,
    'application',
    data.applications.map((a): Row<'application'> => ({
      number: a.number,
      insurer_id: need(insurerIds, a.insurer, 'insurer'),
      product_id: productId(a.insurer, a.productCode),
      consultant_id: consultantId(a.consultantCode),
      policyholder_id: personId(a.holderKey),
      insured_person_id: maybePerson(a.insuredKey),
      signed_on: a.signedOn,
      sum_insured: decimalFromKopiyky(a.sumInsured),
      premium: decimalFromKopiyky(a.premium),
      payment_frequency: a.frequency,
      status: a.status,
      status_reason: a.statusReason,
      policy_id: null,
      details: dialect.json(a.details),
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    })),
  );
  const applicationIds = new Map(
    (await trx.selectFrom('application').select(['id', 'number']).execute()).map((r) => [
      r.number,
      Number(r.id),
    ]),
  );
  step();

  await insertBatches(
    trx,
    'policy',
    data.policies.map((p): Row<'policy'> => ({
      insurer_id: need(insurerIds, p.insurer, 'insurer'),
      number: p.number,
      product_id: productId(p.insurer, p.productCode),
      application_id:
        p.applicationNumber === null ? null : need(applicationIds, p.applicationNumber, 'application'),
      created_at: p.createdAt,
    })),
  );
  const policyIds = new Map(
    (await trx.selectFrom('policy').select(['id', 'number']).execute()).map((r) => [r.number, Number(r.id)]),
  );
  const policyId = (number: string) => need(policyIds, number, 'policy');
  // The application learns its policy once the policy exists. A CASE over the ids sets a batch in
  // one statement; the ids are our own integers, so they go in as literals and keep their type.
  const issued = data.policies
    .filter((p) => p.applicationNumber !== null)
    .map((p) => [need(applicationIds, p.applicationNumber!, 'application'), policyId(p.number)] as const);
  for (let i = 0; i < issued.length; i += 500) {
    const batch = issued.slice(i, i + 500);
    const policyOf = sql<number>`case ${sql.join(
      batch.map(
        ([application, policy]) =>
          sql`when ${sql.ref('id')} = ${sql.lit(application)} then ${sql.lit(policy)}`,
      ),
      sql` `,
    )} end`;
    await trx
      .updateTable('application')
      .set({ policy_id: policyOf })
      .where(
        'id',
        'in',
        batch.map(([application]) => application),
      )
      .execute();
  }

  const amended = data.policies.filter((p) => p.amendment !== null);
  await insertBatches(
    trx,
    'amendment',
    amended.map((p): Row<'amendment'> => ({
      policy_id: policyId(p.number),
      amendment_no: p.amendment!.amendmentNo,
      signed_on: p.amendment!.signedOn,
      effective_on: p.amendment!.effectiveOn,
      change_kind: p.amendment!.kind,
      new_value: p.amendment!.newValue,
      details: dialect.json(p.amendment!.details),
      source_message_id: null,
      recorded_at: p.amendment!.recordedAt,
    })),
  );
  const amendmentIds = new Map(
    (await trx.selectFrom('amendment').select(['id', 'policy_id', 'amendment_no']).execute()).map((r) => [
      `${r.policy_id}:${r.amendment_no}`,
      Number(r.id),
    ]),
  );
  const versions = data.policies.flatMap((p) =>
    p.versions.map((v): Row<'policy_version'> => ({
      policy_id: policyId(p.number),
      version_no: v.versionNo,
      valid_from: v.validFrom,
      recorded_at: v.recordedAt,
      consultant_id: consultantId(v.consultantCode),
      agent_code: v.consultantCode,
      policyholder_id: personId(v.holderKey),
      insured_person_id: maybePerson(v.insuredKey),
      issued_on: v.issuedOn,
      cover_start: v.coverStart,
      cover_end: v.coverEnd,
      sum_insured: decimalFromKopiyky(v.sumInsured),
      annual_premium: decimalFromKopiyky(v.annualPremium),
      payment_frequency: v.frequency,
      status: v.status,
      status_date: v.statusDate,
      amendment_id:
        v.amendmentNo === null
          ? null
          : need(amendmentIds, `${policyId(p.number)}:${v.amendmentNo}`, 'amendment'),
      source_message_id: null,
    })),
  );
  await insertBatches(trx, 'policy_version', versions);
  step();

  const installments = data.policies.flatMap((p) => {
    const id = policyId(p.number);
    return p.schedule.map((s): Row<'payment_schedule'> => ({
      policy_id: id,
      installment_no: s.installmentNo,
      due_on: s.dueOn,
      amount: decimalFromKopiyky(s.amount),
      policy_year: s.policyYear,
    }));
  });
  await insertBatches(trx, 'payment_schedule', installments);
  step();

  let paymentTotal = 0;
  const payments = data.policies.flatMap((p) => {
    const id = policyId(p.number);
    return p.payments.map((payment): Row<'premium_payment'> => {
      paymentTotal += payment.amount;
      return {
        policy_id: id,
        paid_on: payment.paidOn,
        amount: decimalFromKopiyky(payment.amount),
        cover_from: payment.coverFrom,
        cover_to: payment.coverTo,
        policy_year: payment.policyYear,
        external_key: payment.externalKey,
        source_message_id: null,
        source_row: null,
        recorded_at: payment.recordedAt,
      };
    });
  });
  await insertBatches(trx, 'premium_payment', payments);
  step();

  const existingPeriods = new Set(
    (await trx.selectFrom('production_period').select('code').execute()).map((r) => r.code),
  );
  await insertBatches(
    trx,
    'production_period',
    data.periods
      .filter((p) => !existingPeriods.has(p.code))
      .map((p): Row<'production_period'> => ({
        code: p.code,
        starts_on: p.startsOn,
        ends_on: p.endsOn,
        status: 'open' as const,
        calculated_at: null,
        closed_at: null,
        closed_by: null,
      })),
  );

  // One login per role, through the users module, each with a generated password handed out once;
  // a login someone already added (the first administrator) is kept as it is.
  const seller = network.consultants.find((c) => c.code === CONSULTANT_LOGIN_CODE)!;
  const users = [
    ...STAFF_USERS.map((u) => ({ ...u, consultantCode: undefined as string | undefined })),
    {
      login: CONSULTANT_LOGIN_CODE.toLowerCase(),
      fullName: seller.name.fullName,
      role: 'consultant' as const,
      unitCode: undefined as string | undefined,
      consultantCode: seller.code as string | undefined,
    },
  ];
  const logins: DemoLogin[] = [];
  for (const u of users) {
    if (await findUser({ db: trx, dialect }, u.login)) continue;
    const created = await createUser(
      { db: trx, dialect },
      {
        login: u.login,
        role: u.role,
        displayName: u.fullName,
        consultantCode: u.consultantCode,
        unitCode: u.unitCode,
      },
      'demo',
    );
    logins.push({ login: created.user.login, role: created.user.role, password: created.password });
  }
  step();

  return {
    seed: data.seed,
    today,
    insurers: INSURERS.length,
    products: PRODUCTS.length,
    units: units.length,
    consultants: network.consultants.length,
    maxDepth: network.maxDepth,
    persons: data.persons.length,
    applications: data.applications.length,
    pendingApplications: data.applications.filter((a) => a.status === 'pending').length,
    policies: data.policies.length,
    policyVersions: versions.length,
    amendments: amended.length,
    installments: installments.length,
    premiumPayments: payments.length,
    premiumPaymentTotal: decimalFromKopiyky(paymentTotal),
    periods: data.periods.length,
    users: users.length,
    logins,
  };
}
