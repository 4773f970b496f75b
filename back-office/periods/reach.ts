/**
 * The reach of a recalculation's causes: which consultants' lines a change can move. A career,
 * sponsor or policy change names consultants (the one whose career or sponsor changed; every
 * consultant a changed policy was ever sold by, and whoever earned on it). Their lines, the lines of
 * every sale below them and the lines of everyone above them are the only ones that can change, so
 * the reach is the changed consultants' subtrees in every version of the network ever recorded (the
 * version before the change and after it among them) plus everyone above those subtrees.
 *
 * Also the reach's inputs of one period as known at a moment: the payments sold in the subtree (with
 * the policy version in force on the payment date, as the period's loader decides it), the network
 * of the reach's consultants, the period's lapses and what the lapsed policies earned. A cause whose
 * consultants cannot be named (a batch of payments, a plan) has no bounded reach: null.
 */
import type { Kysely } from 'kysely';
import { kopiykyFromDecimal } from '../../src/db/money';
import type { PendingRequest } from '../../src/recalculation-requests';
import type {
  CompensationDB,
  EarningInput,
  LapseInput,
  PaymentInput,
  PeriodInputs,
  PeriodRef,
} from '../compensation';

import { type ActivityFact, emptyNetwork, type NetworkSnapshot } from '../network';

/** Oracle allows at most 1000 expressions in a list. */
const IN_LIST = 1000;

function chunks<T>(items: readonly T[], size = IN_LIST): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface Reach {
  /** The consultants the causes name. */
  changed: Set<number>;
  /** The changed consultants and everyone below them in any version of the network. */
  subtree: Set<number>;
  /** Everyone above the subtree in any version, not in it. */
  uplines: Set<number>;
  /** subtree and uplines, ascending. */
  ids: number[];
  all: Set<number>;
}

/**
 * The consultants the pending requests' causes name, or null when one of them names none that bound
 * it (a batch of payments, a plan change, an unknown kind of cause).
 */
export async function causeConsultants(
  db: Kysely<CompensationDB>,
  requests: readonly PendingRequest[],
): Promise<Set<number> | null> {
  const changed = new Set<number>();
  const policies = new Set<number>();
  const amendments = new Set<number>();
  for (const r of requests) {
    const consultant = /^(career|sponsor|unit):(\d+):/.exec(r.causeRef);
    const policy = /^policy:(\d+):/.exec(r.causeRef);
    const amendment = /^amendment:(\d+)$/.exec(r.causeRef);
    if (consultant) changed.add(Number(consultant[2]));
    else if (policy) policies.add(Number(policy[1]));
    else if (amendment) amendments.add(Number(amendment[1]));
    else return null;
  }
  for (const chunk of chunks([...amendments])) {
    const rows = await db
      .selectFrom('policy_version')
      .select('policy_id')
      .where('amendment_id', 'in', chunk)
      .execute();
    if (!rows.length) return null;
    for (const r of rows) policies.add(Number(r.policy_id));
  }
  for (const chunk of chunks([...policies])) {
    // Every consultant the policy was ever sold by, in any version ever recorded.
    for (const r of await db
      .selectFrom('policy_version')
      .select('consultant_id')
      .where('policy_id', 'in', chunk)
      .execute())
      if (r.consultant_id !== null) changed.add(Number(r.consultant_id));
    // And whoever earned on it (a lapse takes back what they earned).
    for (const r of await db
      .selectFrom('accrual')
      .select('consultant_id')
      .where('policy_id', 'in', chunk)
      .execute())
      changed.add(Number(r.consultant_id));
  }
  return changed;
}

