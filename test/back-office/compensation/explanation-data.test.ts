/**
 * The ledger stores a payment line's explanation as structured data and renders the text when read:
 * on the demo agency and on a synthetic network (deep chains, inactive and unqualified uplines passed
 * over by compression, generation overrides), every posted line's explanation as the ledger gives it
 * back is byte for byte the text the engine wrote before (kept in engine-before-structured-
 * explanations.ts), run on the same inputs; so are the lines' amounts, rules and rates. Lines written
 * with text (bonuses, chargebacks, contests, and rows from before migration 0820) are read as text.
 */
import { calculatePeriod, listAccruals, planForPeriod } from '../../../back-office/compensation';
import { compensationDb, priorPeriods } from '../../../back-office/compensation/ledger';
import { loadPeriodInputs, periodRef } from '../../../back-office/compensation/inputs';
import {
  decodePaymentExplanation,
  encodePaymentExplanation,
  ledgerExplanation,
  renderPaymentExplanation,
} from '../../../back-office/compensation/explanation';
import type { Database } from '../../../src/db';
import { seedDemo } from '../../../src/demo';
import { describeEachEngine } from '../../support/engines';
import { calculate as calculateBefore } from './engine-before-structured-explanations';
import { seedNetwork, seedPayment, seedPolicy } from './db-support';

const KNOWN = new Date('2026-09-01T00:00:00Z');

/** The explanation as the ledger stored it before: cut at the column's 2000 characters. */
const storedBefore = (text: string) => (text.length > 2000 ? `${text.slice(0, 1997)}...` : text);

/**
 * Posts the period, then runs the engine as it was on the same inputs and compares line by line.
 * Returns how many lines of each kind were compared and how many said something about compression.
 */
async function postAndCompare(database: Database, periodCode: string) {
  const posted = await calculatePeriod(database, periodCode, { knownAt: KNOWN, createdBy: 'test' });
  const db = compensationDb(database);
  const { plan } = await planForPeriod(database, periodCode);
  const period = await periodRef(db, periodCode);
  const usesSaleDate = plan.personalNetwork === 'sale_date' || plan.structuralNetwork === 'sale_date';
  const inputs = await loadPeriodInputs(db, period, {
    knownAt: KNOWN,
    networkFrom: usesSaleDate ? undefined : period.startsOn,
  });
  if (plan.maxWindow > 1) inputs.prior = await priorPeriods(db, periodCode, plan.maxWindow - 1);
  const before = calculateBefore(plan, inputs);
  expect(before.fingerprint).toBe(posted.fingerprint);

  const ledger = await listAccruals(database, { periodCode, limit: 1_000_000 });
  const ofRun = ledger.filter((l) => l.runId === posted.runId);
  expect(ofRun.length).toBe(posted.lineCount);
  // The structured form is what a payment line stores: no text in the row.
  const stored = await db
    .selectFrom('accrual')
    .select(['line_no', 'explanation', 'explanation_data'])
    .where('run_id', '=', posted.runId!)
    .execute();
  const row = new Map(stored.map((r) => [r.line_no, r]));
  const byKind: Record<string, number> = {};
  let compressed = 0;
  let asText = 0;
  for (const old of before.lines) {
    const line = ofRun[old.lineNo - 1];
    expect(line.lineNo).toBe(old.lineNo);
    expect({ rule: line.rule, rate: line.rate, amountKop: line.amountKop, baseKop: line.baseKop }).toEqual({
      rule: old.rule,
      rate: old.rate,
      amountKop: old.amountKop,
      baseKop: old.baseKop,
    });
    const expected = storedBefore(old.explanation);
    if (line.explanation !== expected)
      throw new Error(`line ${old.lineNo}:\n  before: ${expected}\n  now:    ${line.explanation}`);
    const r = row.get(old.lineNo)!;
    if (old.sourceKind === 'payment') {
      expect(r.explanation).toBeNull();
      // The engine's fast writer gives what the reference encoder gives for the same parts.
      expect(r.explanation_data).toBe(
        encodePaymentExplanation(decodePaymentExplanation(r.explanation_data!)),
      );
    } else {
      // Bonuses, chargebacks, contests: the text, read as stored (as rows from before 0820 are).
      expect(r.explanation_data).toBeNull();
      expect(r.explanation).toBe(expected);
      asText++;
    }
    byKind[old.kind] = (byKind[old.kind] ?? 0) + 1;
    if (old.explanation.includes('стиснення')) compressed++;
  }
  return { byKind, compressed, asText, lines: before.lines.length };
}

