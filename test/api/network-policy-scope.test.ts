/**
 * What a manager and a consultant see of the network, policies, applications and persons. Units:
 * HQ with the branches BR1 and BR2 under it. Sponsors: D (HQ) sponsors M (BR1) and X (BR2); M
 * sponsors S (BR1); S sponsors Y (BR2). Each consultant sold one policy to a holder of their own
 * (P-D … P-Y); S and X each have an application, S's for a holder on no policy (P-A).
 * - A consultant sees themselves and their downline (M: M, S, Y); their own money only.
 * - A manager sees their unit and its sub-units (BR1: M, S; BR2: X, Y; HQ: everyone).
 * - Outside the scope a record by id or code answers 404, as one that does not exist; lists leave it
 *   out and count only what they show.
 */
import type { FastifyInstance } from 'fastify';
import { consultantCard } from '../../back-office/consultant-card';
import { networkTree, unitTreeAsOf } from '../../back-office/network';
import {
  getApplication,
  getPersonCard,
  getPolicy,
  listPremiumPayments,
  paymentCalendar,
} from '../../back-office/policies';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine } from '../support/engines';
import {
  closeWithActs,
  seedCareerLevels,
  seedOpenPeriod,
  seedUnits,
  succeeding,
} from '../support/scope-world';
import { type SignedIn, signInAs } from './support/api-harness';
import { buildFullApi } from './support/full-app';

const CONSULTANTS = ['D', 'M', 'S', 'X', 'Y'] as const;

