/**
 * Contests as a back-office user meets them: created over HTTP or from a file with the CLI, refused
 * with the reason when the definition is wrong, listed with paging, and their standings read at any
 * moment (a period not yet calculated is measured live; a running contest is provisional).
 * DL-SAV10 earns 25 points per 100 UAH in year 1 under the default plan.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApi, createQueueProbe } from '../../../src/api';
import { backOfficeRoutes } from '../../../src/api/routes/back-office';
import { memoryLogger, type SignedIn, signInAs, testConfig } from '../../api/support/api-harness';
import { seedNetwork, seedPayment, seedPolicy } from '../compensation/db-support';
import { describeEachEngine } from '../../support/engines';

const contest = {
  code: 'SUMMER',
  name: 'Літній спринт',
  firstPeriod: '2026-03',
  lastPeriod: '2026-05',
  metric: { kind: 'plan_metric', name: 'personalVolume' },
  tieBreak: ['hiredOn', 'code'],
  prizes: { top: [{ place: 1, prize: 'Премія', amount: '3000' }] },
};

describeEachEngine('contests API', (ctx) => {
  let app: FastifyInstance;
  let api: SignedIn;

  beforeAll(async () => {
    const s = await seedNetwork(ctx.database, [
      ['D', null, 'DIRECTOR'],
      ['M', 'D', 'MANAGER'],
      ['S', 'M', 'CONSULTANT'],
    ]);
    // March: S 1 000 points, M 1 000 points (a tie), D 500 points.
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'S'), '2026-03-10', '4000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'M'), '2026-03-11', '4000.00');
    await seedPayment(ctx.database, await seedPolicy(ctx.database, s, 'D'), '2026-03-12', '2000.00');
    app = await buildApi(
      {
        database: ctx.database,
        config: testConfig(),
        logger: memoryLogger().logger,
        queue: createQueueProbe(null),
      },
      { routes: [backOfficeRoutes()] },
    );
    api = await signInAs(app, ctx.database, 'back_office');
  });
  afterAll(() => app?.close());

  it('creates a contest, refuses a duplicate and a wrong definition with the reason', async () => {
    const created = await api.inject({ method: 'POST', url: '/api/contests', payload: contest });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: expect.any(Number), code: 'SUMMER' });
    const again = await api.inject({ method: 'POST', url: '/api/contests', payload: contest });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe('contest SUMMER already exists');
    const wrong = await api.inject({
      method: 'POST',
      url: '/api/contests',
      payload: { ...contest, code: 'BACKWARDS', lastPeriod: '2026-01' },
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().message).toContain('/lastPeriod: before firstPeriod');
    const money = await api.inject({
      method: 'POST',
      url: '/api/contests',
      payload: { ...contest, code: 'BAD-PRIZE', prizes: { top: [{ place: 1, prize: 'x', amount: '1,5' }] } },
    });
    // The money format is part of the contest schema the route shares with createContest: refused at the door.
    expect(money.statusCode).toBe(400);
    expect(money.json().details).toEqual([expect.objectContaining({ field: 'body.prizes.top[0].amount' })]);
  });

  it('lists contests with paging and by the period they run in', async () => {
    const page = await api.inject({ method: 'GET', url: '/api/contests?running=2026-04&limit=10' });
    expect(page.json()).toMatchObject({ total: 1, items: [{ code: 'SUMMER', firstPeriod: '2026-03' }] });
    const none = await api.inject({ method: 'GET', url: '/api/contests?running=2026-09' });
    expect(none.json()).toEqual({ total: 0, items: [] });
  });

  it('reads the standings at any moment, the tie broken by the stated keys', async () => {
    const res = await api.inject({ method: 'GET', url: '/api/contests/SUMMER/standings?through=2026-03' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ throughPeriod: '2026-03', provisional: true, total: 3 });
    // S and M tie on 1 000 points; the first stated key, the hiring date, puts M (hired earlier) first.
    expect(body.standings.map((x: any) => [x.place, x.code, x.score, x.prize, x.decidedBy])).toEqual([
      [1, 'M', '1000', 'Премія', null],
      [2, 'S', '1000', null, 'hiredOn'],
      [3, 'D', '500', null, null],
    ]);
    const paged = await api.inject({ method: 'GET', url: '/api/contests/SUMMER/standings?offset=1&limit=1' });
    expect(paged.json()).toMatchObject({ total: 3, standings: [{ code: 'S' }] });
    const missing = await api.inject({ method: 'GET', url: '/api/contests/NOPE/standings' });
    expect(missing.statusCode).toBe(404);
  });
});

describe('ecspert contest', () => {
  const bin = path.resolve(__dirname, '../../../bin/ecspert.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contest-cli-'));
  const run = (...args: string[]) => {
    const result = spawnSync(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ECSPERT_DATA_DIR: path.join(dir, 'data') },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stdout: result.stdout.trim(), stderr: result.stderr.trim() };
  };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a contest from YAML, refuses a wrong one in one line, and prints the standings', () => {
    expect(run('db', 'migrate').status).toBe(0);
    const file = path.join(dir, 'summer.yaml');
    fs.writeFileSync(
      file,
      [
        'code: SUMMER',
        'name: Літній спринт',
        "firstPeriod: '2026-03'",
        "lastPeriod: '2026-05'",
        'metric: { kind: new_policies, products: [DL-SAV10] }',
        'tieBreak: [code]',
      ].join('\n'),
    );
    const created = run('contest', 'create', file);
    expect(created).toMatchObject({ status: 0, stdout: expect.stringMatching(/^contest SUMMER: id \d+$/) });
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, fs.readFileSync(file, 'utf8').replace("lastPeriod: '2026-05'", 'lastPeriod: May'));
    const refused = run('contest', 'create', bad);
    expect(refused.status).toBe(1);
    expect(refused.stderr.split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`${bad}: contest refused: /lastPeriod: must match pattern`);
    const standings = run('contest', 'standings', 'SUMMER', '--through', '2026-04');
    expect(standings).toMatchObject({
      status: 0,
      stdout: 'Літній спринт (SUMMER) through 2026-04, provisional: the contest still runs',
    });
  });
});
