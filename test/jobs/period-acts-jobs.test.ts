/**
 * A closed period's acts as a queued job (back-office/period-jobs PERIOD_ACTS, src/jobs job_record):
 * it passes issuing (done of total, total being the acts to issue), checking and done, and leaves its
 * counts and the check on the record, the register then equal to the ledger; asked for twice at once
 * it runs once and each act exists once; a period that is not closed is refused at once, naming it;
 * a job its queue lost is enqueued again by the sweep with the intermediary its request named; and
 * over HTTP: 202 with the job, GET /api/jobs/:id showing its stage until it has succeeded.
 */
import type { FastifyInstance } from 'fastify';
import { checkActsAgainstLedger, loadPeriodRegister } from '../../back-office/acts';
import { calculatePeriod } from '../../back-office/compensation';
import {
  type ActsJobResult,
  enqueuePeriodActs,
  PERIOD_ACTS,
  registerPeriodJobs,
  sweepPeriodJobs,
} from '../../back-office/period-jobs';
import { ActsRefusedError, closePeriod } from '../../back-office/periods';
import {
  getJobRecord,
  InProcessJobQueue,
  type JobProgressEvent,
  jobProgressEvents,
  type JobRecord,
} from '../../src/jobs';
import { type SignedIn, signInAs } from '../api/support/api-harness';
import { buildFullApi } from '../api/support/full-app';
import { intermediary } from '../back-office/acts/fixtures';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine, type TestDatabase } from '../support/engines';

jest.setTimeout(120_000);

const MARCH = '2026-03';
const APRIL = '2026-04';

type Db = Parameters<typeof getJobRecord>[0];

