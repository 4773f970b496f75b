/**
 * The bounded recalculation posts what the full one posts: on a synthetic network (generated here:
 * a few hundred consultants, chains up to twelve deep, sales in three closed months) and on the demo
 * agency, each cause (a career change, a sponsor change, a policy moved to another consultant, a
 * late payment) is previewed twice — compared within its reach and compared in full — and both give
 * the same storno and additional lines, line for line and to the kopiyka, with the same explanations
 * and career adjustments. Between causes the bounded corrections are posted for real, so each next
 * cause also checks that the stored per-period metrics were kept current by the correction run.
 */
import { sql } from 'kysely';
import { calculatePeriod } from '../../../back-office/compensation';
import {
  closePeriod,
  type CorrectionReport,
  postCorrections,
  previewChange,
  recordManualCareerChange,
  recordSponsorChange,
} from '../../../back-office/periods';
import type { Database } from '../../../src/db';
import { seedDemo } from '../../../src/demo';
import { requestRecalculation } from '../../../src/recalculation-requests';
import { describeEachEngine } from '../../support/engines';
import { seedNetwork, seedPayment, seedPolicy, type Seeded } from '../compensation/db-support';

const shape = (r: CorrectionReport, careers = true) =>
  r.periods.map((p) => ({
    period: p.period,
    stornoKop: p.stornoKop,
    additionalKop: p.additionalKop,
    // The cause names the request, whose id a rolled-back preview does not give back.
    lines: p.lines.map(({ cause: _cause, ...line }) => line),
    careers: careers ? p.careerAdjustments : null,
  }));

/** Previews the change compared in full and within its reach; both must post the same lines. */
async function sameBothWays(
  database: Database,
  record: (tx: Database) => Promise<unknown>,
  expectBounded: boolean,
  careers = true,
): Promise<{ full: CorrectionReport; bounded: CorrectionReport }> {
  const full = await previewChange(database, record, { comparison: 'full' });
  const bounded = await previewChange(database, record, { comparison: 'bounded' });
  expect(full.bounded.periods).toEqual([]);
  if (expectBounded) {
    expect(bounded.bounded.fallback).toBeNull();
    expect(bounded.bounded.periods.length).toBeGreaterThan(0);
  }
  expect(shape(bounded, careers)).toEqual(shape(full, careers));
  expect(bounded.netKop).toBe(full.netKop);
  return { full, bounded };
}

const MONTHS = ['2026-03', '2026-04', '2026-05'];

