/**
 * The sweep that finds the exchange's lost work again from the database, whatever the queue driver:
 * received messages nobody processed, and schedules whose time passed without an exchange run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findDueSchedules,
  findUnprocessedMessages,
  recordRunStarted,
  startExchangeBackground,
  sweepUnprocessedMessages,
} from '../../src/exchange/exchange-jobs';
import { findMessage } from '../../src/exchange/message-store';
import { listJobRecords } from '../../src/jobs';
import { type ExchangeDeps, processMessage, receive } from '../../src/exchange/pipeline';
import { InProcessJobQueue } from '../../src/jobs';
import { seedIntermediary } from '../exchange/support/intermediary';
import { describeEachEngine } from '../support/engines';

const root = path.resolve(__dirname, '../..');
const dnipro = (name: string) => fs.readFileSync(path.join(root, 'adapters/dnipro-life/__fixtures__', name));
const minutes = (n: number) => n * 60_000;

describeEachEngine('finding the exchange’s lost work in the database', (ctx) => {
  let deps: ExchangeDeps;
  beforeAll(async () => {
    await seedIntermediary(ctx.database);
    deps = { database: ctx.database, secretsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-')) };
  });
  const deliver = (fileName: string) =>
    receive(deps, { insurerCode: 'DNIPRO_LIFE', channel: 'sftp', fileName, payload: dnipro(fileName) });
  const statusOf = async (id: number) => (await findMessage(ctx.database, id))!.status;

  it('a periodic sweep processes received messages that never had a job', async () => {
    const jobs = new InProcessJobQueue();
    const background = await startExchangeBackground(jobs, deps, {
      schedules: false,
      recovery: { intervalMs: 300, graceMs: 0 },
    });
    try {
      const ack = await deliver('ACK_REG_AG0042_20261005_001.csv');
      const contracts = await deliver('CONTRACTS_20261002.csv');
      expect([ack.message.status, contracts.message.status]).toEqual(['received', 'received']);
      const until = Date.now() + 20_000;
      while ((await statusOf(contracts.message.id)) === 'received' && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      expect([await statusOf(ack.message.id), await statusOf(contracts.message.id)]).toEqual([
        'applied',
        'applied',
      ]);
      expect(await findUnprocessedMessages(ctx.database)).toEqual([]);
    } finally {
      await background.stop();
      await jobs.close();
    }
  }, 30_000);

  it('leaves a message to the run that received it for the grace period, then queues one job per insurer', async () => {
    const payments = await deliver('PAYMENTS_202610.csv');
    const jobs = new InProcessJobQueue();
    let runs = 0;
    jobs.register({ name: 'exchange.process-pending', handler: async () => void runs++ });
    try {
      expect(await sweepUnprocessedMessages(jobs, ctx.database, { graceMs: minutes(5) })).toEqual({
        messages: 0,
        insurers: [],
      });
      const later = new Date(Date.now() + minutes(6));
      expect(await sweepUnprocessedMessages(jobs, ctx.database, { graceMs: minutes(5), now: later })).toEqual(
        {
          messages: 1,
          insurers: ['DNIPRO_LIFE'],
        },
      );
      // Swept again before its job ran: still one job.
      await sweepUnprocessedMessages(jobs, ctx.database, { graceMs: minutes(5), now: later });
      expect((await jobs.counts()).waiting).toBe(1);
      await jobs.start();
      await jobs.drain(5000);
      expect(runs).toBe(1);
    } finally {
      await jobs.close();
      await processMessage(deps, payments.message.id);
    }
  });

  it('a schedule is due when its time passed, beyond the grace, with no exchange run started since', async () => {
    // A fixed moment, so that the answer does not hang on the time of day the suite runs: a Wednesday
    // at 11:10 in Kyiv, when Dnipro Life's register (every 2 hours on weekdays) last went at 10:00 and
    // its fetch (every 15 minutes) last came round at 11:00.
    const now = new Date('2026-11-25T09:10:00Z');
    // No run ever: counting starts now, nothing is due.
    expect(await findDueSchedules(deps, { now })).toEqual([]);
    // Dnipro Life fetches every 15 minutes: a run 2 minutes ago covers it, one 30 minutes ago does not.
    await recordRunStarted(ctx.database, 'DNIPRO_LIFE', new Date(now.getTime() - minutes(2)));
    expect(await findDueSchedules(deps, { now, graceMs: minutes(5) })).toEqual([]);
    await recordRunStarted(ctx.database, 'DNIPRO_LIFE', new Date(now.getTime() - minutes(30)));
    const due = await findDueSchedules(deps, { now, graceMs: minutes(5) });
    expect(due.map((d) => `${d.insurerCode}:${d.schedule}`)).toEqual(['DNIPRO_LIFE:fetch-out']);
    expect(due[0].dueAt.getTime()).toBeLessThanOrEqual(now.getTime() - minutes(5));
    // The run the sweep queues records its start, and the schedule is covered again.
    await recordRunStarted(ctx.database, 'DNIPRO_LIFE', now);
    expect(await findDueSchedules(deps, { now, graceMs: minutes(5) })).toEqual([]);
  });

  it('an insurer paused in this process (its sandbox did not start) gets no schedules, no missed-schedule runs, and a run asked for is recorded failed with why, never sent', async () => {
    const jobs = new InProcessJobQueue();
    const why = 'its sandbox did not start (Dovecot is not installed)';
    const background = await startExchangeBackground(jobs, deps, {
      schedules: true,
      paused: new Map([['DNIPRO_LIFE', why]]),
      recovery: { intervalMs: 60_000, graceMs: minutes(5) },
    });
    try {
      const ids = background.scheduled.map((s) => s.id);
      expect(ids.some((id) => id.startsWith('DNIPRO_LIFE:'))).toBe(false);
      expect(ids.some((id) => id.startsWith('KARPATY:'))).toBe(true);
      // A schedule long missed is not found for a paused insurer.
      const now = new Date('2026-11-25T09:10:00Z');
      await recordRunStarted(ctx.database, 'DNIPRO_LIFE', new Date(now.getTime() - minutes(30)));
      const paused = new Map([['DNIPRO_LIFE', why]]);
      expect(await findDueSchedules(deps, { now, graceMs: minutes(5), paused })).toEqual([]);
      expect((await findDueSchedules(deps, { now, graceMs: minutes(5) })).length).toBeGreaterThan(0);
      // A run asked for (the desk's button) is recorded failed with the reason, and not retried.
      await jobs.enqueue('exchange.run', { insurerCode: 'DNIPRO_LIFE' });
      let runs = await listJobRecords(ctx.database, { kinds: ['exchange.run'], subject: 'DNIPRO_LIFE' });
      for (let i = 0; i < 100 && runs.items.every((r) => r.state !== 'failed'); i++) {
        await new Promise((r) => setTimeout(r, 100));
        runs = await listJobRecords(ctx.database, { kinds: ['exchange.run'], subject: 'DNIPRO_LIFE' });
      }
      expect(runs.items).toHaveLength(1);
      expect(runs.items[0]).toMatchObject({ state: 'failed' });
      expect(runs.items[0].error).toContain('paused in this process: its sandbox did not start');
    } finally {
      await background.stop();
      await jobs.close();
    }
  });
});
