/**
 * Roles are enforced on the server for every route: each operation of the OpenAPI document is asked
 * with no login and as every role, and answers 401, 403 or lets the caller through (anything but
 * 401/403) as the role → permission table says. A new route joins the walk by itself. A manager and
 * a consultant get through to the network and policy reads, and are shown only their scope there
 * (test/api/network-policy-scope.test.ts and data-scope.test.ts check the scopes in depth).
 *
 * Requests that get through carry an unknown query parameter (and body field), so every route
 * refuses them with 400 at validation, after the role check and before it could change anything.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { ROLES, type Role, roleAllows, type RoutePermission } from '../../src/auth';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, type SignedIn, signInAs, testConfig } from './support/api-harness';
import { buildFullApi } from './support/full-app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type JsonSchema = Record<string, any>;

interface Operation {
  'x-permission'?: RoutePermission;
  'x-roles'?: Role[];
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; schema: JsonSchema }[];
}

/** A value a path parameter takes (a period, a date, an id, a code). */
function sample(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return String(schema.enum[0]);
  if (Array.isArray(schema.examples)) return String(schema.examples[0]);
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes('integer') || types.includes('number')) return String(Math.max(schema.minimum ?? 1, 1));
  if (schema.pattern) {
    const pattern = new RegExp(schema.pattern, 'u');
    const found = ['2026-03', '2026-03-01', '000001', 'A1', 'X', '1'].find((c) => pattern.test(c));
    if (found) return found;
  }
  return 'X'.repeat(Math.max(1, schema.minLength ?? 1));
}