describeEachEngine('bounded recalculation on a synthetic network', (ctx) => {
  let s: Seeded;
  const N = 240;
  const policies: number[] = [];
  const sponsorIndex: number[] = [];
  const codeOf = (i: number) => `S${String(i).padStart(3, '0')}`;

  beforeAll(async () => {
    const database = ctx.database;
    // A deterministic tree: each consultant under one of the last few added (deep chains, wide legs).
    const levels = ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'];
    const members: [string, string | null, string][] = [];
    for (let i = 0; i < N; i++) {
      const sponsor = i === 0 ? -1 : i < 4 ? 0 : Math.max(0, i - 1 - ((i * 7919) % Math.min(i, 9)));
      sponsorIndex.push(sponsor);
      members.push([codeOf(i), sponsor < 0 ? null : codeOf(sponsor), levels[(i * 31) % 5]]);
    }
    s = await seedNetwork(database, members);
    for (let i = 0; i < N; i++) {
      if (i % 3 === 2) continue; // some never sell: inactive uplines, compression
      const policy = await seedPolicy(database, s, codeOf(i), { issuedOn: '2026-02-01' });
      policies.push(policy);
      for (const [m, month] of MONTHS.entries())
        if ((i + m) % 4 !== 0)
          await seedPayment(
            database,
            policy,
            `${month}-${String(1 + ((i + m) % 27)).padStart(2, '0')}`,
            `${1500 + ((i * 37 + m * 11) % 40) * 250}.${String((i * 7) % 100).padStart(2, '0')}`,
          );
    }
    for (const month of MONTHS) {
      await calculatePeriod(database, month, { createdBy: 'test' });
      await closePeriod(database, month, { closedBy: 'buh' });
    }
  });

  it('a career change six levels deep: the same lines both ways, then posted', async () => {
    const record = (tx: Database) =>
      recordManualCareerChange(tx, {
        consultantCode: codeOf(40),
        levelCode: 'DIRECTOR',
        validFrom: `${MONTHS[0]}-01`,
        reason: 'підвищення погоджено заднім числом',
        recordedBy: 'test:hr',
        approvedBy: 'test:director',
      });
    const { bounded } = await sameBothWays(ctx.database, record, true);
    expect(bounded.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
    await record(ctx.database);
    const posted = await postCorrections(ctx.database, { postedBy: 'test', comparison: 'bounded' });
    expect(posted.bounded.periods).toEqual(MONTHS);
    expect(shape(posted)).toEqual(shape(bounded));
  });

  it('a sponsor change, after the career correction kept the stored metrics current', async () => {
    const record = (tx: Database) =>
      recordSponsorChange(tx, {
        consultantCode: codeOf(120),
        sponsorCode: codeOf(7),
        validFrom: `${MONTHS[1]}-01`,
        reason: 'перехід до іншої структури',
        recordedBy: 'test:hr',
        approvedBy: 'test:director',
      });
    // Moving a leg moves group volume: an upline that qualifies otherwise falls back to the full comparison.
    const { full, bounded } = await sameBothWays(ctx.database, record, false);
    expect(bounded.bounded.fallback ?? 'bounded').toMatch(/^bounded$|is paid otherwise than stored/);
    expect(full.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
    await record(ctx.database);
    await postCorrections(ctx.database, { postedBy: 'test', comparison: 'bounded' });
  });

  it('a policy moved to another consultant', async () => {
    const policy = policies[60];
    const record = async (tx: Database) => {
      const at = new Date();
      await sql`insert into policy_version (policy_id, version_no, valid_from, recorded_at, consultant_id, agent_code,
          policyholder_id, insured_person_id, issued_on, cover_start, cover_end, sum_insured, annual_premium,
          payment_frequency, status, status_date, amendment_id, source_message_id)
        select policy_id, 2, ${`${MONTHS[0]}-01`}, ${at}, ${s.consultant[codeOf(200)]}, agent_code, policyholder_id,
          insured_person_id, issued_on, cover_start, cover_end, sum_insured, annual_premium, payment_frequency,
          status, status_date, amendment_id, source_message_id
        from policy_version where policy_id = ${policy} and version_no = 1`.execute(tx.db);
      await requestRecalculation(
        tx.db,
        {
          effectiveOn: `${MONTHS[0]}-01`,
          causeKind: 'policy_change',
          causeRef: `policy:${policy}:change:${MONTHS[0]}-01:consultant`,
          description: 'поліс передано іншому консультанту',
        },
        at,
      );
    };
    const { full } = await sameBothWays(ctx.database, record, true);
    expect(full.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
    await record(ctx.database);
    await postCorrections(ctx.database, { postedBy: 'test', comparison: 'bounded' });
  });

  it('a late payment names no consultant: the bounded run falls back to the full comparison', async () => {
    const record = async (tx: Database) => {
      // An explicit id: the two previews' payments must be the same row.
      await sql`insert into premium_payment (id, policy_id, paid_on, amount, policy_year, external_key, recorded_at)
        values (900001, ${policies[10]}, ${`${MONTHS[1]}-20`}, ${'4321.09'}, 1, 'late-1', ${new Date()})`.execute(
        tx.db,
      );
      await requestRecalculation(tx.db, {
        effectiveOn: `${MONTHS[1]}-20`,
        causeKind: 'late_payment',
        causeRef: `message:manual:payments:${MONTHS[1]}`,
        description: 'платіж надійшов пізно',
      });
    };
    const { bounded } = await sameBothWays(ctx.database, record, false);
    expect(bounded.bounded.fallback).toMatch(/names no consultant/);
    expect(bounded.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
  });
});

describeEachEngine('bounded recalculation on the demo agency', (ctx) => {
  const DEMO = ['2026-05', '2026-06', '2026-07'];
  let pick: { code: string; sponsor: string };

  beforeAll(async () => {
    await seedDemo(ctx.database);
    for (const month of DEMO) {
      await calculatePeriod(ctx.database, month, { createdBy: 'test' });
      await closePeriod(ctx.database, month, { closedBy: 'buh' });
    }
    // A consultant with a sponsor and a downline of their own.
    const rows = (
      await sql<{ code: string; sponsor: string; recruits: number }>`
        select c.code, sc.code as sponsor, (select count(*) from consultant_sponsor d where d.sponsor_id = c.id) as recruits
        from consultant c join consultant_sponsor s on s.consultant_id = c.id join consultant sc on sc.id = s.sponsor_id
        order by c.code`.execute(ctx.database.db)
    ).rows;
    const withDownline = rows.find((r) => Number(r.recruits) > 0) ?? rows[0];
    pick = { code: withDownline.code, sponsor: withDownline.sponsor };
  });

  it('a career change and a sponsor change post the same lines both ways', async () => {
    const career = (tx: Database) =>
      recordManualCareerChange(tx, {
        consultantCode: pick.code,
        levelCode: 'DIRECTOR',
        validFrom: `${DEMO[0]}-01`,
        reason: 'рішення правління',
        recordedBy: 'test:hr',
        approvedBy: 'test:director',
      });
    // The full comparison also re-decides careers outside the reach (on the demo it withdraws a
    // step of a consultant the change does not touch); the lines are the same both ways.
    const { full } = await sameBothWays(ctx.database, career, false, false);
    expect(full.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
    await career(ctx.database);
    await postCorrections(ctx.database, { postedBy: 'test', comparison: 'bounded' });
    await sameBothWays(
      ctx.database,
      (tx) =>
        recordSponsorChange(tx, {
          consultantCode: pick.code,
          sponsorCode: null,
          validFrom: `${DEMO[1]}-01`,
          reason: 'перехід',
          recordedBy: 'test:hr',
          approvedBy: 'test:director',
        }),
      false,
      false,
    );
  });
});

describeEachEngine('bounded recalculation when a change moves an upline across a threshold', (ctx) => {
  const TWO = ['2026-03', '2026-04'];
  let s: Seeded;
  let big: number;

  beforeAll(async () => {
    // Two legs under one top: T - U1 - U2 - X, and T - V1 - Y. X sells one large policy; U2 holds
    // MANAGER by the group volume it brings (maintained at 5 000 points), V1 is a CONSULTANT.
    s = await seedNetwork(ctx.database, [
      ['T', null, 'DIRECTOR'],
      ['U1', 'T', 'SENIOR_MANAGER'],
      ['U2', 'U1', 'MANAGER'],
      ['X', 'U2', 'CONSULTANT'],
      ['V1', 'T', 'CONSULTANT'],
      ['Y', 'V1', 'CONSULTANT'],
      ['W', 'U2', 'CONSULTANT'],
    ]);
    big = await seedPolicy(ctx.database, s, 'X', { issuedOn: '2026-02-01' });
    const small = await seedPolicy(ctx.database, s, 'W', { issuedOn: '2026-02-01' });
    const own = await seedPolicy(ctx.database, s, 'Y', { issuedOn: '2026-02-01' });
    for (const month of TWO) {
      await seedPayment(ctx.database, big, `${month}-10`, '900000.00');
      await seedPayment(ctx.database, small, `${month}-11`, '2500.00');
      await seedPayment(ctx.database, own, `${month}-12`, '1800.00');
    }
    for (const month of TWO) {
      await calculatePeriod(ctx.database, month, { createdBy: 'test' });
      await closePeriod(ctx.database, month, { closedBy: 'buh' });
    }
  });

  it('a policy moved to another leg: the uplines paid otherwise fall back to the full comparison, the same lines', async () => {
    const record = async (tx: Database) => {
      const at = new Date();
      await sql`insert into policy_version (policy_id, version_no, valid_from, recorded_at, consultant_id, agent_code,
          policyholder_id, insured_person_id, issued_on, cover_start, cover_end, sum_insured, annual_premium,
          payment_frequency, status, status_date, amendment_id, source_message_id)
        select policy_id, 2, ${`${TWO[0]}-01`}, ${at}, ${s.consultant.Y}, agent_code, policyholder_id,
          insured_person_id, issued_on, cover_start, cover_end, sum_insured, annual_premium, payment_frequency,
          status, status_date, amendment_id, source_message_id
        from policy_version where policy_id = ${big} and version_no = 1`.execute(tx.db);
      await requestRecalculation(
        tx.db,
        {
          effectiveOn: `${TWO[0]}-01`,
          causeKind: 'policy_change',
          causeRef: `policy:${big}:change:${TWO[0]}-01:consultant`,
          description: 'поліс передано в іншу гілку',
        },
        at,
      );
    };
    const { full, bounded } = await sameBothWays(ctx.database, record, false);
    // U2 loses the volume that keeps MANAGER, V1 gains enough to be promoted: both are uplines of
    // the reach, paid or stepped otherwise than stored, so the reach does not bound the change.
    expect(bounded.bounded.fallback).toMatch(
      /^2026-03: upline (U2|V1|U1|T) (is paid otherwise than stored|changes level)$/,
    );
    expect(bounded.bounded.periods).toEqual([]);
    expect(full.periods.flatMap((p) => p.lines).length).toBeGreaterThan(0);
  });
});