/** The changed consultants' subtrees and uplines in every version of the network ever recorded. */
export async function reachOf(db: Kysely<CompensationDB>, changed: ReadonlySet<number>): Promise<Reach> {
  const children = new Map<number, number[]>();
  const parents = new Map<number, number[]>();
  const rows = await db
    .selectFrom('consultant_sponsor')
    .select(['consultant_id', 'sponsor_id'])
    .where('sponsor_id', 'is not', null)
    .execute();
  const add = (map: Map<number, number[]>, key: number, value: number) => {
    const list = map.get(key);
    if (!list) map.set(key, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const r of rows) {
    const id = Number(r.consultant_id);
    const sponsor = Number(r.sponsor_id);
    add(children, sponsor, id);
    add(parents, id, sponsor);
  }
  const walk = (from: Iterable<number>, next: Map<number, number[]>, seen: Set<number>) => {
    const stack = [...from];
    for (const id of stack) seen.add(id);
    while (stack.length) {
      const id = stack.pop()!;
      for (const n of next.get(id) ?? [])
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
    }
    return seen;
  };
  const subtree = walk(changed, children, new Set());
  const above = walk(subtree, parents, new Set());
  const uplines = new Set([...above].filter((id) => !subtree.has(id)));
  const all = new Set([...subtree, ...uplines]);
  return { changed: new Set(changed), subtree, uplines, all, ids: [...all].sort((a, b) => a - b) };
}

/** Sponsors, careers and statuses of the reach's consultants over the period, as known at a moment. */
async function reachNetwork(
  db: Kysely<CompensationDB>,
  ids: readonly number[],
  period: PeriodRef,
  knownAt: Date,
): Promise<NetworkSnapshot> {
  const network = emptyNetwork();
  const facts = (table: 'consultant_sponsor', chunk: number[]) =>
    db
      .selectFrom(table)
      .where('consultant_id', 'in', chunk)
      .where('recorded_at', '<=', knownAt)
      .where('superseded_at', '>', knownAt)
      .where('valid_from', '<=', period.endsOn)
      .where('valid_to', '>', period.startsOn);
  for (const chunk of chunks(ids)) {
    for (const r of await facts('consultant_sponsor', chunk)
      .select(['consultant_id', 'sponsor_id', 'valid_from', 'valid_to'])
      .execute())
      network.sponsors.add(
        Number(r.consultant_id),
        r.valid_from,
        r.valid_to,
        r.sponsor_id === null ? null : Number(r.sponsor_id),
      );
    for (const r of await (facts('consultant_career' as 'consultant_sponsor', chunk) as any)
      .select(['consultant_id', 'level_code', 'valid_from', 'valid_to'])
      .execute())
      network.careers.add(Number(r.consultant_id), r.valid_from, r.valid_to, r.level_code);
    for (const r of await (facts('consultant_activity_status' as 'consultant_sponsor', chunk) as any)
      .select(['consultant_id', 'status', 'source', 'valid_from', 'valid_to'])
      .execute())
      network.statuses.add(Number(r.consultant_id), r.valid_from, r.valid_to, {
        status: r.status,
        source: r.source,
      } as ActivityFact);
  }
  return network;
}

/** The policies ever sold by a consultant of the subtree (any version ever recorded). */
export async function subtreePolicies(db: Kysely<CompensationDB>, reach: Reach): Promise<Set<number>> {
  const policies = new Set<number>();
  for (const chunk of chunks([...reach.subtree]))
    for (const r of await db
      .selectFrom('policy_version')
      .select('policy_id')
      .where('consultant_id', 'in', chunk)
      .execute())
      policies.add(Number(r.policy_id));
  return policies;
}

/**
 * The payments of the period on the subtree's policies, each with the policy version in force on
 * its payment date as known at the moment (the latest valid_from on or before it, then the highest
 * version number; paid before the first version, the first), as the period's loader reads them;
 * kept when that version's consultant is in the subtree.
 */
async function reachPayments(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  policies: ReadonlySet<number>,
  reach: Reach,
  knownAt: Date,
): Promise<PaymentInput[]> {
  // The period's payments by the (paid_on, policy_id) index alone, narrowed to the subtree's policies.
  const ids: number[] = [];
  for (const r of await db
    .selectFrom('premium_payment')
    .select(['id', 'policy_id'])
    .where('paid_on', '>=', period.startsOn)
    .where('paid_on', '<=', period.endsOn)
    .where('recorded_at', '<=', knownAt)
    .execute())
    if (policies.has(Number(r.policy_id))) ids.push(Number(r.id));
  const payments: PaymentInput[] = [];
  for (const chunk of chunks(ids.sort((a, b) => a - b))) {
    const rows = await db
      .selectFrom('premium_payment as pp')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .select([
        'pp.id',
        'pp.policy_id',
        'pp.paid_on',
        'pp.amount',
        'pp.policy_year',
        'p.number',
        'pr.code as product_code',
        'pr.product_group',
      ])
      .where('pp.id', 'in', chunk)
      .execute();
    const policyIds = [...new Set(rows.map((r) => Number(r.policy_id)))];
    const versions = await db
      .selectFrom('policy_version')
      .select(['policy_id', 'consultant_id', 'issued_on', 'valid_from', 'version_no'])
      .where('policy_id', 'in', policyIds)
      .where('recorded_at', '<=', knownAt)
      .orderBy('policy_id')
      .orderBy('valid_from')
      .orderBy('version_no')
      .execute();
    const byPolicy = new Map<number, typeof versions>();
    for (const v of versions) {
      const list = byPolicy.get(Number(v.policy_id));
      if (list) list.push(v);
      else byPolicy.set(Number(v.policy_id), [v]);
    }
    for (const r of rows) {
      const own = byPolicy.get(Number(r.policy_id)) ?? [];
      const before = own.filter((v) => v.valid_from <= r.paid_on);
      const v = before.length ? before[before.length - 1] : own[0];
      const consultantId = v && v.consultant_id !== null ? Number(v.consultant_id) : null;
      if (consultantId === null || !reach.subtree.has(consultantId)) continue;
      payments.push({
        id: Number(r.id),
        policyId: Number(r.policy_id),
        policyNumber: r.number,
        productCode: r.product_code,
        productGroup: r.product_group,
        policyYear: Number(r.policy_year),
        paidOn: r.paid_on,
        amountKop: kopiykyFromDecimal(r.amount),
        consultantId,
        soldOn: v.issued_on ?? r.paid_on,
      });
    }
  }
  return payments.sort((a, b) => a.id - b.id);
}

/** The period's lapses (the first terminating version in it per policy), as the period's loader reads them. */
async function periodLapses(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  knownAt: Date,
): Promise<LapseInput[]> {
  const rows = await db
    .selectFrom('policy_version as pv')
    .innerJoin('policy as p', 'p.id', 'pv.policy_id')
    .innerJoin('product as pr', 'pr.id', 'p.product_id')
    .select([
      'pv.policy_id',
      'p.number',
      'pr.code as product_code',
      'pr.product_group',
      'pv.cover_start',
      'pv.status_date',
      'pv.status',
    ])
    .where('pv.status', 'in', ['terminated', 'cancelled'])
    .where('pv.status_date', '>=', period.startsOn)
    .where('pv.status_date', '<=', period.endsOn)
    .where('pv.recorded_at', '<=', knownAt)
    .orderBy('pv.policy_id')
    .orderBy('pv.status_date')
    .execute();
  const lapses: LapseInput[] = [];
  for (const r of rows) {
    const policyId = Number(r.policy_id);
    if (lapses.length && lapses[lapses.length - 1].policyId === policyId) continue;
    lapses.push({
      policyId,
      policyNumber: r.number,
      productCode: r.product_code,
      productGroup: r.product_group,
      startedOn: r.cover_start,
      lapsedOn: r.status_date,
      status: r.status,
    });
  }
  return lapses;
}

/** What the lapsed policies earned in earlier periods, as corrected (the period's loader's rule). */
export async function earningsOf(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  lapsedIds: readonly number[],
): Promise<EarningInput[]> {
  const earnings: EarningInput[] = [];
  for (const chunk of chunks(lapsedIds, 500)) {
    const rows = await db
      .selectFrom('accrual as a')
      .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
      .select(['a.policy_id', 'a.consultant_id', 'a.amount'])
      .where('r.status', '=', 'posted')
      .where((eb) =>
        eb.or([
          eb.and([
            eb('a.period_code', '<', period.code),
            eb('a.kind', 'in', ['personal', 'structural', 'override']),
          ]),
          eb.and([
            eb('a.corrects_period', '<', period.code),
            eb('a.kind', 'in', ['storno', 'additional']),
            eb.or([
              eb('a.rule', 'like', 'personal.%'),
              eb('a.rule', 'like', 'differential.%'),
              eb('a.rule', 'like', 'generation.%'),
            ]),
          ]),
        ]),
      )
      .where('a.policy_id', 'in', chunk)
      .execute();
    for (const r of rows)
      earnings.push({
        policyId: Number(r.policy_id),
        consultantId: Number(r.consultant_id),
        amountKop: kopiykyFromDecimal(r.amount),
      });
  }
  return earnings;
}

/** The reach's inputs of one period as known at a moment (see the module's comment). */
export async function loadReachInputs(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  reach: Reach,
  policies: ReadonlySet<number>,
  knownAt: Date,
  codes: Map<number, string>,
): Promise<PeriodInputs> {
  const payments = await reachPayments(db, period, policies, reach, knownAt);
  const network = await reachNetwork(db, reach.ids, period, knownAt);
  const lapses = await periodLapses(db, period, knownAt);
  const earnings = await earningsOf(
    db,
    period,
    lapses.map((l) => l.policyId),
  );
  return {
    period,
    consultants: reach.ids.map((id) => ({ id, code: codes.get(id) ?? String(id) })),
    network,
    payments,
    lapses,
    earnings,
    missing: [],
  };
}
