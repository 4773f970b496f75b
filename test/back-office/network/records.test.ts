/**
 * Units and consultants through the API (fastify inject, real databases): a head office with Kyiv and
 * Lviv below it; Andriy at the top of the network, Bohdan under him, Vira under Bohdan. Every refusal
 * answers 4xx naming the field and changes nothing; reads answer "as of D" and "as known at K".
 */
import type { FastifyInstance } from 'fastify';
import {
  hireConsultant,
  NetworkInputError,
  openUnit,
  taxNumberProblem,
  transferConsultant,
} from '../../../back-office/network';
import { buildApi, createQueueProbe } from '../../../src/api';
import { networkRoutes } from '../../../src/api/routes/core/network';
import { taxNumber } from '../../../src/demo/names';
import { backOfficeRoutes } from '../../../src/api/routes/back-office';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { describeEachEngine } from '../../support/engines';

/** Valid РНОКПП numbers (check digit by the State Tax Service algorithm). */
const TAX = { A: '3184710691', B: '1234567899', V: '2876543211', H: '3040506070' };

describe('the РНОКПП check digit', () => {
  it('accepts valid numbers and names what is wrong with the others', () => {
    for (const n of Object.values(TAX)) expect(taxNumberProblem(n)).toBeNull();
    // The demo's generator and the check agree.
    let seed = 7;
    const random = {
      int: (lo: number, hi: number) => lo + ((seed = (seed * 48271) % 2147483647) % (hi - lo + 1)),
    };
    for (let i = 0; i < 50; i++)
      expect(
        taxNumberProblem(taxNumber(random as never, '1985-06-15', i % 2 ? 'male' : 'female')),
      ).toBeNull();
    expect(taxNumberProblem('3184710692')).toBe('check digit 2 is wrong (the first nine digits give 1)');
    expect(taxNumberProblem('318471069')).toBe('must be 10 digits');
  });
});