describeEachEngine('structured explanations on the demo agency', (ctx) => {
  it('render every posted line byte for byte as the engine wrote it before', async () => {
    await seedDemo(ctx.database);
    let lines = 0;
    let asText = 0;
    const kinds = new Set<string>();
    for (const month of ['2026-05', '2026-06', '2026-07']) {
      const seen = await postAndCompare(ctx.database, month);
      lines += seen.lines;
      asText += seen.asText;
      for (const k of Object.keys(seen.byKind)) kinds.add(k);
    }
    expect(lines).toBeGreaterThan(100);
    console.log(`demo: ${lines} lines compared, ${asText} stored as text, kinds ${[...kinds].join(', ')}`);
    expect(kinds).toEqual(expect.objectContaining(new Set(['personal', 'structural'])));
  });
});

describeEachEngine('structured explanations on a synthetic network', (ctx) => {
  it('render compression, overrides and long chains byte for byte as before', async () => {
    const database = ctx.database;
    const N = 160;
    const levels = ['CONSULTANT', 'SENIOR_CONSULTANT', 'MANAGER', 'SENIOR_MANAGER', 'DIRECTOR'];
    const codeOf = (i: number) => (i % 11 === 5 ? `Ц-${i}` : `S${String(i).padStart(3, '0')}`);
    const members: [string, string | null, string][] = [];
    for (let i = 0; i < N; i++) {
      const sponsor = i === 0 ? -1 : i < 3 ? 0 : Math.max(0, i - 1 - ((i * 7919) % Math.min(i, 5)));
      members.push([codeOf(i), sponsor < 0 ? null : codeOf(sponsor), levels[(i * 31) % 5]]);
    }
    const s = await seedNetwork(database, members);
    for (let i = 0; i < N; i++) {
      if (i % 3 === 2) continue; // never sells: an inactive upline, passed over by compression
      const policy = await seedPolicy(database, s, codeOf(i), { issuedOn: '2026-02-01' });
      // Some sell a little: active but below the qualification minimum (unqualified, compressed).
      const amount =
        i % 5 === 1 ? '100.00' : `${1500 + ((i * 37) % 40) * 250}.${String((i * 7) % 100).padStart(2, '0')}`;
      await seedPayment(database, policy, `2026-03-${String(1 + (i % 27)).padStart(2, '0')}`, amount);
    }
    const seen = await postAndCompare(database, '2026-03');
    expect(seen.byKind.personal).toBeGreaterThan(50);
    expect(seen.byKind.structural).toBeGreaterThan(50);
    expect(seen.byKind.override).toBeGreaterThan(0);
    expect(seen.compressed).toBeGreaterThan(0);
  });
});

describe('the stored form of an explanation', () => {
  it('gives back the parts it was made of, and long text is cut as the column cut it', () => {
    const parts = {
      kind: 'structural' as const,
      amountKop: 123_456,
      paymentKop: 4_000_000,
      paidOn: '2026-03-10',
      policyNumber: 'DL-"7"\\8\t9',
      productCode: 'DL-SAV10',
      policyYear: 1,
      pointsH: 2500,
      rateH: 5000,
      levelCode: 'MANAGER',
      sellerCode: 'Ц-1',
      belowH: 3000,
      belowByCode: 'S',
      generation: 0,
      leaderLevel: '',
      compressed: Array.from({ length: 60 }, (_, i) => ({ code: `UPLINE-${i}`, active: i % 2 === 0 })),
    };
    const data = encodePaymentExplanation(parts);
    expect(decodePaymentExplanation(data)).toEqual(parts);
    const text = renderPaymentExplanation(parts);
    expect(text.length).toBeGreaterThan(2000);
    expect(ledgerExplanation(null, data)).toBe(`${text.slice(0, 1997)}...`);
  });
});
