/**
 * ЄДРПОУ (the code of a legal entity, 8 digits) has a check digit: the first seven digits weighted
 * 1..7 (7,1,2,…,6 for codes between 30 000 000 and 60 000 000) mod 11, and when that gives 10, once
 * more with every weight +2 (10 again gives 0). Real codes are accepted, a wrong last digit is
 * refused; a company entered as a person or as an application's holder is refused naming the field,
 * and nothing is stored.
 */
import type { FastifyInstance } from 'fastify';
import { edrpouProblem } from '../../../back-office/policies';
import { buildApi, createQueueProbe } from '../../../src/api';
import { policyRoutes } from '../../../src/api/routes/core/policies';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedInsurersAndConsultants } from '../../exchange/support/intermediary';
import { describeEachEngine } from '../../support/engines';

/** Published codes of real legal entities (their check digits are the registry's, not ours). */
const REAL = [
  '00032129', // weights 1..7: 0·1+0·2+0·3+3·4+2·5+1·6+2·7 = 42, 42 mod 11 = 9
  '14360570', // 1+8+9+24+0+30+49 = 121, mod 11 = 0
  '21560045', // 2+2+15+24+0+0+28 = 71, mod 11 = 5
  '32855961', // between 30 and 60 million: weights 7,1,2,3,4,5,6: 155 mod 11 = 1
];
const wrongLast = (code: string) => code.slice(0, 7) + String((Number(code[7]) + 1) % 10);

describe('ЄДРПОУ check digit', () => {
  it.each(REAL)('accepts the real code %s', (code) => {
    expect(edrpouProblem(code)).toBeNull();
  });

  it.each(REAL)('refuses %s with its last digit changed, saying which digit it should be', (code) => {
    expect(edrpouProblem(wrongLast(code))).toBe(
      `check digit is wrong: ${code.slice(0, 7)} gives ${code[7]}, not ${wrongLast(code)[7]} (ЄДРПОУ)`,
    );
  });

  it('takes the second pass (weights +2) when the first gives 10, and 0 when the second does too', () => {
    // 1213813: 1+4+3+12+40+6+21 = 87, mod 11 = 10; again with 3..9: 3+8+5+18+56+8+27 = 125, mod 11 = 4.
    expect(edrpouProblem('12138134')).toBeNull();
    expect(edrpouProblem('12138130')).toMatch(/gives 4, not 0/);
    // 3668703 (weights 7,1,2,3,4,5,6): 21+6+12+24+28+0+18 = 109, mod 11 = 10; with 9,3,4,…,8:
    // 27+18+24+40+42+0+24 = 175, mod 11 = 10 again, so the check digit is 0.
    expect(edrpouProblem('36687030')).toBeNull();
    expect(edrpouProblem('36687031')).toMatch(/gives 0, not 1/);
    // 3390815: 109 mod 11 = 10, then 167 mod 11 = 2 (the demo's third insurer, Polissia, 33908150, is not valid).
    expect(edrpouProblem('33908152')).toBeNull();
    expect(edrpouProblem('33908150')).toMatch(/gives 2, not 0/);
  });

  it('still says when it is not 8 digits', () => {
    expect(edrpouProblem('1436057')).toBe('must be 8 digits (ЄДРПОУ)');
    expect(edrpouProblem('1436057O')).toBe('must be 8 digits (ЄДРПОУ)');
  });
});

describeEachEngine('companies as persons: the ЄДРПОУ check digit over HTTP', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    await seedInsurersAndConsultants(ctx.database);
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes: [policyRoutes] },
    );
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  const post = (url: string, payload: unknown) =>
    api.inject({ method: 'POST', url, payload: payload as object });
  const count = async (table: 'person' | 'application') =>
    (await ctx.database.db.selectFrom(table).select('id').execute()).length;

  it('adds a company with a real ЄДРПОУ', async () => {
    const added = await post('/api/persons', {
      kind: 'company',
      fullName: 'АТ КБ «ПриватБанк»',
      companyCode: '14360570',
      addedBy: 'olena',
    });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ kind: 'company', companyCode: '14360570', taxNumber: null });
  });

  it('refuses a company whose ЄДРПОУ has a wrong check digit, naming the field, and stores nothing', async () => {
    const persons = await count('person');
    const refused = await post('/api/persons', {
      kind: 'company',
      fullName: 'ТОВ «Ромашка»',
      companyCode: '21560046',
      addedBy: 'olena',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({
      message: 'companyCode: check digit is wrong: 2156004 gives 5, not 6 (ЄДРПОУ)',
      details: [{ field: 'body.companyCode' }],
    });
    expect(await count('person')).toBe(persons);
  });

  it('refuses an application whose new company holder has a wrong ЄДРПОУ, naming holder.companyCode', async () => {
    const persons = await count('person');
    const applications = await count('application');
    const refused = await post('/api/applications', {
      consultant: 'K-00012',
      insurer: 'KARPATY',
      product: 'PROP-HOME',
      holder: { kind: 'company', fullName: 'ТОВ «Ромашка»', companyCode: '00032128' },
      premium: '1000.00',
      sumInsured: '120000.00',
      paymentFrequency: 1,
      startOn: '2026-10-10',
      signedOn: '2026-10-01',
      enteredBy: 'olena',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().details[0].field).toBe('body.holder.companyCode');
    expect(refused.json().message).toBe(
      'holder.companyCode: check digit is wrong: 0003212 gives 9, not 8 (ЄДРПОУ)',
    );
    expect(await count('person')).toBe(persons);
    expect(await count('application')).toBe(applications);
  });
});
