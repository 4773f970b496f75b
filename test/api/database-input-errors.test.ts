/**
 * The safety net behind route validation: a database error caused by a value from the request
 * (SQLSTATE 22xxx: NUL byte, too long, out of range, a date that does not exist) answers 400 with a
 * message that does not quote the value, not 500. Routes still validate first and name the field.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import { buildApi, createQueueProbe } from '../../src/api';
import { inputErrorMessage } from '../../src/api/errors';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, testConfig, type SignedIn, signInAs } from './support/api-harness';

const statements: Record<string, (value: string) => ReturnType<typeof sql>> = {
  date: (value) => sql`select cast(${value} as date) as v`,
  bigint: (value) => sql`select cast(${value} as bigint) as v`,
};

describeEachEngine('database errors caused by input', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    // A route that hands its value to the database unchecked, as a route with a gap in its schema would.
    const unchecked: FastifyPluginAsync = async (instance) => {
      instance.post<{ Body: { kind: string; value: string } }>(
        '/test/unchecked',
        {
          config: { permission: 'public' },
          schema: {
            body: {
              type: 'object',
              properties: { kind: { type: 'string' }, value: { type: 'string' } },
              additionalProperties: false,
            },
          },
        },
        async (request) => {
          const { kind, value } = request.body;
          const statement = statements[kind];
          if (kind === 'long') {
            await sql`create temporary table if not exists too_long (v varchar(3))`.execute(ctx.database.db);
            await sql`insert into too_long values (${value})`.execute(ctx.database.db);
          } else await statement(value).execute(ctx.database.db);
          return { ok: true };
        },
      );
    };
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [unchecked] },
    );
    api = await signInAs(app, ctx.database, 'administrator');
  });
  afterAll(() => app?.close());

  it.each([
    ['a date that does not exist', 'date', '2026-02-31'],
    ['a number out of range', 'bigint', '99999999999999999999'],
    ['text that is not a number', 'bigint', 'abc'],
    ['text longer than its column', 'long', 'abcdef'],
  ])('answers 400 for %s', async (_name, kind, value) => {
    const response = await api.inject({ method: 'POST', url: '/test/unchecked', payload: { kind, value } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('bad_request');
    expect(response.body).not.toContain(value);
  });

  it('takes the NUL byte the database refuses for input too (routes refuse it before)', async () => {
    const error = await sql`select cast(${'a\u0000b'} as text) as v`.execute(ctx.database.db).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(inputErrorMessage(error)).toMatch(/character/);
  });
});