describeEachEngine('units and consultants API', (ctx) => {
  let app: FastifyInstance;
  /** A back-office clerk, signed in: nobody is trusted by default. */
  let api: SignedIn;
  const by = { recordedBy: 'hr.petrenko' };

  const post = (url: string, payload: unknown, method: 'POST' | 'PATCH' = 'POST') =>
    api.inject({ method, url, payload: payload as object });
  const get = async (url: string) => {
    const r = await api.inject({ method: 'GET', url });
    expect(r.statusCode).toBe(200);
    return r.json();
  };
  const count = async (
    table: 'consultant' | 'unit' | 'consultant_sponsor' | 'unit_structure' | 'audit_log',
  ) =>
    Number(
      (
        await ctx.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** A refusal: the status, the field named, and nothing changed. */
  const refused = async (
    status: number,
    field: string,
    request: () => Promise<{ statusCode: number; json(): any }>,
  ) => {
    const before = await Promise.all([
      count('consultant'),
      count('unit'),
      count('consultant_sponsor'),
      count('unit_structure'),
      count('audit_log'),
    ]);
    const r = await request();
    expect({ status: r.statusCode, fields: (r.json().details ?? []).map((d: any) => d.field) }).toEqual({
      status,
      fields: expect.arrayContaining([field]),
    });
    expect(
      await Promise.all([
        count('consultant'),
        count('unit'),
        count('consultant_sponsor'),
        count('unit_structure'),
        count('audit_log'),
      ]),
    ).toEqual(before);
    return r.json();
  };
  const hire = (code: string, sponsorCode: string | null, unitCode: string, extra: object = {}) =>
    post('/api/consultants', {
      code,
      fullName: `Консультант ${code}`,
      taxNumber: TAX[code as keyof typeof TAX],
      legalForm: 'individual',
      sponsorCode,
      unitCode,
      hiredOn: '2026-01-10',
      ...by,
      ...extra,
    });

  beforeAll(async () => {
    await ctx.database.db
      .insertInto('career_level')
      .values([
        { code: 'CONSULTANT', name: 'Консультант', rank_order: 1 },
        { code: 'MANAGER', name: 'Менеджер', rank_order: 2 },
      ])
      .execute();
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [networkRoutes, backOfficeRoutes({})] },
    );
    api = await signInAs(app, ctx.database, 'back_office', { login: 'hr.petrenko' });
  });
  afterAll(async () => app?.close());

  it('opens units as a tree and refuses a duplicate code with 409', async () => {
    expect(
      (await post('/api/units', { code: 'HQ', name: 'Головний офіс', openedOn: '2026-01-01', ...by }))
        .statusCode,
    ).toBe(201);
    for (const code of ['KYIV', 'LVIV'])
      expect(
        (await post('/api/units', { code, name: code, parentCode: 'HQ', openedOn: '2026-01-01', ...by }))
          .statusCode,
      ).toBe(201);
    await refused(409, 'body.code', () =>
      post('/api/units', { code: 'KYIV', name: 'again', openedOn: '2026-01-01', ...by }),
    );
    await refused(422, 'body.parentCode', () =>
      post('/api/units', { code: 'ODESA', name: 'Одеса', parentCode: 'HQ', openedOn: '2025-12-01', ...by }),
    );
  });

  it('hires consultants, and refuses bad input naming the field, changing nothing', async () => {
    expect((await hire('A', null, 'KYIV')).statusCode).toBe(201);
    expect(
      (await hire('B', 'A', 'KYIV', { legalForm: 'sole_proprietor', phone: '+380501234567' })).statusCode,
    ).toBe(201);
    expect((await hire('V', 'B', 'LVIV')).statusCode).toBe(201);

    const wrongDigit = await refused(422, 'body.taxNumber', () =>
      hire('H', 'A', 'KYIV', { taxNumber: '3040506071' }),
    );
    expect(wrongDigit.message).toMatch(/check digit 1 is wrong/);
    await refused(409, 'body.code', () => hire('B', 'A', 'KYIV', { taxNumber: TAX.H }));
    await refused(422, 'body.unitCode', () => hire('H', 'A', 'LVIV', { hiredOn: '2025-12-15' }));
    await refused(404, 'body.unitCode', () => hire('H', 'A', 'NOWHERE'));
    await refused(404, 'body.sponsorCode', () => hire('H', 'ZZ', 'KYIV'));
    await refused(400, 'body.nickname', () => hire('H', 'A', 'KYIV', { nickname: 'x' }));
    await refused(400, 'body.taxNumber', () => hire('H', 'A', 'KYIV', { taxNumber: '12345' }));
    await refused(422, 'body.taxNumber', () => hire('H', 'A', 'KYIV', { taxNumber: '12345abcde' }));
    await refused(422, 'body.terminatedOn', () =>
      post('/api/consultants/V/terminate', { terminatedOn: '2026-01-09', reason: 'помилка', ...by }),
    );
    await refused(422, 'body.sponsorCode', () =>
      post('/api/consultants/A/transfer', {
        sponsorCode: 'V',
        effectiveOn: '2026-02-01',
        reason: 'x',
        ...by,
      }),
    );

    const audit = await ctx.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('action', '=', 'consultant.hired')
      .execute();
    expect(audit).toHaveLength(3);
    expect(audit[0].actor).toBe('hr.petrenko');
  });

  it('reads the network as a tree with depth and counts, searchable and from a consultant', async () => {
    const tree = await get('/api/network/tree?asOf=2026-02-01');
    expect(tree.items.map((n: any) => [n.code, n.depth, n.directDownline, n.totalDownline])).toEqual([
      ['A', 0, 1, 2],
      ['B', 1, 1, 1],
      ['V', 2, 0, 0],
    ]);
    expect(
      (await get('/api/network/tree?asOf=2026-02-01&from=B')).items.map((n: any) => [n.code, n.depth]),
    ).toEqual([
      ['B', 0],
      ['V', 1],
    ]);
    expect((await get('/api/network/tree?asOf=2026-02-01&level=1')).items.map((n: any) => n.code)).toEqual([
      'B',
    ]);
    expect(
      (
        await get(
          '/api/network/tree?asOf=2026-02-01&q=%D0%BA%D0%BE%D0%BD%D1%81%D1%83%D0%BB%D1%8C%D1%82%D0%B0%D0%BD%D1%82%20v',
        )
      ).total,
    ).toBe(1);
    expect((await get('/api/network/tree?asOf=2026-01-05')).total).toBe(0);
    expect((await get('/api/consultants/V/upline?asOf=2026-02-01')).items.map((n: any) => n.code)).toEqual([
      'B',
      'A',
    ]);
    expect((await get('/api/consultants/A/downline?asOf=2026-02-01')).items.map((n: any) => n.code)).toEqual([
      'B',
      'V',
    ]);
    const list = await get('/api/consultants?asOf=2026-02-01&unit=KYIV');
    expect(list.items.map((c: any) => [c.code, c.status, c.unitCode])).toEqual([
      ['A', 'active', 'KYIV'],
      ['B', 'active', 'KYIV'],
    ]);
    expect((await get('/api/consultants?q=b')).items.map((c: any) => c.code)).toEqual(['B']);
  });

  it('moves a unit from a date, refuses loops and closed units, and reads the tree as of any date and knowledge', async () => {
    const before = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const units = async (q: string) =>
      (await get(`/api/units?${q}`)).items.map((u: any) => [
        u.code,
        u.parentCode,
        u.depth,
        u.consultants,
        u.consultantsTotal,
      ]);
    expect(await units('asOf=2026-02-01')).toEqual([
      ['HQ', null, 0, 0, 3],
      ['KYIV', 'HQ', 1, 2, 2],
      ['LVIV', 'HQ', 1, 1, 1],
    ]);
    const moved = await post('/api/units/LVIV/move', {
      parentCode: 'KYIV',
      from: '2026-03-01',
      reason: 'реорганізація',
      ...by,
    });
    expect(moved.statusCode).toBe(200);
    expect(await units('asOf=2026-03-01')).toEqual([
      ['HQ', null, 0, 0, 3],
      ['KYIV', 'HQ', 1, 2, 3],
      ['LVIV', 'KYIV', 2, 1, 1],
    ]);
    expect((await units('asOf=2026-02-28'))[2]).toEqual(['LVIV', 'HQ', 1, 1, 1]);
    expect((await units(`asOf=2026-03-01&knownAt=${before.toISOString()}`))[2]).toEqual([
      'LVIV',
      'HQ',
      1,
      1,
      1,
    ]);
    await refused(422, 'body.parentCode', () =>
      post('/api/units/KYIV/move', { parentCode: 'LVIV', from: '2026-03-15', reason: 'x', ...by }),
    );

    expect(
      (await post('/api/units/LVIV/rename', { name: 'Львів-Захід', from: '2026-03-10', ...by })).statusCode,
    ).toBe(200);
    expect((await get('/api/units/LVIV?asOf=2026-03-10')).name).toBe('Львів-Захід');
    expect((await get('/api/units/LVIV?asOf=2026-03-09')).name).toBe('LVIV');

    await refused(422, 'body.closedOn', () =>
      post('/api/units/KYIV/close', { closedOn: '2026-04-01', reason: 'x', ...by }),
    );
    expect(
      (
        await post('/api/units', {
          code: 'EMPTY',
          name: 'Порожній',
          parentCode: 'HQ',
          openedOn: '2026-02-01',
          ...by,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await post('/api/units/EMPTY/close', { closedOn: '2026-04-01', reason: 'закрито', ...by })).statusCode,
    ).toBe(200);
    expect((await units('asOf=2026-03-31')).map((u: any[]) => u[0])).toContain('EMPTY');
    expect((await units('asOf=2026-04-01')).map((u: any[]) => u[0])).not.toContain('EMPTY');
    await refused(422, 'body.parentCode', () =>
      post('/api/units/LVIV/move', { parentCode: 'EMPTY', from: '2026-04-05', reason: 'x', ...by }),
    );
    await refused(422, 'body.unitCode', () =>
      post('/api/consultants/V/transfer', {
        unitCode: 'EMPTY',
        effectiveOn: '2026-04-05',
        reason: 'x',
        ...by,
      }),
    );
  });

  it('transfers inside a closed period only when another signed-in user approves it, raising the recalculation', async () => {
    await ctx.database.db
      .insertInto('production_period')
      .values({
        code: '2026-01',
        starts_on: '2026-01-01',
        ends_on: '2026-01-31',
        status: 'closed',
        calculated_at: new Date(),
        closed_at: new Date(),
        closed_by: 'buh',
      })
      .execute();
    const transfer = {
      unitCode: 'KYIV',
      sponsorCode: 'A',
      effectiveOn: '2026-01-20',
      reason: 'за заявою',
      ...by,
    };
    // Nobody names an approver in a request: the field does not exist.
    const named = await post('/api/consultants/V/transfer', { ...transfer, approvedBy: 'director.koval' });
    expect(named.statusCode).toBe(400);
    // A transfer the network would refuse is refused when it is proposed, naming the field.
    await refused(422, 'body.sponsorCode', () =>
      post('/api/consultants/V/transfer', { ...transfer, sponsorCode: 'V' }),
    );
    const proposed = await post('/api/consultants/V/transfer', transfer);
    expect(proposed.statusCode).toBe(202);
    expect(proposed.json().changeRequest).toMatchObject({ proposedBy: 'hr.petrenko', status: 'pending' });
    expect(await ctx.database.db.selectFrom('recalculation_request').select('id').execute()).toEqual([]);
    const director = await signInAs(app, ctx.database, 'back_office', { login: 'director.koval' });
    const done = await director.inject({
      method: 'POST',
      url: `/api/approvals/${proposed.json().changeRequest.id}/approve`,
      payload: {},
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().result.requestedPeriods).toEqual(['2026-01']);
    const requests = await ctx.database.db
      .selectFrom('recalculation_request')
      .select(['cause_kind', 'description'])
      .orderBy('cause_kind')
      .execute();
    expect(requests.map((r) => r.cause_kind)).toEqual(['sponsor_change', 'unit_change']);
    expect(requests[0].description).toMatch(/вніс hr\.petrenko, погодив director\.koval/);
    expect((await get('/api/consultants/V/upline?asOf=2026-01-25')).items.map((n: any) => n.code)).toEqual([
      'A',
    ]);
    expect((await get('/api/consultants/V/upline?asOf=2026-01-15')).items.map((n: any) => n.code)).toEqual([
      'B',
      'A',
    ]);
    // Outside closed periods no approval is asked.
    expect(
      (
        await post('/api/consultants/V/transfer', {
          sponsorCode: 'B',
          effectiveOn: '2026-02-01',
          reason: 'назад',
          ...by,
        })
      ).statusCode,
    ).toBe(200);
  });

  it('terminates, rehires and changes contact details; the card tells it as of any date', async () => {
    expect(
      (
        await post('/api/consultants/V/terminate', {
          terminatedOn: '2026-05-01',
          reason: 'за власним бажанням',
          ...by,
        })
      ).statusCode,
    ).toBe(200);
    await refused(409, 'code', () =>
      post('/api/consultants/V/terminate', { terminatedOn: '2026-05-02', reason: 'x', ...by }),
    );
    await refused(422, 'body.rehiredOn', () =>
      post('/api/consultants/V/rehire', { rehiredOn: '2026-04-01', reason: 'x', ...by }),
    );
    expect((await get('/api/consultants/V?asOf=2026-05-15')).status).toBe('terminated');
    expect(
      (await post('/api/consultants/V/rehire', { rehiredOn: '2026-06-01', reason: 'повернулася', ...by }))
        .statusCode,
    ).toBe(200);
    const contact = await post(
      '/api/consultants/V/contact',
      { email: 'v@example.com', address: 'Львів, вул. Городоцька, 1', ...by },
      'PATCH',
    );
    expect(contact.statusCode).toBe(200);
    await refused(400, 'body.email', () =>
      post('/api/consultants/V/contact', { email: 'not an email', ...by }, 'PATCH'),
    );

    const card = await get('/api/consultants/V?asOf=2026-06-10');
    expect(card).toMatchObject({
      code: 'V',
      status: 'active',
      level: 'CONSULTANT',
      unit: { code: 'KYIV' },
      contact: { email: 'v@example.com', address: 'Львів, вул. Городоцька, 1', phone: null },
      policies: { count: 0, firstPage: '/api/consultants/V/policies?asOf=2026-06-10&page=1' },
      accruals: [],
      acts: [],
    });
    expect(card.statusHistory.map((s: any) => [s.status, s.validFrom, s.validTo])).toEqual([
      ['active', '2026-01-10', '2026-05-01'],
      ['terminated', '2026-05-01', '2026-06-01'],
      ['active', '2026-06-01', '9999-12-31'],
    ]);
    expect(card.upline.map((u: any) => u.code)).toEqual(['B', 'A']);
    const b = await get('/api/consultants/B?asOf=2026-06-10');
    expect(b.directDownline.map((d: any) => d.code)).toEqual(['V']);
    expect(b.legalForm).toBe('sole_proprietor');
    expect((await get('/api/consultants/V/policies')).total).toBe(0);
    await refused(404, 'code', () => api.inject({ method: 'GET', url: '/api/consultants/NOBODY' }));
  });
});

describeEachEngine('two sponsor changes at once', (ctx) => {
  it('lets one through and refuses the other, so the two cannot make a loop', async () => {
    const by = { recordedBy: 'hr' };
    await openUnit(ctx.database, { code: 'U', name: 'U', openedOn: '2026-01-01', ...by });
    for (const [code, tax] of [
      ['X', '3184710691'],
      ['Y', '1234567899'],
    ])
      await hireConsultant(ctx.database, {
        code,
        fullName: code,
        taxNumber: tax,
        legalForm: 'individual',
        sponsorCode: null,
        unitCode: 'U',
        hiredOn: '2026-01-01',
        ...by,
      });
    const results = await Promise.allSettled([
      transferConsultant(ctx.database, {
        code: 'X',
        sponsorCode: 'Y',
        effectiveOn: '2026-02-01',
        reason: 'r',
        ...by,
      }),
      transferConsultant(ctx.database, {
        code: 'Y',
        sponsorCode: 'X',
        effectiveOn: '2026-02-01',
        reason: 'r',
        ...by,
      }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = (results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
    expect(refusal).toBeInstanceOf(NetworkInputError);
    expect(refusal.field).toBe('sponsorCode');
  });
});
