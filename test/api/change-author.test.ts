/**
 * Who made a change is who is signed in: the audit log records the caller's login, not a name the
 * request body gives (recordedBy, by, … are overwritten with it; a body may leave them out), and no
 * request can name an approver (a change inside a closed period waits for a second signed-in user:
 * test/back-office/periods/approvals.test.ts), on both engines.
 */
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../src/api';
import { describeEachEngine } from '../support/engines';
import { memoryLogger, type SignedIn, signInAs, testConfig } from './support/api-harness';

describeEachEngine('the author of a change', (ctx) => {
  let app: FastifyInstance;
  let clerk: SignedIn;

  beforeAll(async () => {
    app = await buildApi({
      database: ctx.database,
      config: testConfig(),
      logger: memoryLogger('silent').logger,
      queue: createQueueProbe(null),
    });
    clerk = await signInAs(app, ctx.database, 'back_office', { login: 'olena' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const auditOf = (entityId: string) =>
    ctx.database.db
      .selectFrom('audit_log')
      .select(['actor', 'action'])
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute();

  it('is the signed-in user, whatever name the body gives', async () => {
    const created = await clerk.inject({
      method: 'POST',
      url: '/api/insurers',
      payload: { code: 'FORGED', name: 'СК «Підробна»', recordedBy: 'mallory', reason: 'agency agreement' },
    });
    expect(created.statusCode).toBe(201);
    const changed = await clerk.inject({
      method: 'PATCH',
      url: '/api/insurers/FORGED',
      payload: { name: 'СК «Справжня»', recordedBy: 'the director', reason: 'renamed' },
    });
    expect(changed.statusCode).toBe(200);
    expect(await auditOf('FORGED')).toEqual([
      { actor: 'olena', action: 'insurer.add' },
      { actor: 'olena', action: 'insurer.update' },
    ]);
  });

  it('is the signed-in user when the body leaves it out, as the OpenAPI document says it may', async () => {
    const created = await clerk.inject({
      method: 'POST',
      url: '/api/insurers',
      payload: { code: 'NOAUTHOR', name: 'СК «Без автора»', reason: 'agency agreement' },
    });
    expect(created.statusCode).toBe(201);
    expect(await auditOf('NOAUTHOR')).toEqual([{ actor: 'olena', action: 'insurer.add' }]);
    const document = (await app.inject({ url: '/docs/json' })).json();
    const authors = [
      'recordedBy',
      'postedBy',
      'closedBy',
      'createdBy',
      'by',
      'addedBy',
      'changedBy',
      'enteredBy',
      'withdrawnBy',
    ];
    const required: string[] = [];
    let approver = 0;
    for (const [route, operations] of Object.entries<any>(document.paths))
      for (const [method, operation] of Object.entries<any>(operations)) {
        const body = operation.requestBody?.content?.['application/json']?.schema;
        for (const name of body?.required ?? [])
          if (authors.includes(name)) required.push(`${method.toUpperCase()} ${route} ${name}`);
        if (body?.properties?.approvedBy) approver++;
      }
    expect(required).toEqual([]);
    expect(approver).toBe(0);
  });
});
