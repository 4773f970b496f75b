/**
 * Six months of the demo agency (payments 2026-05..2026-10) calculated and closed; then each kind of
 * change reaches into a closed month: a late payment, a cancellation with a past date, a change of
 * consultant on a policy, a manual career change, a sponsor change and a unit change. The recalculation
 * posts storno and additional lines into 2026-11, checked to the kopiyka; the invariants are checked
 * (storno cancels exactly its line, the second run posts nothing, closed lines never change, every
 * closed period's net equals what should have been); 2026-11 is closed and its acts produced.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Act, loadPeriodRegister, periodRegisterCsv, loadActPdf } from '../../../back-office/acts';
import { calculatePeriod, CalculationRefusedError } from '../../../back-office/compensation';
import { careerHistory } from '../../../back-office/network';
import {
  closePeriod,
  closingBlockers,
  PeriodCloseRefusedError,
  postCorrections,
  previewCorrections,
  previewChange,
  producePeriodActs,
  recordManualCareerChange,
  recordSponsorChange,
  recordUnitChange,
  requestRecalculation,
} from '../../../back-office/periods';
import { seedDemo } from '../../../src/demo';
import { intermediary } from '../acts/fixtures';
import { describeEachEngine } from '../../support/engines';
import { ledger, micro, netByKey, ownLines, percentOfKop } from './support';

const MONTHS = ['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10'];
const RATE: Record<string, bigint> = {
  CONSULTANT: 30n,
  SENIOR_CONSULTANT: 40n,
  MANAGER: 50n,
  SENIOR_MANAGER: 60n,
  DIRECTOR: 70n,
};
const levelOf = (rule: string) => rule.split('.')[1];
/** What reading an act back needs and this machine lacks (poppler-utils, tesseract-ocr-ukr). */
const ocrMissing = (() => {
  const has = (binary: string) => {
    try {
      execFileSync('which', [binary], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const missing = ['pdftoppm', 'tesseract'].filter((t) => !has(t));
  if (
    !missing.includes('tesseract') &&
    !/\bukr\b/.test(execFileSync('tesseract', ['--list-langs'], { encoding: 'utf8' }))
  )
    missing.push('tesseract-ocr-ukr');
  return missing;
})();
if (ocrMissing.length && process.env.CI === 'true')
  throw new Error(
    `CI=true but ${ocrMissing.join(', ')} missing: apt-get install -y poppler-utils tesseract-ocr tesseract-ocr-ukr`,
  );
if (ocrMissing.length)
  console.log(
    `reading the period's act back by OCR skipped: ${ocrMissing.join(', ')} missing (apt-get install -y poppler-utils tesseract-ocr tesseract-ocr-ukr)`,
  );
const itWithOcr = ocrMissing.length ? it.skip : it;

jest.setTimeout(600_000);

describeEachEngine('production periods on the demo agency', (ctx) => {
  const closedLines = new Map<string, string>();
  const q = () => ctx.database.db as any;
  let beforeIds: number;
  let issuedZ: Act | undefined;

  beforeAll(async () => {
    await seedDemo(ctx.database);
  });

  it('refuses to close a period that is not calculated or has an earlier open period, with every reason', async () => {
    const blockers = await closingBlockers(ctx.database, '2026-06');
    expect(blockers.map((b) => b.kind).sort()).toEqual(['earlier_period_open', 'not_calculated']);
    await expect(closePeriod(ctx.database, '2026-06', { closedBy: 'buh' })).rejects.toThrow(
      PeriodCloseRefusedError,
    );
    const attempt = await q().selectFrom('period_close_attempt').selectAll().executeTakeFirst();
    expect(attempt).toMatchObject({ period_code: '2026-06', outcome: 'refused' });
  });

  it('calculates and closes six months; an open mismatch blocks closing until resolved', async () => {
    const insurer = await q().selectFrom('insurer').select('id').executeTakeFirst();
    const mismatchId = await ctx.database.dialect.insertReturningId(
      q(),
      'mismatch',
      {
        insurer_id: insurer.id,
        kind: 'premium_differs',
        policy_number: 'X-1',
        details: 'премія відрізняється',
        dedupe_key: 'test:premium',
        status: 'open',
        created_at: new Date('2026-05-20T10:00:00Z'),
      },
      { dedupe_key: 'test:premium' },
    );
    for (const month of MONTHS) {
      const preview = await calculatePeriod(ctx.database, month, { preview: true });
      const run = await calculatePeriod(ctx.database, month, { createdBy: 'buh' });
      expect(run.totalKop).toBe(preview.totalKop);
      expect(run.lineCount).toBeGreaterThan(100);
      if (month === '2026-05') {
        const refused = await closePeriod(ctx.database, month, { closedBy: 'buh' }).catch((e) => e);
        expect(refused).toBeInstanceOf(PeriodCloseRefusedError);
        expect(refused.blockers).toEqual([
          expect.objectContaining({
            kind: 'mismatch',
            ref: mismatchId,
            message: expect.stringContaining('X-1'),
            facts: expect.objectContaining({ mismatch: String(mismatchId), policy: 'X-1' }),
          }),
        ]);
        await q().updateTable('mismatch').set({ status: 'resolved' }).where('id', '=', mismatchId).execute();
      }
      await closePeriod(ctx.database, month, { closedBy: 'buh' });
      closedLines.set(month, await ownLines(ctx.database, month));
    }
    await expect(calculatePeriod(ctx.database, '2026-07')).rejects.toThrow(CalculationRefusedError);
    const periods = await q()
      .selectFrom('production_period')
      .select(['code', 'status'])
      .orderBy('code')
      .execute();
    expect(periods.map((p: any) => `${p.code} ${p.status}`)).toEqual([
      ...MONTHS.map((m) => `${m} closed`),
      '2026-11 open',
    ]);
  });

  // Picked from the ledger: the people and policies each change is about.
  const picked: Record<string, any> = {};

  it('records each kind of change with its effective date and requests the recalculation', async () => {
    const all = await ledger(ctx.database);
    beforeIds = Math.max(...all.map((l) => l.id));
    const personal = all.filter((l) => l.kind === 'personal');
    const count = (filter: (l: (typeof personal)[0]) => boolean) => {
      const c = new Map<number, number>();
      for (const l of personal.filter(filter)) c.set(l.consultantId, (c.get(l.consultantId) ?? 0) + 1);
      return [...c.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    };
    const codeOf = new Map(all.map((l) => [l.consultantId, l.consultantCode]));

    // 1. Manual career change: a CONSULTANT with May sales becomes MANAGER from 2026-05-01.
    const [[z]] = count((l) => l.periodCode === '2026-05' && l.rule === 'personal.CONSULTANT');
    picked.z = { id: z, code: codeOf.get(z) };
    // A preview of the change before it is recorded shows its impact and records nothing.
    const impact = await previewChange(ctx.database, (tx) =>
      recordManualCareerChange(tx, {
        consultantCode: picked.z.code,
        levelCode: 'MANAGER',
        validFrom: '2026-05-01',
        reason: 'рішення комітету №7',
        recordedBy: 'hr.petrenko',
        approvedBy: 'dir.koval',
      }),
    );
    expect(impact.preview).toBe(true);
    expect(impact.byConsultant.find((c) => c.consultantId === z)!.netKop).toBeGreaterThan(0);
    expect(await q().selectFrom('recalculation_request').selectAll().execute()).toEqual([]);
    await expect(
      recordManualCareerChange(ctx.database, {
        consultantCode: picked.z.code,
        levelCode: 'MANAGER',
        validFrom: '2026-05-01',
        reason: 'рішення комітету №7',
        recordedBy: 'hr.petrenko',
      }),
    ).rejects.toThrow(/closed period 2026-05: it needs an approval/);
    const career = await recordManualCareerChange(ctx.database, {
      consultantCode: picked.z.code,
      levelCode: 'MANAGER',
      validFrom: '2026-05-01',
      reason: 'рішення комітету №7',
      recordedBy: 'hr.petrenko',
      approvedBy: 'dir.koval',
    });
    expect(career.requestedPeriods).toEqual(MONTHS);
    const history = await careerHistory(ctx.database, z);
    expect(history.find((h) => h.validFrom === '2026-05-01')).toMatchObject({
      levelCode: 'MANAGER',
      source: 'manual',
      recordedBy: 'hr.petrenko',
      approvedBy: 'dir.koval',
      reason: 'рішення комітету №7',
    });

    // 2. Late payment for closed July on a policy of someone else.
    const lateSeller = personal.find(
      (l) => l.periodCode === '2026-07' && l.consultantId !== z && l.rule === 'personal.CONSULTANT',
    )!;
    const pol = await q()
      .selectFrom('policy as p')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select(['p.id', 'p.number', 'pr.code', 'pr.product_group'])
      .where('p.id', '=', lateSeller.policyId)
      .executeTakeFirst();
    const lastYear = await q()
      .selectFrom('premium_payment')
      .select('policy_year')
      .where('id', '=', lateSeller.sourceId)
      .executeTakeFirst();
    const late = await ctx.database.dialect.insertReturningId(
      q(),
      'premium_payment',
      {
        policy_id: pol.id,
        paid_on: '2026-07-30',
        amount: '12345.67',
        policy_year: lastYear.policy_year,
        external_key: 'late-2026-07',
        recorded_at: new Date(),
        cover_from: null,
        cover_to: null,
        source_message_id: null,
        source_row: null,
      },
      { external_key: 'late-2026-07' },
    );
    picked.late = {
      paymentId: late,
      seller: lateSeller.consultantId,
      rate: lateSeller.rate,
      policyId: pol.id,
    };
    await requestRecalculation(q(), {
      effectiveOn: '2026-07-30',
      causeKind: 'late_payment',
      causeRef: `premium_payment:${late}`,
      description: `пізній платіж 12 345,67 грн за полісом ${pol.number}, сплачено 2026-07-30`,
    });

    // 3. Change of consultant on a policy from 2026-06-01 (an agent_change amendment).
    const usedPolicies = new Set([pol.id]);
    // A policy with no version after 2026-06-01, so the new consultant holds it from then on.
    const laterVersions = new Set(
      (
        await q()
          .selectFrom('policy_version')
          .select('policy_id')
          .where('valid_from', '>', '2026-06-01')
          .execute()
      ).map((r: any) => Number(r.policy_id)),
    );
    const moved = personal.find(
      (l) =>
        l.periodCode === '2026-06' &&
        !laterVersions.has(l.policyId!) &&
        l.policyId !== null &&
        !usedPolicies.has(l.policyId) &&
        l.consultantId !== z &&
        l.consultantId !== lateSeller.consultantId,
    )!;
    usedPolicies.add(moved.policyId!);
    const newAgent = personal.find(
      (l) => ![z, moved.consultantId, lateSeller.consultantId].includes(l.consultantId),
    )!.consultantId;
    const current = await q()
      .selectFrom('policy_version')
      .selectAll()
      .where('policy_id', '=', moved.policyId)
      .orderBy('version_no', 'desc')
      .executeTakeFirst();
    const { id: _v, ...version } = current;
    await q()
      .insertInto('policy_version')
      .values({
        ...version,
        version_no: current.version_no + 1,
        valid_from: '2026-06-01',
        recorded_at: new Date(),
        consultant_id: newAgent,
        agent_code: codeOf.get(newAgent),
      })
      .execute();
    picked.moved = { policyId: moved.policyId, from: moved.consultantId, to: newAgent };
    await requestRecalculation(q(), {
      effectiveOn: '2026-06-01',
      causeKind: 'agent_change',
      causeRef: `policy:${moved.policyId}:agent`,
      description: `зміна консультанта за полісом з 2026-06-01: ${codeOf.get(newAgent)}`,
    });

    // 4. Cancellation with a past effective date: a savings policy sold in the window cancelled on 2026-08-10.
    const earners = await q()
      .selectFrom('policy_version as pv')
      .innerJoin('policy as p', 'p.id', 'pv.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select(['pv.policy_id', 'pv.cover_start'])
      .where('pr.product_group', 'in', ['savings', 'term_life'])
      .where('pv.cover_start', '>=', '2026-01-01')
      .where('pv.status', '=', 'in_force')
      .orderBy('pv.policy_id')
      .execute();
    const earnedBefore = all.filter((l) => ['personal', 'structural', 'override'].includes(l.kind));
    const cancelled = earners.find(
      (e: any) =>
        !usedPolicies.has(Number(e.policy_id)) &&
        earnedBefore.some((l) => l.policyId === Number(e.policy_id) && l.periodCode < '2026-08') &&
        !earnedBefore.some((l) => l.policyId === Number(e.policy_id) && l.consultantId === z),
    );
    const cancelledId = Number(cancelled.policy_id);
    usedPolicies.add(cancelledId);
    const last = await q()
      .selectFrom('policy_version')
      .selectAll()
      .where('policy_id', '=', cancelledId)
      .orderBy('version_no', 'desc')
      .executeTakeFirst();
    const { id: _w, ...lastFacts } = last;
    await q()
      .insertInto('policy_version')
      .values({
        ...lastFacts,
        version_no: last.version_no + 1,
        valid_from: '2026-08-10',
        recorded_at: new Date(),
        status: 'cancelled',
        status_date: '2026-08-10',
      })
      .execute();
    picked.cancelled = { policyId: cancelledId, coverStart: String(cancelled.cover_start).slice(0, 10) };
    await requestRecalculation(q(), {
      effectiveOn: '2026-08-10',
      causeKind: 'cancellation',
      causeRef: `policy:${cancelledId}:cancel`,
      description: 'розірвання договору з 2026-08-10',
    });

    // 5. Sponsor change from 2026-09-01: a September seller moves under the top of another line.
    const [[w]] = count(
      (l) =>
        l.periodCode === '2026-09' &&
        ![z, lateSeller.consultantId, moved.consultantId, newAgent].includes(l.consultantId),
    );
    const tops = await q()
      .selectFrom('consultant_sponsor')
      .select('consultant_id')
      .where('sponsor_id', 'is', null)
      .where('superseded_at', '=', new Date('9999-12-31T00:00:00Z'))
      .orderBy('consultant_id')
      .execute();
    const upline = await q()
      .selectFrom('consultant_sponsor')
      .select('sponsor_id')
      .where('consultant_id', '=', w)
      .where('valid_from', '<=', '2026-09-01')
      .where('valid_to', '>', '2026-09-01')
      .where('superseded_at', '=', new Date('9999-12-31T00:00:00Z'))
      .executeTakeFirst();
    const newSponsor = tops
      .map((t: any) => Number(t.consultant_id))
      .find((t: number) => t !== w && t !== Number(upline?.sponsor_id));
    await recordSponsorChange(ctx.database, {
      consultantCode: codeOf.get(w)!,
      sponsorCode:
        codeOf.get(newSponsor) ??
        (await q().selectFrom('consultant').select('code').where('id', '=', newSponsor).executeTakeFirst())
          .code,
      validFrom: '2026-09-01',
      reason: 'перехід до іншої структури за заявою',
      recordedBy: 'hr.petrenko',
      // Inside closed periods: as the approval flow applies it (back-office/periods/approvals.ts).
      approvedBy: 'dir.koval',
    });
    picked.w = { id: w, sponsor: newSponsor };

    // 6. Unit change from 2026-10-01: no plan rule pays by unit, so it changes no money.
    const unit = await q().selectFrom('unit').select('code').orderBy('id', 'desc').executeTakeFirst();
    await recordUnitChange(ctx.database, {
      consultantCode: picked.z.code,
      unitCode: unit.code,
      validFrom: '2026-10-01',
      reason: 'переведення',
      recordedBy: 'hr.petrenko',
      // Inside closed periods: as the approval flow applies it (back-office/periods/approvals.ts).
      approvedBy: 'dir.koval',
    });
    const pending = await q()
      .selectFrom('recalculation_request')
      .selectAll()
      .where('status', '=', 'pending')
      .execute();
    const kinds = new Set(pending.map((r: any) => r.cause_kind));
    expect([...kinds].sort()).toEqual(
      [
        'agent_change',
        'cancellation',
        'career_change',
        'late_payment',
        'sponsor_change',
        'unit_change',
      ].sort(),
    );
    const blockers = await closingBlockers(ctx.database, '2026-11');
    expect(blockers.map((b) => b.kind)).toContain('recalculation_pending');
  });

  let preview: Awaited<ReturnType<typeof previewCorrections>>;
  let posted: Awaited<ReturnType<typeof postCorrections>>;

  it('previews the corrections per consultant without posting anything', async () => {
    preview = await previewCorrections(ctx.database);
    expect(preview.postedIn).toBe('2026-11');
    expect(preview.periods.map((p) => p.period)).toEqual(MONTHS);
    expect(Math.max(...(await ledger(ctx.database)).map((l) => l.id))).toBe(beforeIds);
    expect(
      await q().selectFrom('recalculation_request').selectAll().where('status', '=', 'pending').execute(),
    ).not.toEqual([]);
  });

  it('posts storno and additional lines into 2026-11 that match the preview', async () => {
    posted = await postCorrections(ctx.database, { postedBy: 'buh' });
    expect(posted.byConsultant).toEqual(preview.byConsultant);
    expect(posted.netKop).toBe(preview.netKop);
    expect(posted.stornoKop).toBeLessThan(0);
    expect(posted.additionalKop).toBeGreaterThan(0);
    const corrections = (await ledger(ctx.database)).filter((l) => l.id > beforeIds);
    expect(corrections.length).toBeGreaterThan(0);
    for (const l of corrections) {
      expect(l.periodCode).toBe('2026-11');
      expect(MONTHS).toContain(l.correctsPeriod);
      expect(['storno', 'additional']).toContain(l.kind);
      expect(l.cause).toBeTruthy();
    }
    expect(
      await q().selectFrom('recalculation_request').selectAll().where('status', '=', 'pending').execute(),
    ).toEqual([]);
  });

  it('cancels exactly the line each storno names', async () => {
    const all = await ledger(ctx.database);
    const byId = new Map(all.map((l) => [l.id, l]));
    const stornos = all.filter((l) => l.kind === 'storno');
    expect(stornos.length).toBeGreaterThan(0);
    const named = new Set<number>();
    for (const s of stornos) {
      const target = byId.get(s.stornoOf!)!;
      expect(target).toBeDefined();
      expect(s.amountKop).toBe(-target.amountKop);
      expect([s.consultantId, s.rule, s.sourceKind, s.sourceId]).toEqual([
        target.consultantId,
        target.rule,
        target.sourceKind,
        target.sourceId,
      ]);
      expect(s.correctsPeriod).toBe(target.correctsPeriod ?? target.periodCode);
      // A person reads which line is reversed and why that line was there.
      expect(s.explanation).toBe(
        `Сторно рядка №${target.id} за ${s.correctsPeriod}: ${target.explanation}`.slice(0, 2000),
      );
      expect(named.has(target.id)).toBe(false); // never reversed twice
      named.add(target.id);
    }
  });

  it('moves the manual career change into personal commission at the MANAGER rate, to the kopiyka', async () => {
    const all = await ledger(ctx.database);
    const mayOwn = all.filter(
      (l) =>
        l.periodCode === '2026-05' &&
        l.runKind === 'period' &&
        l.consultantId === picked.z.id &&
        l.kind === 'personal',
    );
    expect(mayOwn.length).toBeGreaterThan(0);
    const may = await calculatePeriod(ctx.database, '2026-05', { preview: true });
    const paidLevel = may.metrics.find((m) => m.consultantId === picked.z.id)!.paidLevel;
    expect(may.metrics.find((m) => m.consultantId === picked.z.id)!.careerLevel).toBe('MANAGER');
    for (const original of mayOwn) {
      const storno = all.find((l) => l.stornoOf === original.id)!;
      expect(storno).toMatchObject({
        kind: 'storno',
        correctsPeriod: '2026-05',
        amountKop: -original.amountKop,
      });
      expect(storno.cause).toMatch(/ручна зміна кар'єри/);
      const additional = all.find(
        (l) =>
          l.kind === 'additional' &&
          l.correctsPeriod === '2026-05' &&
          l.sourceId === original.sourceId &&
          l.consultantId === picked.z.id &&
          l.rule.startsWith('personal.'),
      )!;
      // Paid as MANAGER, or a level lower when MANAGER's maintenance (group volume) fails that month.
      expect(levelOf(additional.rule)).toBe(paidLevel);
      expect(['MANAGER', 'SENIOR_CONSULTANT']).toContain(paidLevel);
      const pointsRate = (micro(original.rate) * RATE[paidLevel]) / RATE[levelOf(original.rule)];
      expect(additional.amountKop).toBe(percentOfKop(original.baseKop, pointsRate));
    }
  });

  it('pays the late July payment to the seller and the upline in 2026-11, naming July', async () => {
    const all = await ledger(ctx.database);
    const lines = all.filter((l) => l.sourceKind === 'payment' && l.sourceId === picked.late.paymentId);
    expect(
      lines.every(
        (l) => l.kind === 'additional' && l.correctsPeriod === '2026-07' && l.periodCode === '2026-11',
      ),
    ).toBe(true);
    const own = lines.find((l) => l.consultantId === picked.late.seller && l.rule.startsWith('personal.'))!;
    const pointsRate = (micro(picked.late.rate) * RATE[levelOf(own.rule)]) / 30n;
    expect(own.baseKop).toBe(1_234_567);
    expect(own.amountKop).toBe(percentOfKop(1_234_567, pointsRate));
    const should = await calculatePeriod(ctx.database, '2026-07', { preview: true });
    const expected = should.lines.filter(
      (l) => l.sourceKind === 'payment' && l.sourceId === picked.late.paymentId,
    );
    expect(lines.map((l) => `${l.consultantId} ${l.rule} ${l.amountKop}`).sort()).toEqual(
      expected.map((l) => `${l.consultantId} ${l.rule} ${l.amountKop}`).sort(),
    );
  });

  it('reverses the old consultant and pays the new one for the policy whose consultant changed', async () => {
    const all = await ledger(ctx.database);
    const old = all.filter(
      (l) =>
        l.runKind === 'period' &&
        l.policyId === picked.moved.policyId &&
        l.consultantId === picked.moved.from &&
        l.kind === 'personal' &&
        l.periodCode >= '2026-06' &&
        l.periodCode <= '2026-10',
    );
    expect(old.length).toBeGreaterThan(0);
    for (const o of old) {
      expect(all.find((l) => l.stornoOf === o.id)).toMatchObject({
        amountKop: -o.amountKop,
        correctsPeriod: o.periodCode,
      });
      const paid = all.find(
        (l) =>
          l.kind === 'additional' &&
          l.sourceId === o.sourceId &&
          l.consultantId === picked.moved.to &&
          l.rule.startsWith('personal.'),
      )!;
      expect(paid.correctsPeriod).toBe(o.periodCode);
      const pointsRate = (micro(o.rate) * RATE[levelOf(paid.rule)]) / RATE[levelOf(o.rule)];
      expect(paid.amountKop).toBe(percentOfKop(o.baseKop, pointsRate));
    }
  });

  it('charges back the cancelled policy in August by what it earned, proportionally', async () => {
    const all = await ledger(ctx.database);
    const charges = all.filter(
      (l) => l.policyId === picked.cancelled.policyId && l.rule.startsWith('chargeback.'),
    );
    expect(charges.length).toBeGreaterThan(0);
    const [y1, m1, d1] = picked.cancelled.coverStart.split('-').map(Number);
    const months = (2026 - y1) * 12 + (8 - m1) - (10 < d1 ? 1 : 0);
    const earned = new Map<number, number>();
    for (const l of all) {
      const period = l.correctsPeriod ?? l.periodCode;
      const commission = /^(personal|differential|generation)\./.test(l.rule);
      if (l.policyId === picked.cancelled.policyId && commission && period <= '2026-08')
        earned.set(l.consultantId, (earned.get(l.consultantId) ?? 0) + l.amountKop);
    }
    for (const c of charges) {
      expect(c).toMatchObject({ kind: 'additional', correctsPeriod: '2026-08', periodCode: '2026-11' });
      const e = BigInt(earned.get(c.consultantId)!);
      const num = e * BigInt(12 - months);
      expect(c.amountKop).toBe(-Number((num * 2n + 12n) / 24n));
    }
  });

  it('leaves every closed period netting exactly to what it should have been, and posts nothing the second time', async () => {
    const all = await ledger(ctx.database);
    for (const month of MONTHS) {
      const should = await calculatePeriod(ctx.database, month, { preview: true });
      const expected = new Map<string, number>();
      for (const l of should.lines)
        if (l.amountKop)
          expected.set(`${l.consultantId}|${l.rule}|${l.sourceKind}|${l.sourceId}`, l.amountKop);
      expect(netByKey(all, month)).toEqual(expected);
    }
    const count = all.length;
    const again = await postCorrections(ctx.database, { fromPeriod: '2026-05', postedBy: 'buh' });
    expect(again.periods.every((p) => p.lines.length === 0)).toBe(true);
    expect((await ledger(ctx.database)).length).toBe(count);
    for (const month of MONTHS) expect(await ownLines(ctx.database, month)).toBe(closedLines.get(month));
    // The sponsor change moved September structural money: W's old upline lost lines on W's sales.
    expect(
      all.some(
        (l) => l.kind === 'storno' && l.correctsPeriod === '2026-09' && l.rule.startsWith('differential.'),
      ),
    ).toBe(true);
  });

  it('closes 2026-11 and produces its acts with the corrections, summing to the ledger; PDF and data', async () => {
    await calculatePeriod(ctx.database, '2026-11', { createdBy: 'buh' });
    await closePeriod(ctx.database, '2026-11', { closedBy: 'buh' });
    const acts = await producePeriodActs(ctx.database, '2026-11', { intermediary, createdBy: 'buh' });
    expect(acts.check.balanced).toBe(true);
    expect(acts.check.ledgerTotalKop).toBe(
      posted.netKop + (await calculatePeriod(ctx.database, '2026-11', { preview: true })).totalKop,
    );
    const zAct = acts.issued.find((a) => a.act.consultant.code === picked.z.code)!;
    expect(zAct.act.correctionLines.map((l) => l.accrualPeriod)).toContain('2026-05');
    expect(zAct.act.grossKop).toBe(
      posted.byConsultant.find((c) => c.consultantCode === picked.z.code)!.netKop,
    );
    const again = await producePeriodActs(ctx.database, '2026-11', { intermediary });
    expect(again.issued).toEqual([]);
    const may = await producePeriodActs(ctx.database, '2026-05', { intermediary });
    expect(may.check.balanced).toBe(true);
    const register = await loadPeriodRegister(ctx.database, '2026-11');
    expect(periodRegisterCsv(register).toString('utf8')).toContain(zAct.act.consultant.fullName);
    issuedZ = zAct.act;
  });

  itWithOcr(
    'prints the act as issued: OCR of its PDF reads the consultant and the amount to pay',
    async () => {
      expect(issuedZ).toBeDefined(); // issued by the test before
      const act = issuedZ!;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'period-act-'));
      try {
        const pdf = (await loadActPdf(ctx.database, act.number))!;
        fs.writeFileSync(path.join(dir, 'act.pdf'), pdf);
        execFileSync('pdftoppm', [
          '-png',
          '-r',
          '150',
          '-f',
          '1',
          '-l',
          '1',
          path.join(dir, 'act.pdf'),
          path.join(dir, 'page'),
        ]);
        const png = fs.readdirSync(dir).find((f) => f.endsWith('.png'))!;
        const read = execFileSync('tesseract', [path.join(dir, png), '-', '-l', 'ukr'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).replace(/[\s\u00a0]+/g, '');
        expect(read).toContain(act.consultant.fullName.replace(/\s+/g, ''));
        const net = (act.netKop / 100)
          .toFixed(2)
          .replace('.', ',')
          .replace(/\B(?=(\d{3})+(?!\d))/g, '');
        expect(read).toContain(net);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
