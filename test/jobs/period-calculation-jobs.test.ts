/**
 * A period's calculation as a queued job (back-office/period-jobs, src/jobs job_record): asked for
 * twice at once from two workers' queues it runs once; its record passes the stages with counts; a
 * worker killed mid-job leaves a record that the next sweep marks failed with a reason, after which
 * the period calculates again; and over HTTP: 202 with the job id, polled to success, the period
 * showing its job, a consultant seeing none.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  enqueuePeriodCalculation,
  PERIOD_CALCULATION,
  registerPeriodJobs,
  sweepPeriodJobs,
} from '../../back-office/period-jobs';
import { getJobRecord, InProcessJobQueue, type JobRecord } from '../../src/jobs';
import { type SignedIn, signInAs } from '../api/support/api-harness';
import { buildFullApi } from '../api/support/full-app';
import { seedNetwork, seedPayment, seedPolicy } from '../back-office/compensation/db-support';
import { describeEachEngine, postgresUrl, type TestDatabase } from '../support/engines';

const PERIOD = '2026-03';

async function postedRuns(database: Parameters<typeof getJobRecord>[0], period: string): Promise<number> {
  const row = await database.db
    .selectFrom('calculation_run' as any)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('period_code', '=', period)
    .where('run_kind', '=', 'period')
    .executeTakeFirstOrThrow();
  return Number((row as { n: unknown }).n);
}

async function ended(database: Parameters<typeof getJobRecord>[0], id: string): Promise<JobRecord> {
  for (let i = 0; i < 600; i++) {
    const job = await getJobRecord(database, id);
    if (job && job.state !== 'queued' && job.state !== 'running') return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not end`);
}

async function seedPeriods(database: TestDatabase) {
  const s = await seedNetwork(database, [
    ['S', null, 'MANAGER'],
    ['A', 'S', 'CONSULTANT'],
  ]);
  await seedPayment(database, await seedPolicy(database, s, 'A'), '2026-03-10', '4000.00');
  await seedPayment(database, await seedPolicy(database, s, 'S'), '2026-03-12', '2000.00');
  for (const [code, starts, ends] of [
    ['2026-03', '2026-03-01', '2026-03-31'],
    ['2026-04', '2026-04-01', '2026-04-30'],
  ])
    await database.db
      .insertInto('production_period')
      .values({
        code,
        starts_on: starts,
        ends_on: ends,
        status: 'open',
        calculated_at: null,
        closed_at: null,
        closed_by: null,
      })
      .execute();
}

describeEachEngine('period calculation as a queued job', (ctx) => {
  // No API here: its own worker's sweep would take the jobs these tests hold back.
  beforeAll(() => seedPeriods(ctx.database));

  it('asked for six times at once through two workers’ queues, calculates once; its record passes every stage with counts', async () => {
    const one = new InProcessJobQueue();
    const two = new InProcessJobQueue();
    for (const queue of [one, two]) {
      registerPeriodJobs(queue, { database: ctx.database });
      await queue.start();
    }
    try {
      const before = await postedRuns(ctx.database, PERIOD);
      const asked = await Promise.all(
        [one, two, one, two, one, two].map((queue, i) =>
          enqueuePeriodCalculation(ctx.database, queue, PERIOD, { requestedBy: `clerk-${i}` }),
        ),
      );
      const ids = new Set(asked.map((a) => a.job.id));
      expect(ids.size).toBe(1);
      expect(asked.filter((a) => !a.duplicate)).toHaveLength(1);
      await Promise.all([one.drain(), two.drain()]);
      const job = await ended(ctx.database, [...ids][0]);
      expect(job).toMatchObject({
        state: 'succeeded',
        stage: 'done',
        kind: PERIOD_CALCULATION,
        subject: PERIOD,
      });
      expect(job.attempts).toBe(1);
      expect(await postedRuns(ctx.database, PERIOD)).toBe(before + 1);

      const result = job.result as {
        runId: number;
        lineCount: number;
        stages: { stage: string; done: number | null; total: number | null }[];
      };
      expect(result.runId).toEqual(expect.any(Number));
      expect(result.stages.map((s) => s.stage)).toEqual(['inputs', 'calculating', 'lines', 'contests']);
      const byStage = Object.fromEntries(result.stages.map((s) => [s.stage, s]));
      expect(byStage.inputs.done).toBe(2); // the two payments of March
      expect(byStage.calculating.total).toBe(2); // two consultants
      expect(byStage.lines.total).toBe(result.lineCount);
      expect(byStage.contests).toMatchObject({ done: result.lineCount, total: result.lineCount });
      expect(job.done).toBe(result.lineCount);

      // Ended, the period is free for the next one.
      const again = await enqueuePeriodCalculation(ctx.database, one, PERIOD);
      expect(again.duplicate).toBe(false);
      expect(again.job.id).not.toBe(job.id);
      await one.drain();
      expect((await ended(ctx.database, again.job.id)).state).toBe('succeeded');
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('a job left running by a worker that was killed is marked failed by the next sweep, with a reason; the period calculates again', async () => {
    const period = '2026-04';
    const { job } = await enqueuePeriodCalculation(ctx.database, null, period, { requestedBy: 'clerk' });
    let killedPid: number;
    const url = postgresUrl();
    if (ctx.database.engine === 'postgres' && url) {
      // A real worker process takes it, then is killed with SIGKILL mid-job.
      const child = spawn(
        process.execPath,
        [
          '-r',
          'tsx/cjs',
          path.join(__dirname, 'support', 'claiming-worker.ts'),
          url,
          ctx.database.schemaName!,
          job.id,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => String(d).includes('claimed') && resolve());
        child.on('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
      });
      killedPid = child.pid!;
      const gone = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await gone;
    } else {
      // The embedded database is one process's: the process that ran the job is gone (a real
      // process of this machine that has exited), and this one opens the database after it.
      const child = spawn(process.execPath, ['-e', '']);
      await new Promise((resolve) => child.on('exit', resolve));
      killedPid = child.pid!;
      await ctx.database.db
        .updateTable('job_record')
        .set({
          state: 'running',
          worker: `${os.hostname()}:${killedPid}`,
          started_at: new Date(),
          heartbeat_at: new Date(),
          stage: 'inputs',
        })
        .where('id', '=', job.id)
        .execute();
    }
    const running = await getJobRecord(ctx.database, job.id);
    expect(running).toMatchObject({
      state: 'running',
      stage: 'inputs',
      worker: expect.stringContaining(`:${killedPid}`),
    });
    // Still held: another request answers the job the dead worker left.
    const queue = new InProcessJobQueue();
    registerPeriodJobs(queue, { database: ctx.database });
    await queue.start();
    try {
      expect((await enqueuePeriodCalculation(ctx.database, queue, period)).job.id).toBe(job.id);
      // The restart's sweep: the worker is gone, so the job failed (not run again by itself).
      const swept = await sweepPeriodJobs(queue, ctx.database);
      expect(swept.failed).toEqual([job.id]);
      const failed = await getJobRecord(ctx.database, job.id);
      expect(failed!.state).toBe('failed');
      expect(failed!.error).toMatch(/stopped before it finished.*start it again/);
      expect(failed!.finishedAt).not.toBeNull();
      expect(await postedRuns(ctx.database, period)).toBe(0);

      const next = await enqueuePeriodCalculation(ctx.database, queue, period);
      expect(next.duplicate).toBe(false);
      await queue.drain();
      expect((await ended(ctx.database, next.job.id)).state).toBe('succeeded');
      expect(await postedRuns(ctx.database, period)).toBe(1);

      // A worker on another machine that stopped saying it is alive is taken for dead after staleMs.
      const other = await enqueuePeriodCalculation(ctx.database, null, period);
      const old = new Date(Date.now() - 10 * 60_000);
      await ctx.database.db
        .updateTable('job_record')
        .set({ state: 'running', worker: 'another-host:4242', started_at: old, heartbeat_at: old })
        .where('id', '=', other.job.id)
        .execute();
      expect((await sweepPeriodJobs(queue, ctx.database, { staleMs: 60_000 })).failed).toEqual([
        other.job.id,
      ]);
    } finally {
      await queue.close();
    }
  });
});

describeEachEngine('period calculation as a queued job over HTTP', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    await seedPeriods(ctx.database);
    app = await buildFullApi(ctx.database);
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  it('over HTTP: POST answers 202 with the job, polled to success; the period shows its job; a consultant sees none', async () => {
    const [first, second] = await Promise.all([
      api.inject({ method: 'POST', url: `/api/periods/${PERIOD}/calculations`, payload: {} }),
      api.inject({ method: 'POST', url: `/api/periods/${PERIOD}/calculations`, payload: {} }),
    ]);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    const id = first.json().id;
    if (second.json().id === id) expect(second.json().duplicate).toBe(true);
    else {
      // Never two at once: the first had ended before the second was asked for.
      const one = await ended(ctx.database, id);
      expect(second.json().duplicate).toBe(false);
      expect(one.finishedAt!.getTime()).toBeLessThanOrEqual(Date.parse(second.json().startedAt));
    }
    expect(first.json().duplicate).toBe(false);

    const last: string = second.json().id;
    const whileAsked = await api.inject({ method: 'GET', url: `/api/periods/${PERIOD}` });
    expect(whileAsked.statusCode).toBe(200);
    expect(whileAsked.json().calculationJob.id).toBe(last);

    let job: any;
    for (let i = 0; i < 400; i++) {
      const polled = await api.inject({ method: 'GET', url: `/api/jobs/${last}` });
      expect(polled.statusCode).toBe(200);
      job = polled.json();
      if (job.state !== 'queued' && job.state !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(job).toMatchObject({
      kind: 'period.calculate',
      subject: PERIOD,
      state: 'succeeded',
      stage: 'done',
      error: null,
    });
    expect(job.requestedBy).toBe(api.login);
    const figures = await api.inject({ method: 'GET', url: `/api/calculations/${last}` });
    expect(figures.json()).toMatchObject({ status: 'done', result: { lineCount: job.done } });

    const period = (await api.inject({ method: 'GET', url: `/api/periods/${PERIOD}` })).json();
    expect(period).toMatchObject({
      code: PERIOD,
      status: 'calculated',
      calculationJob: { id: last, state: 'succeeded' },
    });
    const listed = await api.inject({
      method: 'GET',
      url: `/api/jobs?kind=period.calculate&subject=${PERIOD}&state=succeeded&pageSize=1`,
    });
    expect(listed.json()).toMatchObject({ page: 1, pageSize: 1 });
    expect(listed.json().total).toBeGreaterThanOrEqual(1);
    expect(listed.json().items[0].id).toBe(last);
    expect((await api.inject({ method: 'GET', url: '/api/periods/2031-01' })).statusCode).toBe(404);
    expect((await api.inject({ method: 'GET', url: '/api/jobs?state=lost' })).statusCode).toBe(400);

    const consultant = await signInAs(app, ctx.database, 'consultant', { consultantCode: 'A' });
    expect((await consultant.inject({ method: 'GET', url: '/api/jobs' })).json()).toMatchObject({
      items: [],
      total: 0,
    });
    expect((await consultant.inject({ method: 'GET', url: `/api/jobs/${last}` })).statusCode).toBe(404);
    const seen = await consultant.inject({ method: 'GET', url: `/api/periods/${PERIOD}` });
    expect(seen.json()).toMatchObject({ code: PERIOD, calculationJob: null });
    const integration = await signInAs(app, ctx.database, 'integration');
    expect(
      (await integration.inject({ method: 'GET', url: '/api/jobs?kind=period.calculate' })).json().total,
    ).toBe(0);
  });
});
