/**
 * Writes a generated demo agency into the database through the services that own each table, as an
 * agency's existing records would come in: the catalogue adds the insurers and products, the plan's
 * levels come from the compensation module, the network module loads units, consultants and their
 * first history in bulk, the recent sponsor changes and promotions are made by the same functions
 * the back office uses (so they look exactly like ones made in the app, audit entries included),
 * src/policy-records loads persons, applications, policies, versions, amendments, calendars and
 * payments in bulk, the compensation module opens the periods and src/auth adds the logins.
 * Surrogate keys are read back once per table by natural key (code, number, tax number).
 */
import type { Kysely } from 'kysely';
import { addInsurer, addProduct } from '../../back-office/catalogue';
import { openPeriod, syncCareerLevels } from '../../back-office/compensation';
import { changeSponsor, loadNetwork, recordCareerChange } from '../../back-office/network';
import { createUser, findUser, type Role } from '../auth';
import type { Database, DB, IsoDate, SqlDialect } from '../db';
import { OPEN_END, STILL_KNOWN } from '../db/bitemporal';
import { decimalFromKopiyky } from '../db/money';
import {
  linkApplicationsToPolicies,
  loadAmendments,
  loadApplications,
  loadPaymentSchedule,
  loadPersons,
  insertPolicies,
  insertPolicyVersions,
  insertPremiumPayments,
  type NewPolicyVersionRow,
  type NewPremiumPaymentRow,
  type NewInstalmentRow,
} from '../policy-records';
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

