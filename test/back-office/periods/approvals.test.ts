/**
 * Changes inside a closed period need a second signed-in user, over HTTP on both engines: March is
 * closed; a back-office user (olena) enters a career change, a sponsor change and a transfer that
 * start in March. Each is kept as a pending change request, nothing applied; olena cannot approve
 * her own; another back-office user (petro) approves (then it is applied, with both names from the
 * sessions, and the recalculation of March is requested) or rejects it with a reason; two approvers
 * at once apply a request once. A change from April (open) is applied at once.
 */
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { backOfficeRoutes } from '../../../src/api/routes/back-office';
import { networkRoutes } from '../../../src/api/routes/core/network';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedNetwork } from '../compensation/db-support';
import { describeEachEngine } from '../../support/engines';

describeEachEngine('changes inside closed periods: approval by a second person', (ctx) => {
  let app: FastifyInstance;
  let olena: SignedIn;
  let petro: SignedIn;
  let admin: SignedIn;
  let consultant: SignedIn;

  const db = () => ctx.database.db as any;
  const careerRows = async () =>
    (
      await db()
        .selectFrom('consultant_career as cc')
        .innerJoin('consultant as c', 'c.id', 'cc.consultant_id')
        .select(['c.code', 'cc.level_code', 'cc.valid_from', 'cc.recorded_by', 'cc.approved_by'])
        .where('c.code', '=', 'S')
        .where('cc.superseded_at', '>', new Date())
        .orderBy('cc.valid_from')
        .execute()
    ).map((r: any) => `${r.level_code} ${r.valid_from} ${r.recorded_by} ${r.approved_by}`);
  const sponsorRows = async () =>
    (
      await db()
        .selectFrom('consultant_sponsor as cs')
        .innerJoin('consultant as c', 'c.id', 'cs.consultant_id')
        .leftJoin('consultant as s', 's.id', 'cs.sponsor_id')
        .select(['s.code as sponsor', 'cs.valid_from', 'cs.recorded_by'])
        .where('c.code', '=', 'S')
        .where('cs.superseded_at', '>', new Date())
        .orderBy('cs.valid_from')
        .execute()
    ).map((r: any) => `${r.sponsor} ${r.valid_from} ${r.recorded_by}`);
  const pendingRecalculations = async () =>
    (await olena.inject({ url: '/api/corrections/pending' })).json().items.length as number;

  beforeAll(async () => {
    await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    await db()
      .insertInto('career_level')
      .values(
        ['CONSULTANT', 'MANAGER', 'DIRECTOR'].map((code, n) => ({ code, name: code, rank_order: n + 1 })),
      )
      .execute();
    await db()
      .insertInto('production_period')
      .values([
        {
          code: '2026-03',
          starts_on: '2026-03-01',
          ends_on: '2026-03-31',
          status: 'closed',
          calculated_at: new Date('2026-04-02T10:00:00Z'),
          closed_at: new Date('2026-04-03T10:00:00Z'),
          closed_by: 'buh',
        },
        {
          code: '2026-04',
          starts_on: '2026-04-01',
          ends_on: '2026-04-30',
          status: 'open',
          calculated_at: null,
          closed_at: null,
          closed_by: null,
        },
      ])
      .execute();
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [backOfficeRoutes({}), networkRoutes] },
    );
    olena = await signInAs(app, ctx.database, 'back_office', { login: 'olena' });
    petro = await signInAs(app, ctx.database, 'back_office', { login: 'petro' });
    admin = await signInAs(app, ctx.database, 'administrator', { login: 'admin' });
    consultant = await signInAs(app, ctx.database, 'consultant', { login: 'k-s', consultantCode: 'S' });
  });
  afterAll(() => app?.close());

  const careerChange = {
    consultantCode: 'S',
    levelCode: 'MANAGER',
    validFrom: '2026-03-01',
    reason: 'наказ №12 від 28.02',
  };

  it('keeps a career change inside the closed period as a pending request, applying nothing', async () => {
    const before = await careerRows();
    // The author is who is signed in, whatever the body says; an approver cannot be named at all.
    const named = await olena.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: { ...careerChange, approvedBy: 'petro' },
    });
    expect(named.statusCode).toBe(400);
    expect(named.json().message).toMatch(/approvedBy/);
    const proposed = await olena.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: { ...careerChange, recordedBy: 'somebody-else' },
    });
    expect(proposed.statusCode).toBe(202);
    expect(proposed.json()).toMatchObject({
      status: 'pending',
      changeRequest: {
        kind: 'career_change',
        consultantCode: 'S',
        effectiveOn: '2026-03-01',
        closedPeriod: '2026-03',
        status: 'pending',
        proposedBy: 'olena',
        decidedBy: null,
        reason: 'наказ №12 від 28.02',
        change: { levelCode: 'MANAGER' },
      },
    });
    expect(await careerRows()).toEqual(before);
    expect(await pendingRecalculations()).toBe(0);

    // A change the service would refuse is refused at once, nothing kept.
    const unknown = await olena.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: { ...careerChange, levelCode: 'ADMIRAL' },
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().message).toMatch(/career level 'ADMIRAL' is not known/);
    const list = await petro.inject({ url: '/api/approvals' });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ page: 1, pageSize: 50, total: 1 });
  });

  it('lets nobody approve their own request, and only back office and administrators decide', async () => {
    const [request] = (await petro.inject({ url: '/api/approvals' })).json().items;
    const own = await olena.inject({
      method: 'POST',
      url: `/api/approvals/${request.id}/approve`,
      payload: {},
    });
    expect(own.statusCode).toBe(403);
    expect(own.json()).toEqual({
      error: 'forbidden',
      message: `olena proposed change request ${request.id}: another person must approve it`,
    });
    const ownReject = await olena.inject({
      method: 'POST',
      url: `/api/approvals/${request.id}/reject`,
      payload: { reason: 'передумала' },
    });
    expect(ownReject.statusCode).toBe(403);
    for (const url of ['/api/approvals', `/api/approvals/${request.id}`])
      expect((await consultant.inject({ url })).statusCode).toBe(403);
    expect(
      (await consultant.inject({ method: 'POST', url: `/api/approvals/${request.id}/approve`, payload: {} }))
        .statusCode,
    ).toBe(403);
    expect((await app.inject({ url: '/api/approvals' })).statusCode).toBe(401);
    expect((await petro.inject({ url: '/api/approvals/999999' })).statusCode).toBe(404);
    expect((await petro.inject({ url: `/api/approvals/${request.id}` })).json().status).toBe('pending');
  });

  it('applies the change when another user approves it, with both names from the sessions', async () => {
    const [request] = (await petro.inject({ url: '/api/approvals?consultant=S' })).json().items;
    const approved = await petro.inject({
      method: 'POST',
      url: `/api/approvals/${request.id}/approve`,
      payload: {},
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({
      id: request.id,
      status: 'approved',
      proposedBy: 'olena',
      decidedBy: 'petro',
      result: { requestedPeriods: ['2026-03'] },
    });
    expect(await careerRows()).toEqual(['CONSULTANT 2025-01-01 test null', 'MANAGER 2026-03-01 olena petro']);
    expect(await pendingRecalculations()).toBe(1);
    const again = await admin.inject({
      method: 'POST',
      url: `/api/approvals/${request.id}/approve`,
      payload: {},
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(
      new RegExp(`change request ${request.id} is already approved by petro`),
    );
    expect((await petro.inject({ url: '/api/approvals' })).json().total).toBe(0);
    expect((await petro.inject({ url: '/api/approvals?status=approved' })).json().items).toHaveLength(1);
  });

  it('rejects a sponsor change with a reason, applying nothing', async () => {
    const before = await sponsorRows();
    const proposed = await olena.inject({
      method: 'POST',
      url: '/api/sponsors/changes',
      payload: { consultantCode: 'S', sponsorCode: 'D', validFrom: '2026-03-10', reason: 'заява' },
    });
    expect(proposed.statusCode).toBe(202);
    const id = proposed.json().changeRequest.id;
    const filtered = await petro.inject({ url: '/api/approvals?kind=sponsor_change&proposedBy=olena' });
    expect(filtered.json().items.map((r: any) => r.id)).toEqual([id]);
    expect((await petro.inject({ url: '/api/approvals?kind=transfer' })).json().total).toBe(0);
    const noReason = await petro.inject({ method: 'POST', url: `/api/approvals/${id}/reject`, payload: {} });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().message).toMatch(/reason/);
    const rejected = await petro.inject({
      method: 'POST',
      url: `/api/approvals/${id}/reject`,
      payload: { reason: 'немає підписаної заяви' },
    });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({
      status: 'rejected',
      decidedBy: 'petro',
      decisionReason: 'немає підписаної заяви',
      result: null,
    });
    expect(await sponsorRows()).toEqual(before);
    const late = await admin.inject({ method: 'POST', url: `/api/approvals/${id}/approve`, payload: {} });
    expect(late.statusCode).toBe(409);
    expect(late.json().message).toMatch(/already rejected by petro/);
  });

  it('applies a request once when two approvers approve it at the same moment', async () => {
    const proposed = await olena.inject({
      method: 'POST',
      url: '/api/consultants/S/transfer',
      payload: { sponsorCode: null, effectiveOn: '2026-03-15', reason: 'переведення' },
    });
    expect(proposed.statusCode).toBe(202);
    expect(proposed.json().changeRequest).toMatchObject({ kind: 'transfer', closedPeriod: '2026-03' });
    const id = proposed.json().changeRequest.id;
    const sponsorsBefore = (await sponsorRows()).length;
    const recalculationsBefore = await pendingRecalculations();
    const answers = await Promise.all(
      [petro, admin, petro, admin].map((who) =>
        who.inject({ method: 'POST', url: `/api/approvals/${id}/approve`, payload: {} }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([200, 409, 409, 409]);
    const winner = answers.find((a) => a.statusCode === 200)!.json();
    for (const loser of answers.filter((a) => a.statusCode === 409))
      expect(loser.json().message).toMatch(new RegExp(`already approved by ${winner.decidedBy}`));
    expect(await sponsorRows()).toHaveLength(sponsorsBefore + 1);
    expect((await sponsorRows()).at(-1)).toBe('null 2026-03-15 olena');
    expect(await pendingRecalculations()).toBe(recalculationsBefore + 1);
    expect(winner.result).toMatchObject({ approvedBy: winner.decidedBy, requestedPeriods: ['2026-03'] });
  });

  it('applies a change outside closed periods at once, the author from the session', async () => {
    const applied = await olena.inject({
      method: 'POST',
      url: '/api/careers/changes',
      payload: { ...careerChange, levelCode: 'DIRECTOR', validFrom: '2026-04-01' },
    });
    expect(applied.statusCode).toBe(201);
    expect(applied.json()).toMatchObject({ requestedPeriods: [] });
    expect((await careerRows()).at(-1)).toBe('DIRECTOR 2026-04-01 olena null');
    expect((await petro.inject({ url: '/api/approvals?status=all' })).json().total).toBe(3);
  });

  it('keeps who proposed, approved and rejected in the audit log', async () => {
    const rows = await db()
      .selectFrom('audit_log')
      .select(['actor', 'action', 'entity_id', 'reason'])
      .where('entity_kind', '=', 'change_request')
      .orderBy('id')
      .execute();
    expect(rows.map((r: any) => `${r.action} ${r.actor}`)).toEqual([
      'change_request.proposed olena',
      'change_request.approved petro',
      'change_request.proposed olena',
      'change_request.rejected petro',
      'change_request.proposed olena',
      expect.stringMatching(/^change_request\.approved (petro|admin)$/),
    ]);
    expect(rows[3].reason).toBe('немає підписаної заяви');
  });
});