describeEachEngine('network and policies in the scope of managers and consultants', (ctx) => {
  let app: FastifyInstance;
  let backOffice: SignedIn;
  const as: Record<string, SignedIn> = {};
  const policy: Record<string, number> = {};
  const person: Record<string, number> = {};
  const application: Record<string, number> = {};

  const json = async (who: SignedIn, url: string) => {
    const response = await who.inject({ url });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const status = async (who: SignedIn, url: string) => (await who.inject({ url })).statusCode;
  const codes = (items: { code: string }[]) => items.map((i) => i.code).sort();

  beforeAll(async () => {
    const { db } = ctx.database;
    const s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
      ['X', 'D', 'CONSULTANT'],
      ['Y', 'S', 'CONSULTANT'],
    ]);
    const ids = s.consultant;
    await seedCareerLevels(ctx.database);
    await seedUnits(
      ctx.database,
      ids,
      { HQ: 'D', BR1: 'M', BR2: 'X' },
      { D: 'HQ', M: 'BR1', S: 'BR1', X: 'BR2', Y: 'BR2' },
    );
    for (const c of [...CONSULTANTS, 'A']) {
      const row = await db
        .insertInto('person')
        .values({ person_kind: 'individual', full_name: `Клієнт P-${c}`, created_at: new Date() })
        .returning('id')
        .executeTakeFirstOrThrow();
      person[c] = Number(row.id);
    }
    const paid = { D: '4000.00', M: '8000.00', S: '40000.00', X: '4000.00', Y: '2000.00' };
    for (const c of CONSULTANTS) {
      policy[c] = await seedPolicy(ctx.database, s, c);
      await db
        .updateTable('policy_version')
        .set({ policyholder_id: person[c] })
        .where('policy_id', '=', policy[c])
        .execute();
      await seedPayment(ctx.database, policy[c], '2026-03-10', paid[c]);
    }
    await seedOpenPeriod(ctx.database, '2026-03');

    app = await buildFullApi(ctx.database);
    backOffice = await signInAs(app, ctx.database, 'back_office');
    const ok = succeeding(backOffice);
    await closeWithActs(backOffice, '2026-03');
    for (const [c, holder] of [
      ['S', 'A'],
      ['X', 'X'],
    ] as const) {
      const entered = await ok({
        method: 'POST',
        url: '/api/applications',
        payload: {
          consultant: c,
          insurer: 'DNIPRO_LIFE',
          product: 'DL-SAV10',
          holder: { personId: person[holder] },
          premium: '1000.00',
          sumInsured: '120000.00',
          paymentFrequency: 12,
          startOn: '2026-10-10',
          signedOn: '2026-03-20',
          enteredBy: 'olena',
        },
      });
      application[c] = entered.id;
    }
    for (const c of ['S', 'M'])
      as[c] = await signInAs(app, ctx.database, 'consultant', { consultantCode: c });
    for (const u of ['HQ', 'BR1', 'BR2'])
      as[u] = await signInAs(app, ctx.database, 'manager', { unitCode: u });
  });
  afterAll(() => app?.close());

  it('lists the consultants of the scope only, with the total of the scope', async () => {
    expect(codes((await json(backOffice, '/api/consultants')).items)).toEqual([...CONSULTANTS]);
    const expected = {
      S: ['S', 'Y'],
      M: ['M', 'S', 'Y'],
      BR1: ['M', 'S'],
      BR2: ['X', 'Y'],
      HQ: [...CONSULTANTS],
    };
    for (const [who, seen] of Object.entries(expected)) {
      const list = await json(as[who], '/api/consultants');
      expect({ who, codes: codes(list.items), total: list.total }).toEqual({
        who,
        codes: seen,
        total: seen.length,
      });
    }
    const second = await json(as.M, '/api/consultants?page=2&pageSize=1');
    expect({ codes: codes(second.items), total: second.total }).toEqual({ codes: ['S'], total: 3 });
    // A search over the whole book finds only the scope.
    expect((await json(as.BR1, '/api/consultants?q=X')).total).toBe(0);
  });

  it('answers 404 for a consultant outside the scope, as for one that does not exist', async () => {
    const unknown = await as.S.inject({ url: '/api/consultants/NOBODY' });
    for (const url of [
      '/api/consultants/M',
      '/api/consultants/M/policies',
      '/api/consultants/M/upline',
      '/api/consultants/D/downline',
      '/api/network/tree?from=M',
    ]) {
      const response = await as.S.inject({ url });
      expect({ url, status: response.statusCode, error: response.json().error }).toEqual({
        url,
        status: 404,
        error: unknown.json().error,
      });
    }
    expect((await as.S.inject({ url: '/api/consultants/M' })).json().message).toBe(
      "code: consultant 'M' is not known",
    );
    expect(await status(as.BR1, '/api/consultants/X')).toBe(404);
    expect(await status(as.BR1, '/api/consultants/Y')).toBe(404);
    expect(await status(as.BR2, '/api/consultants/Y')).toBe(200);
    expect(await status(as.HQ, '/api/consultants/Y')).toBe(200);
  });

  it('roots the sponsor tree at the consultant, and at the manager’s units', async () => {
    const tree = async (who: SignedIn, query = '') =>
      (await json(who, `/api/network/tree${query}`)).items.map(
        (n: { code: string; depth: number; totalDownline: number }) =>
          `${n.code}@${n.depth}+${n.totalDownline}`,
      );
    expect(await tree(backOffice)).toEqual(['D@0+4', 'M@1+2', 'X@1+0', 'S@2+1', 'Y@3+0']);
    expect(await tree(as.M)).toEqual(['M@0+2', 'S@1+1', 'Y@2+0']);
    expect(await tree(as.S)).toEqual(['S@0+1', 'Y@1+0']);
    // BR1 holds M and S; Y, S's recruit, is in BR2.
    expect(await tree(as.BR1)).toEqual(['M@0+1', 'S@1+0']);
    expect(await tree(as.BR2)).toEqual(['X@0+0', 'Y@0+0']);
    expect(await tree(as.HQ)).toEqual(['D@0+4', 'M@1+2', 'X@1+0', 'S@2+1', 'Y@3+0']);
    expect(await tree(as.M, '?from=S')).toEqual(['S@0+1', 'Y@1+0']);
    const page = await json(as.M, '/api/network/tree?pageSize=1&page=3');
    expect({ codes: codes(page.items), total: page.total }).toEqual({ codes: ['Y'], total: 3 });
  });

  it('shows the downline inside the scope and the upline whole', async () => {
    const relatives = async (who: SignedIn, url: string) => codes((await json(who, url)).items);
    expect(await relatives(as.M, '/api/consultants/M/downline')).toEqual(['S', 'Y']);
    expect(await relatives(as.BR1, '/api/consultants/M/downline')).toEqual(['S']);
    // Who sponsors a consultant is part of their record: S sees their sponsors.
    expect(await relatives(as.S, '/api/consultants/S/upline')).toEqual(['D', 'M']);
    const card = await json(as.BR1, '/api/consultants/M');
    expect(codes(card.directDownline)).toEqual(['S']);
    expect(card.totalDownline).toBe(1);
  });

  it('shows the money on a card only to whom it belongs (and to their managers)', async () => {
    const own = await json(as.S, '/api/consultants/S');
    expect(own.moneyShown).toBe(true);
    expect(own.accruals.length).toBeGreaterThan(0);
    expect(own.accruals[0]).toMatchObject({ periodCode: '2026-03', totalKop: expect.any(Number) });
    expect(own.acts).toEqual([
      expect.objectContaining({ periodCode: '2026-03', netKop: expect.any(Number) }),
    ]);
    // M's downline is S, yet S's money is S's own.
    const downline = await json(as.M, '/api/consultants/S');
    expect({ moneyShown: downline.moneyShown, accruals: downline.accruals, acts: downline.acts }).toEqual({
      moneyShown: false,
      accruals: [],
      acts: [],
    });
    expect(downline.policies.count).toBe(1);
    const managed = await json(as.BR1, '/api/consultants/S');
    expect({ moneyShown: managed.moneyShown, accruals: managed.accruals, acts: managed.acts }).toEqual({
      moneyShown: true,
      accruals: own.accruals,
      acts: own.acts,
    });
    expect((await json(backOffice, '/api/consultants/S')).acts).toEqual(own.acts);
  });

  it("shows a downline member's tax number and contact details to managers and the back office, not to the sponsor", async () => {
    await ctx.database.db
      .updateTable('consultant')
      .set({ tax_number: '3184710691', phone: '+380501234567', email: 's@example.test', address: 'Київ' })
      .where('code', '=', 'S')
      .execute();
    const personal = (card: any) => ({
      personalDataShown: card.personalDataShown,
      taxNumber: card.taxNumber,
      contact: card.contact,
    });
    const shown = {
      personalDataShown: true,
      taxNumber: '3184710691',
      contact: { phone: '+380501234567', email: 's@example.test', address: 'Київ' },
    };
    // S sees their own; their manager (BR1) and the back office see them.
    expect(personal(await json(as.S, '/api/consultants/S'))).toEqual(shown);
    expect(personal(await json(as.BR1, '/api/consultants/S'))).toEqual(shown);
    expect(personal(await json(backOffice, '/api/consultants/S'))).toEqual(shown);
    // M, S's sponsor, reads S's card without them.
    expect(personal(await json(as.M, '/api/consultants/S'))).toEqual({
      personalDataShown: false,
      taxNumber: null,
      contact: { phone: null, email: null, address: null },
    });
    expect(JSON.stringify(await json(as.M, '/api/consultants/S'))).not.toMatch(
      /3184710691|380501234567|s@example/,
    );
  });

  it('shows a manager their unit and its sub-units, a consultant the units of their scope', async () => {
    const units = async (who: SignedIn) =>
      (await json(who, '/api/units')).items.map(
        (u: { code: string; depth: number; consultantsTotal: number }) =>
          `${u.code}@${u.depth}:${u.consultantsTotal}`,
      );
    expect(await units(backOffice)).toEqual(['HQ@0:5', 'BR1@1:2', 'BR2@1:2']);
    expect(await units(as.HQ)).toEqual(['HQ@0:5', 'BR1@1:2', 'BR2@1:2']);
    expect(await units(as.BR1)).toEqual(['BR1@0:2']);
    // S and Y: one in each branch, and only they are counted.
    expect(await units(as.S)).toEqual(['BR1@0:1', 'BR2@0:1']);
    expect(await status(as.BR1, '/api/units/HQ')).toBe(404);
    expect(await status(as.BR1, '/api/units/BR2')).toBe(404);
    expect((await json(as.BR1, '/api/units/BR1')).members.map((m: { code: string }) => m.code)).toEqual([
      'M',
      'S',
    ]);
    expect((await json(as.S, '/api/units/BR1')).members.map((m: { code: string }) => m.code)).toEqual(['S']);
  });

  it('lists the policies of the scope only, with its total, and refuses the others by id (404)', async () => {
    const numbersOf = (c: string[]) => c.map((x) => policy[x]).sort((a, b) => a - b);
    const expected = { S: ['S', 'Y'], M: ['M', 'S', 'Y'], BR1: ['M', 'S'], BR2: ['X', 'Y'] };
    for (const [who, seen] of Object.entries(expected)) {
      const list = await json(as[who], '/api/policies');
      expect({
        who,
        ids: list.items.map((p: { id: number }) => p.id).sort((a: number, b: number) => a - b),
        total: list.total,
      }).toEqual({ who, ids: numbersOf(seen), total: seen.length });
    }
    const paged = await json(as.BR1, '/api/policies?pageSize=1');
    expect({ items: paged.items.length, total: paged.total }).toEqual({ items: 1, total: 2 });
    expect((await json(as.S, '/api/policies?consultant=D')).total).toBe(0);
    const missing = (await as.S.inject({ url: '/api/policies/999999' })).json();
    for (const tail of ['', '/calendar', '/payments']) {
      const response = await as.S.inject({ url: `/api/policies/${policy.D}${tail}` });
      expect({ tail, status: response.statusCode, error: response.json().error }).toEqual({
        tail,
        status: 404,
        error: missing.error,
      });
      expect(await status(as.S, `/api/policies/${policy.Y}${tail}`)).toBe(200);
      expect(await status(as.BR2, `/api/policies/${policy.S}${tail}`)).toBe(404);
    }
    expect((await as.S.inject({ url: `/api/policies/${policy.D}` })).json().message).toBe(
      `policy ${policy.D} does not exist`,
    );
  });

  it('lists the applications of the scope only and refuses the others by id (404)', async () => {
    const numbers = async (who: SignedIn) => {
      const list = await json(who, '/api/applications');
      return { ids: list.items.map((a: { id: number }) => a.id), total: list.total };
    };
    expect(await numbers(as.S)).toEqual({ ids: [application.S], total: 1 });
    expect(await numbers(as.BR2)).toEqual({ ids: [application.X], total: 1 });
    expect((await numbers(as.HQ)).total).toBe(2);
    expect(await status(as.S, `/api/applications/${application.S}`)).toBe(200);
    const other = await as.S.inject({ url: `/api/applications/${application.X}` });
    expect({ status: other.statusCode, message: other.json().message }).toEqual({
      status: 404,
      message: `application ${application.X} does not exist`,
    });
  });

  it('shows only the persons on the scope’s policies and applications', async () => {
    const seen = async (who: SignedIn) => {
      const list = await json(who, '/api/persons');
      return {
        names: list.items.map((p: { fullName: string }) => p.fullName.slice(-3)).sort(),
        total: list.total,
      };
    };
    expect(await seen(as.S)).toEqual({ names: ['P-A', 'P-S', 'P-Y'], total: 3 });
    expect(await seen(as.BR2)).toEqual({ names: ['P-X', 'P-Y'], total: 2 });
    expect(await status(as.S, `/api/persons/${person.A}`)).toBe(200);
    const other = await as.S.inject({ url: `/api/persons/${person.D}` });
    expect({ status: other.statusCode, message: other.json().message }).toEqual({
      status: 404,
      message: `person ${person.D} does not exist`,
    });
    // The card of a person in the scope lists only the scope's policies.
    const card = await json(as.BR2, `/api/persons/${person.X}`);
    expect(card.policies.map((p: { id: number }) => p.id)).toEqual([policy.X]);
    expect(card.applications.map((a: { id: number }) => a.id)).toEqual([application.X]);
  });

  it('refuses a manager and a consultant every change to the network and policies (403)', async () => {
    for (const who of [as.S, as.BR1, as.HQ]) {
      for (const [method, url] of [
        ['POST', '/api/consultants'],
        ['POST', '/api/units'],
        ['POST', '/api/consultants/S/terminate'],
        ['POST', '/api/persons'],
        ['POST', '/api/applications'],
        ['POST', `/api/applications/${application.S}/withdraw`],
      ] as const)
        expect({ url, status: (await who.inject({ method, url, payload: {} })).statusCode }).toEqual({
          url,
          status: 403,
        });
    }
  });

  it('answers every field the service gives: the response schemas leave nothing out', async () => {
    const knownAt = '2030-01-01T00:00:00.000Z';
    const when = { asOf: '2026-06-01', knownAt: new Date(knownAt) };
    const query = `asOf=${when.asOf}&knownAt=${knownAt}`;
    const plain = (value: unknown) => JSON.parse(JSON.stringify(value));
    const pairs: [string, unknown][] = [
      [`/api/consultants/S?${query}`, await consultantCard(ctx.database, 'S', when.asOf, when.knownAt)],
      [`/api/policies/${policy.S}?${query}`, await getPolicy(ctx.database, policy.S, when)],
      [`/api/policies/${policy.S}/calendar?${query}`, await paymentCalendar(ctx.database, policy.S, when)],
      [`/api/policies/${policy.S}/payments`, await listPremiumPayments(ctx.database, policy.S)],
      [`/api/applications/${application.S}`, await getApplication(ctx.database, application.S)],
      [`/api/persons/${person.X}`, await getPersonCard(ctx.database, person.X)],
    ];
    for (const [url, expected] of pairs)
      expect({ url, body: await json(backOffice, url) }).toEqual({ url, body: plain(expected) });
    const tree = await networkTree(ctx.database, { date: when.asOf, knownAt: when.knownAt });
    expect((await json(backOffice, `/api/network/tree?${query}`)).items).toEqual(plain(tree));
    const units = await unitTreeAsOf(ctx.database, when.asOf, when.knownAt);
    expect((await json(backOffice, `/api/units?${query}`)).items).toEqual(plain(units));
  });

  it('documents a 2xx answer and the 401, 403 (and 404 by id) answers of every network and policy route', () => {
    const doc = app.swagger() as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
    };
    const missing: string[] = [];
    const ours = /^\/api\/(units|consultants|network|persons|applications|policies)\b/;
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!ours.test(path)) continue;
      for (const [method, operation] of Object.entries(item)) {
        operations++;
        const codes = Object.keys(operation.responses);
        const success = codes.find((c) => /^2\d\d$/.test(c));
        if (!success || !operation.responses[success].content)
          missing.push(`${method} ${path}: no 2xx schema`);
        const wanted = ['400', '401', '403', ...(path.includes('{') ? ['404'] : [])];
        for (const code of wanted) if (!codes.includes(code)) missing.push(`${method} ${path}: no ${code}`);
      }
    }
    // 33 network and policy operations, and a policy's correspondence (GET /api/policies/{id}/correspondence).
    expect(operations).toBe(34);
    expect(missing).toEqual([]);
  });
});