const INITIAL_REASON = 'Початкове завантаження демонстраційних даних';

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
  // The services take a database; this one is the seed's transaction, which they join.
  const database: Database = {
    db: trx,
    dialect,
    describe: 'demo seed',
    ping: async () => true,
    close: async () => {},
  };
  const writer = { trx, dialect };
  const founded = network.consultants[0].hiredOn;
  const foundedAt = momentOn(founded, 8);
  const initial = (validFrom: IsoDate, validTo: IsoDate, recordedAt: Date, supersededAt = STILL_KNOWN) => ({
    validFrom,
    validTo,
    recordedAt,
    supersededAt,
    recordedBy: SEEDER,
    reason: INITIAL_REASON,
  });

  // Reference data may already have been put in place (e.g. by onboarding); only the missing rows are added.
  const seeder = { recordedBy: SEEDER, reason: INITIAL_REASON, at: foundedAt };
  const existingInsurers = new Set(
    (await trx.selectFrom('insurer').select('code').execute()).map((r) => r.code),
  );
  for (const i of INSURERS.filter((i) => !existingInsurers.has(i.code)))
    await addInsurer(database, { code: i.code, name: i.name, companyCode: i.companyCode }, seeder);
  const insurerIds = new Map(
    (await trx.selectFrom('insurer').select(['id', 'code']).execute()).map((r) => [r.code, Number(r.id)]),
  );
  const productKey = (insurerId: number, code: string) => `${insurerId}:${code}`;
  const existingProducts = new Set(
    (await trx.selectFrom('product').select(['insurer_id', 'code']).execute()).map((r) =>
      productKey(Number(r.insurer_id), r.code),
    ),
  );
  for (const p of PRODUCTS.filter(
    (p) => !existingProducts.has(productKey(need(insurerIds, p.insurer, 'insurer'), p.code)),
  ))
    await addProduct(
      database,
      p.insurer,
      {
        code: p.code,
        name: p.name,
        productGroup: p.group,
        termYears: p.termYears,
        firstYearRatePct: p.firstYearRatePct,
        renewalRatePct: p.renewalRatePct,
      },
      seeder,
    );
  const productIds = new Map(
    (await trx.selectFrom('product').select(['id', 'insurer_id', 'code']).execute()).map((r) => [
      productKey(Number(r.insurer_id), r.code),
      Number(r.id),
    ]),
  );
  const productId = (insurer: string, code: string) =>
    need(productIds, productKey(need(insurerIds, insurer, 'insurer'), code), 'product');
  await syncCareerLevels(
    database,
    {
      code: 'DEMO',
      version: '1',
      // The demo's levels as a plan names them; syncing reads only their code, name and rank.
      levels: CAREER_LEVELS.map((l) => ({
        code: l.code,
        name: l.name,
        rank: l.rank,
      })) as unknown as Parameters<typeof syncCareerLevels>[1]['levels'],
    },
    SEEDER,
  );
  step();

  // Units and consultants, with the first rows of their history, as the network module loads them.
  const units = [HEAD_OFFICE, ...BRANCHES];
  const hiredOn = new Map(network.consultants.map((c) => [c.code, c.hiredOn]));
  const { consultantIds } = await loadNetwork(database, {
    units: units.map((u) => ({ code: u.code, name: u.name, city: u.city, createdAt: foundedAt })),
    consultants: network.consultants.map((c) => ({
      code: c.code,
      fullName: c.name.fullName,
      taxNumber: c.taxNumber,
      legalForm: c.legalForm,
      email: c.email,
      phone: c.phone,
      hiredOn: c.hiredOn,
      terminatedOn: c.terminatedOn,
      createdAt: momentOn(c.hiredOn, 9),
    })),
    unitTree: [
      {
        unit: HEAD_OFFICE.code,
        parent: null,
        manager: network.branchHeads[0],
        ...initial(founded, OPEN_END, foundedAt),
      },
      ...BRANCHES.map((branch, i) => {
        const opened = need(hiredOn, network.branchHeads[i], 'consultant');
        return {
          unit: branch.code,
          parent: HEAD_OFFICE.code,
          manager: network.branchHeads[i],
          ...initial(opened, OPEN_END, momentOn(opened, 8)),
        };
      }),
    ],
    sponsors: network.consultants.map((c) => ({
      consultant: c.code,
      sponsor: c.sponsorCode,
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
    memberships: network.consultants.map((c) => ({
      consultant: c.code,
      unit: c.unitCode,
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
    careers: network.consultants.map((c) => ({
      consultant: c.code,
      level: c.initialLevel,
      source: 'initial' as const,
      ...initial(c.hiredOn, OPEN_END, momentOn(c.hiredOn, 9)),
    })),
    // A status change is written as the app would have: the open 'active' row is superseded when
    // the change becomes known and recorded again up to the change, beside the new status.
    statuses: network.consultants.flatMap((c) => {
      const row = (
        status: (typeof c.statuses)[number]['status'],
        from: IsoDate,
        to: IsoDate,
        at: Date,
        until?: Date,
      ) => ({ consultant: c.code, status, source: 'initial' as const, ...initial(from, to, at, until) });
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
  });
  const consultantId = (code: string) => need(consultantIds, code, 'consultant');
  step();

  // History of the recent months, in the order it was entered, by the back office's own functions.
  const changes = [
    ...network.sponsorChanges.map((change) => ({ at: change.recordedAt, kind: 'sponsor' as const, change })),
    ...network.promotions.map((change) => ({ at: change.recordedAt, kind: 'career' as const, change })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  for (const entry of changes) {
    const id = consultantId(entry.change.consultantCode);
    const when = {
      validFrom: entry.change.validFrom,
      recordedAt: entry.at,
      recordedBy: 'backoffice',
      reason: entry.change.reason,
    };
    if (entry.kind === 'sponsor')
      await changeSponsor(database, id, consultantId(entry.change.sponsorCode), when);
    else
      await recordCareerChange(database, id, {
        ...when,
        levelCode: entry.change.levelCode,
        source: entry.change.source,
        approvedBy: 'backoffice',
      });
  }
  step();

  await loadPersons(
    writer,
    data.persons.map((p) => ({
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

  await loadApplications(
    writer,
    data.applications.map((a) => ({
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

  await insertPolicies(
    writer,
    data.policies.map((p) => ({
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
  // The application learns its policy once the policy exists.
  await linkApplicationsToPolicies(
    writer,
    data.policies
      .filter((p) => p.applicationNumber !== null)
      .map((p) => [need(applicationIds, p.applicationNumber!, 'application'), policyId(p.number)] as const),
  );

  const amended = data.policies.filter((p) => p.amendment !== null);
  await loadAmendments(
    writer,
    amended.map((p) => ({
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
    p.versions.map((v): NewPolicyVersionRow => ({
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
  await insertPolicyVersions(writer, versions);
  step();

  const installments = data.policies.flatMap((p) => {
    const id = policyId(p.number);
    return p.schedule.map((s): NewInstalmentRow => ({
      policy_id: id,
      installment_no: s.installmentNo,
      due_on: s.dueOn,
      amount: decimalFromKopiyky(s.amount),
      policy_year: s.policyYear,
    }));
  });
  await loadPaymentSchedule(writer, installments);
  step();

  let paymentTotal = 0;
  const payments = data.policies.flatMap((p) => {
    const id = policyId(p.number);
    return p.payments.map((payment): NewPremiumPaymentRow => {
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
  await insertPremiumPayments(writer, payments);
  step();

  const existingPeriods = new Set(
    (await trx.selectFrom('production_period').select('code').execute()).map((r) => r.code),
  );
  for (const p of data.periods.filter((p) => !existingPeriods.has(p.code)))
    await openPeriod(trx as unknown as Parameters<typeof openPeriod>[0], p);

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
