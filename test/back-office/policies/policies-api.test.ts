/**
 * Persons, applications and policies as a back-office user meets them over HTTP: a person added once
 * per tax number (the second is told who has it), a wrong check digit refused naming the field,
 * contact changes in the audit log; an application entered through the API lands in the next
 * register built for its insurer, cannot be withdrawn once sent, and follows the insurer's answer
 * to the policy it became; the policy read as of a day and as known at a moment, and its payment
 * calendar against the premiums received (with a reversal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { rnokppProblem } from '../../../back-office/policies';
import { buildApi, createQueueProbe } from '../../../src/api';
import { policyRoutes } from '../../../src/api/routes/core/policies';
import { taxNumberCheckDigit } from '../../../src/demo/names';
import { loadAdapter } from '../../../src/exchange/adapter-config';
import { applyRegisterAnswers } from '../../../src/exchange/apply';
import type { ExchangeDeps } from '../../../src/exchange/pipeline';
import { buildRegister, previewRegister } from '../../../src/exchange/runs/register-builder';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedInsurersAndConsultants } from '../../exchange/support/intermediary';
import { describeEachEngine } from '../../support/engines';

const valid = (first9: string) => first9 + String(taxNumberCheckDigit(first9));
const HOLDER = valid('284510231'); // 2845102313
const OTHER = valid('301234567');
const wrongDigit = (n: string) => n.slice(0, 9) + String((Number(n[9]) + 1) % 10);

describe('РНОКПП check digit', () => {
  it('accepts a right one and names what is wrong otherwise', () => {
    expect(HOLDER).toBe('2845102313');
    expect(rnokppProblem(HOLDER)).toBeNull();
    expect(rnokppProblem('2845102317')).toBe('check digit is wrong: 284510231 gives 3, not 7 (РНОКПП)');
    expect(rnokppProblem('12345')).toBe('must be 10 digits (РНОКПП)');
  });
});

describeEachEngine('persons, applications and policies API', (ctx) => {
  let app: FastifyInstance;
  /** A back-office clerk, signed in: nobody is trusted by default. */
  let api: SignedIn;
  let dnipro: number;
  let holderId: number;

  beforeAll(async () => {
    ({ dnipro } = await seedInsurersAndConsultants(ctx.database));
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [policyRoutes] },
    );
    api = await signInAs(app, ctx.database, 'back_office', { login: 'olena' });
  });
  afterAll(() => app?.close());

  const post = (url: string, payload: unknown) =>
    api.inject({ method: 'POST', url, payload: payload as object });
  const get = (url: string) => api.inject({ method: 'GET', url });

  it('adds a person once per tax number, naming who has it on the second try', async () => {
    const added = await post('/api/persons', {
      fullName: 'Шевченко Тарас Григорович',
      taxNumber: HOLDER,
      birthDate: '1978-03-09',
      phone: '+380671234567',
      addedBy: 'olena',
    });
    expect(added.statusCode).toBe(201);
    holderId = added.json().id;
    expect(added.json()).toMatchObject({ kind: 'individual', taxNumber: HOLDER, phone: '+380671234567' });

    const again = await post('/api/persons', {
      fullName: 'Шевченко Т. Г.',
      taxNumber: HOLDER,
      addedBy: 'petro',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe(
      `taxNumber: ${HOLDER} belongs to person ${holderId} (Шевченко Тарас Григорович) already`,
    );
    expect(again.json().details).toEqual([{ field: 'body.taxNumber', message: again.json().message }]);
  });

  it('refuses a wrong check digit naming the field, and changes nothing', async () => {
    const before = await ctx.database.db.selectFrom('person').select('id').execute();
    const refused = await post('/api/persons', {
      fullName: 'Франко Іван',
      taxNumber: wrongDigit(OTHER),
      addedBy: 'olena',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().details[0].field).toBe('body.taxNumber');
    expect(refused.json().message).toMatch(/^taxNumber: check digit is wrong/);
    const company = await post('/api/persons', {
      kind: 'company',
      fullName: 'ТОВ «Ромашка»',
      companyCode: '1234567',
      addedBy: 'olena',
    });
    expect(company.statusCode).toBe(400); // the pattern: 8 digits
    expect(await ctx.database.db.selectFrom('person').select('id').execute()).toHaveLength(before.length);
  });

  it('finds persons by name or tax number, and keeps contact changes in the audit log', async () => {
    const byName = await get('/api/persons?q=%D1%88%D0%B5%D0%B2%D1%87'); // "шевч", any case
    expect(byName.json()).toMatchObject({ total: 1, items: [{ id: holderId }] });
    const byTax = await get(`/api/persons?q=${HOLDER.slice(0, 5)}`);
    expect(byTax.json().items.map((p: { id: number }) => p.id)).toEqual([holderId]);

    const changed = await api.inject({
      method: 'PATCH',
      url: `/api/persons/${holderId}/contacts`,
      payload: { email: 'taras@example.test', changedBy: 'olena', reason: 'дзвінок клієнта' },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ email: 'taras@example.test', phone: '+380671234567' });
    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'reason', 'before_state', 'after_state'])
      .where('entity_kind', '=', 'person')
      .where('entity_id', '=', String(holderId))
      .orderBy('id')
      .execute();
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['person.added', 'olena'],
      ['person.contacts_changed', 'olena'],
    ]);
    expect(ctx.database.dialect.readJson(audit[1].before_state)).toMatchObject({ email: null });
    expect(ctx.database.dialect.readJson(audit[1].after_state)).toMatchObject({
      email: 'taras@example.test',
    });
    expect(audit[1].reason).toBe('дзвінок клієнта');
  });

  const application = (over: Record<string, unknown> = {}) => ({
    consultant: 'K-00012',
    insurer: 'DNIPRO_LIFE',
    product: 'DL-SAV10',
    holder: { taxNumber: HOLDER },
    premium: '1000.00',
    sumInsured: '120000.00',
    paymentFrequency: 12,
    startOn: '2026-10-10',
    signedOn: '2026-10-01',
    enteredBy: 'olena',
    ...over,
  });

  it('refuses a product the insurer does not sell, an unknown consultant, a consultant not yet hired', async () => {
    const other = await post('/api/applications', application({ product: 'KASKO-STD' }));
    expect(other.statusCode).toBe(422);
    expect(other.json().message).toBe(
      'product: DNIPRO_LIFE does not sell KASKO-STD (it is a product of KARPATY)',
    );
    expect(other.json().details[0].field).toBe('body.product');
    const unknown = await post('/api/applications', application({ consultant: 'K-99999' }));
    expect(unknown.json()).toMatchObject({ message: 'consultant: consultant K-99999 does not exist' });
    const early = await post(
      '/api/applications',
      application({ signedOn: '2024-12-31', startOn: '2025-01-10' }),
    );
    expect(early.json().message).toBe(
      'consultant: consultant K-00012 is hired from 2025-01-01, after 2024-12-31',
    );
    const badHolder = await post(
      '/api/applications',
      application({ holder: { fullName: 'Леся Українка', taxNumber: wrongDigit(OTHER) } }),
    );
    expect(badHolder.statusCode).toBe(422);
    expect(badHolder.json().details[0].field).toBe('body.holder.taxNumber');
    expect(await ctx.database.db.selectFrom('application').select('id').execute()).toHaveLength(0);
  });

  let enteredId: number;
  let enteredNumber: string;

  it('enters an application for an existing holder (by tax number) and a new insured (added)', async () => {
    const entered = await post(
      '/api/applications',
      application({ insured: { fullName: 'Шевченко Марія', taxNumber: OTHER, birthDate: '2010-05-01' } }),
    );
    expect(entered.statusCode).toBe(201);
    const body = entered.json();
    enteredId = body.id;
    enteredNumber = body.number;
    expect(body).toMatchObject({
      number: 'W-2026-000001',
      status: 'pending',
      holderId,
      premiumKop: 100000,
      sumInsuredKop: 12000000,
      startOn: '2026-10-10',
      enteredBy: 'olena',
      registers: [],
    });
    expect(body.insured).toMatchObject({ fullName: 'Шевченко Марія', taxNumber: OTHER });
    const persons = await ctx.database.db.selectFrom('person').select('tax_number').execute();
    expect(persons.map((p) => p.tax_number).sort()).toEqual([HOLDER, OTHER].sort());
    const list = await get('/api/applications?status=pending&consultant=K-00012');
    expect(list.json()).toMatchObject({ total: 1, items: [{ number: 'W-2026-000001' }] });
  });

  it('withdraws a pending application once; a second is refused', async () => {
    const spare = (await post('/api/applications', application())).json();
    expect(spare.number).toBe('W-2026-000002');
    const withdrawn = await post(`/api/applications/${spare.id}/withdraw`, {
      withdrawnBy: 'olena',
      reason: 'клієнт передумав',
    });
    expect(withdrawn.json()).toMatchObject({ status: 'withdrawn', statusReason: 'клієнт передумав' });
    const again = await post(`/api/applications/${spare.id}/withdraw`, {
      withdrawnBy: 'olena',
      reason: 'ще раз',
    });
    expect(again.statusCode).toBe(409);
  });

  it('puts the API-entered application into the next register built for its insurer', async () => {
    const deps: ExchangeDeps = {
      database: ctx.database,
      secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')),
    };
    const adapter = loadAdapter('DNIPRO_LIFE');
    const preview = await previewRegister(deps, adapter, dnipro, '2026-10-05');
    expect(preview!.applications).toEqual([enteredNumber]); // not the withdrawn one
    const built = await buildRegister(deps, adapter, dnipro, '2026-10-05');
    expect(built!.applications).toEqual([enteredNumber]);
    const csv = built!.payload.toString('latin1');
    expect(csv).toContain(enteredNumber);
    expect(csv).toContain(HOLDER);
    expect(csv).toContain('K-00012');

    const shown = (await get(`/api/applications/${enteredId}`)).json();
    expect(shown).toMatchObject({
      status: 'sent',
      registers: [{ registerNo: built!.fileName, rowNo: 1, status: 'queued', policyNumber: null }],
    });
    const refused = await post(`/api/applications/${enteredId}/withdraw`, {
      withdrawnBy: 'olena',
      reason: 'пізно',
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toBe(
      `application ${enteredNumber} is sent: only a pending application can be withdrawn`,
    );
  });

  let policyId: number;

  it('follows the insurer answer to the policy it became', async () => {
    const db = ctx.database.db;
    const product = await db
      .selectFrom('product')
      .select('id')
      .where('code', '=', 'DL-SAV10')
      .executeTakeFirstOrThrow();
    const consultant = await db
      .selectFrom('consultant')
      .select('id')
      .where('code', '=', 'K-00012')
      .executeTakeFirstOrThrow();
    // The policy as the contracts file would have brought it (written here as the exchange would).
    policyId = await ctx.database.dialect.insertReturningId(
      db,
      'policy',
      {
        insurer_id: dnipro,
        number: 'DL-2026-777001',
        product_id: product.id,
        application_id: null,
        created_at: new Date('2026-10-09T10:00:00Z'),
      },
      { insurer_id: dnipro, number: 'DL-2026-777001' },
    );
    const version = (
      no: number,
      validFrom: string,
      recordedAt: string,
      annual: string,
      status = 'in_force',
    ) => ({
      policy_id: policyId,
      version_no: no,
      valid_from: validFrom,
      recorded_at: new Date(recordedAt),
      consultant_id: Number(consultant.id),
      agent_code: 'K-00012',
      policyholder_id: holderId,
      insured_person_id: null,
      issued_on: '2026-10-09',
      cover_start: '2026-10-10',
      cover_end: '2036-10-10',
      sum_insured: '120000.00',
      annual_premium: annual,
      payment_frequency: 12,
      status: status as 'in_force',
      status_date: validFrom,
      amendment_id: null,
      source_message_id: null,
    });
    await db
      .insertInto('policy_version')
      .values(version(1, '2026-10-10', '2026-10-09T10:00:00Z', '12000.00'))
      .execute();
    // A premium change from 2027-01-10, learned on 2026-11-20.
    await db
      .insertInto('policy_version')
      .values(version(2, '2027-01-10', '2026-11-20T10:00:00Z', '15000.00'))
      .execute();

    await db.transaction().execute(async (trx) => {
      const outcome = await applyRegisterAnswers(
        {
          trx,
          dialect: ctx.database.dialect,
          insurerId: dnipro,
          insurerCode: 'DNIPRO_LIFE',
          messageId: null,
          recordedAt: new Date('2026-10-09T12:00:00Z'),
        },
        [
          {
            rowNo: 1,
            record: {
              insurerCode: 'DNIPRO_LIFE',
              registerRef: 'REG_AG0042_20261005_001.csv',
              applicationNumber: enteredNumber,
              outcome: 'accepted',
              reason: null,
              policyNumber: 'DL-2026-777001',
            } as never,
          },
        ],
      );
      expect(outcome.problems).toEqual([]);
    });
    const shown = (await get(`/api/applications/${enteredId}`)).json();
    expect(shown).toMatchObject({
      status: 'issued',
      policyId,
      policyNumber: 'DL-2026-777001',
      registers: [{ status: 'issued', policyNumber: 'DL-2026-777001' }],
    });
    const card = (await get(`/api/persons/${holderId}`)).json();
    expect(card.applications.map((a: { number: string }) => a.number)).toEqual([
      enteredNumber,
      'W-2026-000002',
    ]);
    expect(card.policies).toHaveLength(1);
  });

  it('reads the policy as of a day and as known at a moment', async () => {
    const now = (await get(`/api/policies/${policyId}?asOf=2027-02-01`)).json();
    expect(now).toMatchObject({
      number: 'DL-2026-777001',
      applicationNumber: enteredNumber,
      current: { versionNo: 2, annualPremiumKop: 1500000 },
      consultant: { code: 'K-00012' },
      holder: { id: holderId },
    });
    expect(now.versions).toHaveLength(2);
    const before = (
      await get(`/api/policies/${policyId}?asOf=2027-02-01&knownAt=2026-11-01T00:00:00Z`)
    ).json();
    expect(before.current).toMatchObject({ versionNo: 1, annualPremiumKop: 1200000 });
    expect(before.versions).toHaveLength(1);
    expect((await get(`/api/policies/${policyId}?asOf=2026-10-01`)).json().current).toBeNull();

    const list = await get(
      '/api/policies?consultant=K-00012&insurer=DNIPRO_LIFE&asOf=2027-02-01&sort=premium',
    );
    expect(list.json()).toMatchObject({
      total: 1,
      items: [{ id: policyId, versionNo: 2, annualPremiumKop: 1500000 }],
    });
    expect((await get('/api/policies?status=terminated')).json().total).toBe(0);
    expect((await get(`/api/policies?holder=${holderId}&asOf=2026-10-01`)).json().total).toBe(0);
    expect((await get('/api/policies/999999')).statusCode).toBe(404);
  });

  it('shows the payment calendar against the premiums received, a reversal included', async () => {
    const db = ctx.database.db;
    const pay = (key: string, paidOn: string, amount: string) =>
      db
        .insertInto('premium_payment')
        .values({
          policy_id: policyId,
          paid_on: paidOn,
          amount,
          cover_from: null,
          cover_to: null,
          policy_year: 1,
          external_key: key,
          source_message_id: null,
          source_row: null,
          recorded_at: new Date(`${paidOn}T18:00:00Z`),
        })
        .execute();
    await pay('T-1', '2026-10-10', '1000.00');
    await pay('T-2', '2026-11-12', '1000.00');
    await pay('T-3', '2026-12-10', '1000.00');
    await pay('T-3-storno', '2026-12-15', '-1000.00'); // the December payment bounced

    const calendar = (
      await get(`/api/policies/${policyId}/calendar?asOf=2027-01-20&knownAt=2027-02-01T00:00:00Z`)
    ).json();
    expect(calendar.source).toBe('derived');
    expect(calendar.instalments.slice(0, 5)).toEqual([
      {
        no: 1,
        dueOn: '2026-10-10',
        policyYear: 1,
        amountKop: 100000,
        paidKop: 100000,
        paidOn: '2026-10-10',
        status: 'paid',
      },
      {
        no: 2,
        dueOn: '2026-11-10',
        policyYear: 1,
        amountKop: 100000,
        paidKop: 100000,
        paidOn: '2026-11-12',
        status: 'paid',
      },
      {
        no: 3,
        dueOn: '2026-12-10',
        policyYear: 1,
        amountKop: 100000,
        paidKop: 0,
        paidOn: null,
        status: 'overdue',
      },
      // From 2027-01-10 the premium is 15 000 a year.
      {
        no: 4,
        dueOn: '2027-01-10',
        policyYear: 1,
        amountKop: 125000,
        paidKop: 0,
        paidOn: null,
        status: 'overdue',
      },
      {
        no: 5,
        dueOn: '2027-02-10',
        policyYear: 1,
        amountKop: 125000,
        paidKop: 0,
        paidOn: null,
        status: 'upcoming',
      },
    ]);
    expect(calendar.instalments).toHaveLength(120);
    expect(calendar.totals).toEqual({
      dueToDateKop: 425000,
      receivedKop: 200000,
      overdueKop: 225000,
      advanceKop: 0,
      overdueCount: 2,
    });
    expect(
      calendar.payments.map((p: { amountKop: number; correction: boolean }) => [p.amountKop, p.correction]),
    ).toEqual([
      [100000, false],
      [100000, false],
      [100000, false],
      [-100000, true],
    ]);
    // Before the reversal was known, December looked paid.
    const earlier = (
      await get(`/api/policies/${policyId}/calendar?asOf=2027-01-20&knownAt=2026-12-12T00:00:00Z`)
    ).json();
    expect(earlier.instalments[2]).toMatchObject({ status: 'paid', paidOn: '2026-12-10' });
    expect(earlier.totals).toMatchObject({ receivedKop: 300000, overdueKop: 125000, overdueCount: 1 });
    const payments = (await get(`/api/policies/${policyId}/payments?pageSize=2&page=2`)).json();
    expect(payments).toMatchObject({
      total: 4,
      page: 2,
      items: [{ externalKey: 'T-3' }, { externalKey: 'T-3-storno', correction: true }],
    });
  });
  it('two clerks at once: one person per tax number (the other told who has it), two numbers for two applications', async () => {
    const taxNumber = valid('355501234');
    const [a, b] = await Promise.all(
      ['olena', 'petro'].map((clerk) =>
        post('/api/persons', { fullName: `Коваль (${clerk})`, taxNumber, addedBy: clerk }),
      ),
    );
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
    const winner = (a.statusCode === 201 ? a : b).json();
    expect((a.statusCode === 409 ? a : b).json().message).toBe(
      `taxNumber: ${taxNumber} belongs to person ${winner.id} (${winner.fullName}) already`,
    );
    // Both name a holder nobody has added yet: one adds the person, the other finds them.
    const holderTax = valid('366601234');
    const entered = await Promise.all(
      [1, 2].map(() =>
        post('/api/applications', application({ holder: { fullName: 'Бондар Ігор', taxNumber: holderTax } })),
      ),
    );
    expect(entered.map((r) => r.statusCode)).toEqual([201, 201]);
    const numbers = entered.map((r) => r.json().number);
    expect(new Set(numbers).size).toBe(2);
    expect(entered[0].json().holderId).toBe(entered[1].json().holderId);
    const holders = await ctx.database.db
      .selectFrom('person')
      .select('id')
      .where('tax_number', '=', holderTax)
      .execute();
    expect(holders).toHaveLength(1);
  });
});