async function ended(database: Db, id: string): Promise<JobRecord> {
  for (let i = 0; i < 1200; i++) {
    const job = await getJobRecord(database, id);
    if (job && job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not end`);
}

async function actsPerConsultant(database: Db, period: string): Promise<Record<string, number>> {
  const rows = await database.db
    .selectFrom('act' as any)
    .select(['consultant_code' as any, (eb: any) => eb.fn.countAll().as('n')])
    .where('period_code' as any, '=', period)
    .groupBy('consultant_code' as any)
    .execute();
  return Object.fromEntries(rows.map((r: any) => [r.consultant_code, Number(r.n)]));
}

/** Four consultants selling in March (calculated and closed) and April (left open). */
async function seedClosedMarch(database: TestDatabase) {
  const s = await seedNetwork(database, [
    ['D', null, 'DIRECTOR'],
    ['M', 'D', 'MANAGER'],
    ['A', 'M', 'CONSULTANT'],
    ['B', 'M', 'CONSULTANT'],
  ]);
  for (const [who, amount] of [
    ['A', '4000.00'],
    ['B', '3000.00'],
    ['M', '2000.00'],
  ])
    await seedPayment(database, await seedPolicy(database, s, who), '2026-03-10', amount);
  await database.db
    .insertInto('production_period')
    .values(
      [
        [MARCH, '2026-03-01', '2026-03-31'],
        [APRIL, '2026-04-01', '2026-04-30'],
      ].map(([code, starts, ends]) => ({
        code,
        starts_on: starts,
        ends_on: ends,
        status: 'open',
        calculated_at: null,
        closed_at: null,
        closed_by: null,
      })),
    )
    .execute();
  await calculatePeriod(database, MARCH, { createdBy: 'buh' });
  await closePeriod(database, MARCH, { closedBy: 'buh' });
}

describeEachEngine('a closed period’s acts as a queued job', (ctx) => {
  beforeAll(() => seedClosedMarch(ctx.database));

  it('refuses a period that is not closed at once, naming it, and records nothing', async () => {
    await expect(enqueuePeriodActs(ctx.database, null, APRIL, { intermediary })).rejects.toThrow(
      ActsRefusedError,
    );
    await expect(enqueuePeriodActs(ctx.database, null, APRIL, { intermediary })).rejects.toThrow(
      /period 2026-04 is open: acts are produced for closed periods only/,
    );
    const recorded = await ctx.database.db
      .selectFrom('job_record')
      .select('id')
      .where('kind', '=', PERIOD_ACTS)
      .execute();
    expect(recorded).toEqual([]);
  });

  it('asked for four times at once through two queues, runs once: issuing reaches the number of acts, the register equals the ledger', async () => {
    const one = new InProcessJobQueue();
    const two = new InProcessJobQueue();
    for (const queue of [one, two]) {
      registerPeriodJobs(queue, { database: ctx.database });
      await queue.start();
    }
    const heard: JobProgressEvent[] = [];
    const listen = (event: JobProgressEvent) => heard.push(event);
    jobProgressEvents.on('progress', listen);
    try {
      const asked = await Promise.all(
        [one, two, one, two].map((queue, i) =>
          enqueuePeriodActs(ctx.database, queue, MARCH, { requestedBy: `clerk-${i}`, intermediary }),
        ),
      );
      expect(new Set(asked.map((a) => a.job.id)).size).toBe(1);
      expect(asked.filter((a) => a.duplicate)).toHaveLength(3);
      await Promise.all([one.drain(), two.drain()]);
      const job = await ended(ctx.database, asked[0].job.id);
      expect(job).toMatchObject({ kind: PERIOD_ACTS, subject: MARCH, state: 'succeeded', stage: 'done' });
      expect(job.attempts).toBe(1);

      const register = await loadPeriodRegister(ctx.database, MARCH);
      const acts = register.rows.length;
      expect(acts).toBeGreaterThanOrEqual(3);
      const result = job.result as ActsJobResult & {
        stages: { stage: string; done: number | null; total: number | null }[];
      };
      expect(result).toMatchObject({ periodCode: MARCH, issued: acts, alreadyIssued: 0 });
      expect(result.check).toMatchObject({ balanced: true, differences: 0 });
      expect(result.stages.map((s) => s.stage)).toEqual(['issuing', 'checking']);
      expect(result.stages[0]).toMatchObject({ done: acts, total: acts });
      // Every act was reported as it was issued: 0, 1, … total.
      const issuing = heard.filter((e) => e.id === job.id && e.stage === 'issuing').map((e) => e.done);
      expect(issuing).toEqual(Array.from({ length: acts + 1 }, (_, i) => i));
      expect(job.total).toBe(acts);

      const check = await checkActsAgainstLedger(ctx.database, MARCH);
      expect(check.balanced).toBe(true);
      expect(register.totals.grossKop).toBe(check.actsGrossKop);
      const perConsultant = await actsPerConsultant(ctx.database, MARCH);
      expect(Object.values(perConsultant).every((n) => n === 1)).toBe(true);
      expect(Object.keys(perConsultant)).toHaveLength(acts);
    } finally {
      jobProgressEvents.off('progress', listen);
      await one.close();
      await two.close();
    }
  });

  it('a job its queue lost is enqueued again by the sweep with the intermediary of its request; issuing again adds no act', async () => {
    const own = { ...intermediary, name: 'ТОВ «Інший посередник»', edrpou: '87654321' };
    // Recorded, but no queue took it (a Redis restart, a CLI with no worker).
    const { job } = await enqueuePeriodActs(ctx.database, null, MARCH, {
      requestedBy: 'clerk',
      intermediary: own,
    });
    expect((await getJobRecord(ctx.database, job.id))!.payload).toEqual({ intermediary: own });
    const before = await actsPerConsultant(ctx.database, MARCH);
    const queue = new InProcessJobQueue();
    registerPeriodJobs(queue, { database: ctx.database });
    await queue.start();
    try {
      const swept = await sweepPeriodJobs(queue, ctx.database);
      expect(swept.requeued).toEqual([job.id]);
      await queue.drain();
      const done = await ended(ctx.database, job.id);
      expect(done.state).toBe('succeeded');
      const result = done.result as ActsJobResult;
      expect(result).toMatchObject({ issued: 0, alreadyIssued: Object.keys(before).length });
      expect(await actsPerConsultant(ctx.database, MARCH)).toEqual(before);
    } finally {
      await queue.close();
    }
  });
});

describeEachEngine('a closed period’s acts as a queued job over HTTP', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    await seedClosedMarch(ctx.database);
    app = await buildFullApi(ctx.database);
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  it('POST …/acts/jobs answers 202 with the job (a second at once: the same, duplicate); GET /api/jobs/:id shows its stage until it succeeds', async () => {
    const open = await api.inject({ method: 'POST', url: `/api/periods/${APRIL}/acts/jobs`, payload: {} });
    expect(open.statusCode).toBe(409);
    expect(open.json()).toMatchObject({ error: 'conflict', message: expect.stringContaining(APRIL) });
    expect(
      (await api.inject({ method: 'POST', url: '/api/periods/2026-13/acts/jobs', payload: {} })).statusCode,
    ).toBe(400);

    const [first, second] = await Promise.all([
      api.inject({ method: 'POST', url: `/api/periods/${MARCH}/acts/jobs`, payload: {} }),
      api.inject({ method: 'POST', url: `/api/periods/${MARCH}/acts/jobs`, payload: {} }),
    ]);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(first.json()).toMatchObject({
      kind: PERIOD_ACTS,
      subject: MARCH,
      stages: ['issuing', 'checking', 'done'],
      requestedBy: api.login,
    });
    const id = first.json().id;
    if (second.json().id === id)
      expect([first.json().duplicate, second.json().duplicate].sort()).toEqual([false, true]);
    else expect((await ended(ctx.database, id)).state).toBe('succeeded');

    const stages = new Set<string | null>();
    let job: any;
    for (let i = 0; i < 1200; i++) {
      const polled = await api.inject({ method: 'GET', url: `/api/jobs/${id}` });
      expect(polled.statusCode).toBe(200);
      job = polled.json();
      stages.add(job.stage);
      if (job.state !== 'queued' && job.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(job).toMatchObject({ kind: PERIOD_ACTS, state: 'succeeded', stage: 'done', error: null });
    // What the poll showed on its way: queued (no stage yet), then the job's own stages only.
    for (const stage of stages) expect([null, 'issuing', 'checking', 'done']).toContain(stage);
    expect(stages).toContain('done');
    const register = (await api.inject({ url: `/api/periods/${MARCH}/acts/register` })).json();
    expect(register.rows.length).toBeGreaterThanOrEqual(3);
    expect(job).toMatchObject({ done: register.rows.length, total: register.rows.length });
    expect(job.outcome).toMatchObject({ balanced: true, differences: 0, alreadyIssued: 0 });
    expect(job.outcome.issued).toBe(register.rows.length);
    expect(Object.values(await actsPerConsultant(ctx.database, MARCH)).every((n) => n === 1)).toBe(true);

    // Newest first: the second request's job (the same one, unless the first had ended already).
    const last: string = second.json().id;
    expect((await ended(ctx.database, last)).state).toBe('succeeded');
    const listed = await api.inject({ url: `/api/jobs?kind=period.acts&subject=${MARCH}` });
    expect(listed.json().items[0]).toMatchObject({ id: last, state: 'succeeded' });
    // The period names its last acts job, as the period page reads it when it is opened.
    const period = await api.inject({ url: `/api/periods/${MARCH}` });
    expect(period.json()).toMatchObject({ status: 'closed', actsJob: { id: last, state: 'succeeded' } });
    expect((await api.inject({ url: `/api/periods/${APRIL}` })).json().actsJob).toBeNull();
    const consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'A' });
    expect((await consultant.inject({ method: 'GET', url: `/api/jobs/${id}` })).statusCode).toBe(404);
    expect(
      (await consultant.inject({ method: 'POST', url: `/api/periods/${MARCH}/acts/jobs`, payload: {} }))
        .statusCode,
    ).toBe(403);
  });
});
