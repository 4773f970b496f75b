/**
 * The OpenAPI document of the full app tells the truth as a standard linter reads it: Redocly CLI with
 * the repository's redocly.yaml (recommended rules) reports no error, the same run as `npm run lint:api`.
 * Besides, each operation has a unique operationId, says what security it needs, and documents a 4xx.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { deriveOperationId } from '../../src/api/plugins/openapi';
import { memoryLogger, openBareDatabase, testConfig } from './support/api-harness';
import { fullOpenApiDocument, lintDocument } from './support/openapi-lint';
import type { Database } from '../../src/db';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

describe('the OpenAPI document of the full app', () => {
  let document: Record<string, any>;
  const operations: { where: string; operation: Record<string, any> }[] = [];

  beforeAll(async () => {
    document = await fullOpenApiDocument();
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>))
      for (const method of METHODS)
        if (item[method])
          operations.push({ where: `${method.toUpperCase()} ${path}`, operation: item[method] });
  });

  it('passes Redocly’s recommended rules with no error', () => {
    const result = lintDocument(document);
    const errors = result.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId} ${decodeURIComponent(p.pointer)}: ${p.message}`);
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
  });

  it('has no warning either', () => {
    const result = lintDocument(document);
    const warnings = result.problems
      .filter((p) => p.severity === 'warn')
      .map((p) => `${p.ruleId} ${decodeURIComponent(p.pointer)}: ${p.message}`);
    expect(warnings).toEqual([]);
  });

  it('names a server, a license and a contact', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(document.info.license.name).toMatch(/UNLICENSED/);
    expect(document.info.contact.name).toBeTruthy();
  });

  it('gives every operation a unique operationId', () => {
    expect(operations.length).toBeGreaterThan(50);
    const ids = operations.map((o) => o.operation.operationId);
    expect(operations.filter((o) => typeof o.operation.operationId !== 'string').map((o) => o.where)).toEqual(
      [],
    );
    expect(new Set(ids).size).toBe(ids.length);
    const byWhere = Object.fromEntries(operations.map((o) => [o.where, o.operation.operationId]));
    expect(byWhere['GET /api/insurers/{code}']).toBe('getInsurersByCode');
    expect(byWhere['POST /api/auth/login']).toBe('postAuthLogin');
  });

  it('says on every operation what security it needs, with schemes the document declares', () => {
    const schemes = Object.keys(document.components.securitySchemes).sort();
    expect(schemes).toEqual(['bearerAuth', 'cookieAuth']);
    for (const { where, operation } of operations) {
      expect([where, Array.isArray(operation.security)]).toEqual([where, true]);
      if (operation['x-permission'] === 'public') expect([where, operation.security]).toEqual([where, []]);
      else {
        expect([where, operation.security]).toEqual([where, [{ cookieAuth: [] }, { bearerAuth: [] }]]);
        expect([where, Object.keys(operation.responses)]).toEqual([
          where,
          expect.arrayContaining(['400', '401', '403']),
        ]);
      }
    }
  });

  it('documents a 4xx answer in the error shape on every operation', () => {
    for (const { where, operation } of operations) {
      const clientErrors = Object.keys(operation.responses).filter((code) => /^4\d\d$/.test(code));
      expect([where, clientErrors.length > 0]).toEqual([where, true]);
      expect([where, operation.responses['400'].content['application/json'].schema]).toEqual([
        where,
        { $ref: '#/components/schemas/ApiError' },
      ]);
    }
  });

  it('documents the cross-site guard’s 403 and 415 on a public operation that changes something', () => {
    const login = document.paths['/api/auth/login'].post;
    expect(Object.keys(login.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '413', '415']));
    expect(login.responses['401']).toBeDefined(); // its own: a wrong password
    const health = document.paths['/health'].get;
    expect(Object.keys(health.responses).sort()).toEqual(['200', '400', '503']);
  });

  it('leaves out the query and body of operations that take none', () => {
    const logout = document.paths['/api/auth/logout'].post;
    expect(logout.parameters).toBeUndefined();
    expect(logout.requestBody).toBeUndefined();
    const login = document.paths['/api/auth/login'].post;
    expect(Object.keys(login.requestBody.content['application/json'].schema.properties)).toEqual([
      'login',
      'password',
    ]);
  });
});

describe('operationIds', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openBareDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  async function appWith(routes: FastifyPluginAsync[]): Promise<FastifyInstance> {
    return buildApi(
      {
        database,
        config: testConfig(),
        logger: memoryLogger('silent').logger,
        queue: createQueueProbe(null),
      },
      { routes, authenticate: async () => null },
    );
  }

  it('are derived from method and path, camelCase, without the /api prefix', () => {
    expect(deriveOperationId('GET', '/api/periods/:code/acts/register')).toBe('getPeriodsByCodeActsRegister');
    expect(deriveOperationId('POST', '/api/users/:login/reset-password')).toBe(
      'postUsersByLoginResetPassword',
    );
    expect(deriveOperationId('DELETE', '/api/users/:login/tokens/:id')).toBe('deleteUsersByLoginTokensById');
    expect(deriveOperationId('GET', '/health')).toBe('getHealth');
  });

  it('keep a route’s own, and make derived ones unique', async () => {
    const app = await appWith([
      async (scope) => {
        const config = { permission: 'public' } as const;
        scope.get('/api/a-b', { config }, async () => ({}));
        scope.get('/api/aB', { config }, async () => ({}));
        scope.get('/api/mine', { config, schema: { operationId: 'readMine' } }, async () => ({}));
      },
    ]);
    await app.ready();
    const paths = (app.swagger() as any).paths;
    expect(paths['/api/a-b'].get.operationId).toBe('getAB');
    expect(paths['/api/aB'].get.operationId).toBe('getAB2');
    expect(paths['/api/mine'].get.operationId).toBe('readMine');
    await app.close();
  });

  it('stop the app when two routes claim the same one', async () => {
    await expect(
      appWith([
        async (scope) => {
          const config = { permission: 'public' } as const;
          scope.get('/api/one', { config, schema: { operationId: 'same' } }, async () => ({}));
          scope.get('/api/two', { config, schema: { operationId: 'same' } }, async () => ({}));
        },
      ]).then((app) => app.ready()),
    ).rejects.toThrow(/GET \/api\/two has operationId same, which GET \/api\/one has already/);
  });
});