describeEachEngine('roles on every route', (ctx) => {
  let app: FastifyInstance;
  const users = new Map<Role, SignedIn>();
  const operations: { method: string; path: string; url: string; operation: Operation }[] = [];

  beforeAll(async () => {
    const { db } = ctx.database;
    await db
      .insertInto('unit')
      .values({ code: 'BRANCH', name: 'Філія', city: null, created_at: new Date() })
      .execute();
    // K-1 is the consultant who signs in; K-2 is nobody's downline and in no unit.
    for (const code of ['K-1', 'K-2'])
      await db
        .insertInto('consultant')
        .values({
          code,
          full_name: `Консультант ${code}`,
          tax_number: null,
          legal_form: 'individual',
          email: null,
          phone: null,
          hired_on: '2025-01-01',
          terminated_on: null,
          created_at: new Date(),
        })
        .execute();
    app = await buildFullApi(ctx.database);
    await app.ready();
    for (const role of ROLES)
      users.set(
        role,
        await signInAs(app, ctx.database, role, {
          consultantCode: role === 'consultant' ? 'K-1' : undefined,
          unitCode: role === 'manager' ? 'BRANCH' : undefined,
        }),
      );
    const doc = app.swagger() as { paths: Record<string, Record<string, Operation>> };
    for (const [path, item] of Object.entries(doc.paths))
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const url = path.replace(/\{(\w+)\}/g, (_m, name: string) => {
          const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
          return encodeURIComponent(sample(parameter?.schema ?? {}));
        });
        operations.push({ method, path, url, operation });
      }
  });
  afterAll(() => app?.close());

  it('walks every route of the OpenAPI document, each with a known permission', () => {
    expect(operations.length).toBeGreaterThanOrEqual(35);
    const unknown = operations.filter((o) => !o.operation['x-permission']);
    expect(unknown.map((o) => `${o.method} ${o.path}`)).toEqual([]);
    expect(operations.map((o) => `${o.method} ${o.path} ${o.operation['x-permission']}`)).toEqual(
      expect.arrayContaining([
        'get /health public',
        'post /api/auth/login public',
        'get /api/insurers catalogue.read',
        'get /api/periods/{code}/accruals accruals.read',
        'post /api/users users.admin',
        'get /api/consultants network.read',
        'get /api/policies policies.read',
        'post /api/consultants network.write',
      ]),
    );
  });

  it('lets a manager and a consultant read the network and policies, and change neither', () => {
    const rolesOf = (method: string, path: string) =>
      operations.find((o) => o.method === method && o.path === path)?.operation['x-roles'];
    for (const path of [
      '/api/consultants',
      '/api/network/tree',
      '/api/units',
      '/api/policies',
      '/api/persons',
    ])
      expect({ path, roles: rolesOf('get', path) }).toEqual({
        path,
        roles: ['administrator', 'back_office', 'manager', 'consultant'],
      });
    for (const path of ['/api/consultants', '/api/units', '/api/persons', '/api/applications'])
      expect({ path, roles: rolesOf('post', path) }).toEqual({
        path,
        roles: ['administrator', 'back_office'],
      });
  });

  it('shows a manager and a consultant who got through only their scope', async () => {
    const codes = async (role: Role, url: string) => {
      const response = await users.get(role)!.inject({ url });
      return {
        status: response.statusCode,
        codes: response.json().items?.map((i: { code: string }) => i.code),
      };
    };
    expect(await codes('back_office', '/api/consultants')).toEqual({ status: 200, codes: ['K-1', 'K-2'] });
    expect(await codes('consultant', '/api/consultants')).toEqual({ status: 200, codes: ['K-1'] });
    // The manager's unit holds nobody today.
    expect(await codes('manager', '/api/consultants')).toEqual({ status: 200, codes: [] });
    for (const role of ['consultant', 'manager'] as const)
      expect((await users.get(role)!.inject({ url: '/api/consultants/K-2' })).statusCode).toBe(404);
    expect((await users.get('back_office')!.inject({ url: '/api/consultants/K-2' })).statusCode).toBe(200);
  });

  it('declares the security of every operation: none when public, the session cookie or a token otherwise', () => {
    const doc = app.swagger() as { components: { securitySchemes: Record<string, unknown> } };
    expect(doc.components.securitySchemes).toEqual({
      cookieAuth: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'ecspert_session' }),
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
    const accruals = operations.find((o) => o.method === 'get' && o.path === '/api/periods/{code}/accruals')!;
    expect(accruals.operation).toMatchObject({
      'x-roles': ['administrator', 'back_office', 'manager', 'consultant'],
      description: expect.stringContaining(
        'Permission `accruals.read`: administrator, back_office, manager, consultant.',
      ),
    });
    for (const { operation } of operations)
      expect(operation.security).toEqual(
        operation['x-permission'] === 'public' ? [] : [{ cookieAuth: [] }, { bearerAuth: [] }],
      );
  });

  it('answers 401 / 403 / lets through, per role and route, as the role table says', async () => {
    const wrong: string[] = [];
    for (const { method, path, url, operation } of operations) {
      const permission = operation['x-permission']!;
      const ask = async (who: SignedIn | null) => {
        const request = {
          method: method.toUpperCase() as 'GET',
          url: `${url}?matrixProbe=1`,
          ...(method === 'get' ? {} : { payload: { matrixProbe: 1 } }),
        };
        return (who ? await who.inject(request) : await app.inject(request)).statusCode;
      };
      const anonymous = await ask(null);
      if (permission === 'public' ? [401, 403].includes(anonymous) : anonymous !== 401)
        wrong.push(`${method} ${path} (${permission}) without a login: ${anonymous}`);
      for (const role of ROLES) {
        const status = await ask(users.get(role)!);
        const allowed = roleAllows(role, permission);
        if (allowed ? [401, 403].includes(status) : status !== 403)
          wrong.push(
            `${method} ${path} (${permission}) as ${role}: ${status}, expected ${allowed ? 'through' : 403}`,
          );
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses to start when a route declares no permission', async () => {
    const undeclared: FastifyPluginAsync = async (instance) => {
      instance.get('/api/forgotten', async () => ({ secret: true }));
    };
    await expect(
      buildApi(
        {
          database: ctx.database,
          config: testConfig(),
          logger: memoryLogger('silent').logger,
          queue: createQueueProbe(null),
        },
        { routes: [undeclared] },
      ),
    ).rejects.toThrow(/route GET \/api\/forgotten declares no permission/);
  });

  it('refuses to start when a route declares a permission nobody knows', async () => {
    const misspelt: FastifyPluginAsync = async (instance) => {
      instance.get('/api/misspelt', { config: { permission: 'acts.raed' as never } }, async () => ({}));
    };
    await expect(
      buildApi(
        {
          database: ctx.database,
          config: testConfig(),
          logger: memoryLogger('silent').logger,
          queue: createQueueProbe(null),
        },
        { routes: [misspelt] },
      ),
    ).rejects.toThrow(/unknown permission 'acts.raed'/);
  });
});
