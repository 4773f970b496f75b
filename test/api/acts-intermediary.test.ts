/**
 * The intermediary's own details for acts (GET /api/acts/intermediary): the demo agency's when no
 * setting is given, ECSPERT_INTERMEDIARY_NAME / _EDRPOU / _CITY when they are, the acts route's own
 * when the server was given one; a half-set or malformed setting is named; only those who may issue
 * acts read it.
 */
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { actsIntermediaryRoutes } from '../../src/api/routes/back-office/intermediary';
import { DEMO_INTERMEDIARY, intermediaryFromEnv } from '../../src/config/intermediary';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, testConfig, type SignedIn, signInAs } from './support/api-harness';

const SETTINGS = ['ECSPERT_INTERMEDIARY_NAME', 'ECSPERT_INTERMEDIARY_EDRPOU', 'ECSPERT_INTERMEDIARY_CITY'];

describe('the intermediary settings', () => {
  it('are the demo agency’s when none is set, and the settings’ when they are', () => {
    expect(intermediaryFromEnv({})).toEqual({ intermediary: { ...DEMO_INTERMEDIARY }, source: 'demo' });
    expect(
      intermediaryFromEnv({
        ECSPERT_INTERMEDIARY_NAME: ' ТОВ «Брокер Захід» ',
        ECSPERT_INTERMEDIARY_EDRPOU: '12345678',
        ECSPERT_INTERMEDIARY_CITY: 'м. Львів',
      }),
    ).toEqual({
      intermediary: { name: 'ТОВ «Брокер Захід»', edrpou: '12345678', city: 'м. Львів' },
      source: 'settings',
    });
  });

  it('name the setting at fault', () => {
    expect(() => intermediaryFromEnv({ ECSPERT_INTERMEDIARY_EDRPOU: '12345678' })).toThrow(
      /ECSPERT_INTERMEDIARY_NAME/,
    );
    expect(() =>
      intermediaryFromEnv({ ECSPERT_INTERMEDIARY_NAME: 'ТОВ «Брокер»', ECSPERT_INTERMEDIARY_EDRPOU: '1234' }),
    ).toThrow(/ECSPERT_INTERMEDIARY_EDRPOU: '1234' is not an eight-digit/);
  });
});

describeEachEngine('GET /api/acts/intermediary', (ctx) => {
  let fromSettings: FastifyInstance;
  let fromServer: FastifyInstance;
  let backOffice: SignedIn;
  let integration: SignedIn;
  const saved: Record<string, string | undefined> = {};

  const build = (intermediary?: { name: string; edrpou: string; city?: string }) =>
    buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [actsIntermediaryRoutes({ intermediary })] },
    );

  beforeAll(async () => {
    for (const name of SETTINGS) saved[name] = process.env[name];
    fromSettings = await build();
    fromServer = await build({ name: 'ТОВ «Посередник»', edrpou: '87654321' });
    backOffice = await signInAs(fromSettings, ctx.database, 'back_office');
    integration = await signInAs(fromSettings, ctx.database, 'integration');
  });
  afterEach(() => {
    for (const name of SETTINGS)
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
  });
  afterAll(async () => {
    await fromSettings?.close();
    await fromServer?.close();
  });

  it('answers the demo agency’s details when nothing is set, and the settings when they are', async () => {
    for (const name of SETTINGS) delete process.env[name];
    const demo = await backOffice.inject({ url: '/api/acts/intermediary' });
    expect(demo.statusCode).toBe(200);
    expect(demo.json()).toEqual({ ...DEMO_INTERMEDIARY, source: 'demo' });

    process.env.ECSPERT_INTERMEDIARY_NAME = 'ТОВ «Брокер Захід»';
    process.env.ECSPERT_INTERMEDIARY_EDRPOU = '12345678';
    process.env.ECSPERT_INTERMEDIARY_CITY = 'м. Львів';
    expect((await backOffice.inject({ url: '/api/acts/intermediary' })).json()).toEqual({
      name: 'ТОВ «Брокер Захід»',
      edrpou: '12345678',
      city: 'м. Львів',
      source: 'settings',
    });
  });

  it('answers the acts route’s own intermediary when the server was given one', async () => {
    const bo = await signInAs(fromServer, ctx.database, 'back_office');
    expect((await bo.inject({ url: '/api/acts/intermediary' })).json()).toEqual({
      name: 'ТОВ «Посередник»',
      edrpou: '87654321',
      city: null,
      source: 'server',
    });
  });

  it('is refused to those who may not issue acts', async () => {
    expect((await integration.inject({ url: '/api/acts/intermediary' })).statusCode).toBe(403);
  });
});
