/**
 * Reads one period's inputs from the core for the pure calculation: premium payments paid in the
 * period with the policy version in force on the payment date (consultant, product), the network
 * (sponsors, careers, activity statuses) as known at the knowledge time, lapses in the period, and
 * what the lapsed policies earned in posted runs. All queries are portable (keyset paging with
 * offset/fetch, no engine functions), so they compile for Oracle too.
 */
import type { Kysely } from 'kysely';
import { kopiykyFromDecimal } from '../../src/db/money';
import type { IsoDate } from '../../src/db/schema';
import type { EarningInput, LapseInput, MissingInput, PaymentInput, PeriodInputs, PeriodRef } from './engine';
import { networkSnapshot } from '../network';
import type { CompensationDB } from './tables';

export const PAGE_SIZE = 50_000;
const IN_LIST = 500; // Oracle allows at most 1000 expressions in a list

/** The period's bounds from yyyy-mm (the production_period row when there is one). */
export async function periodRef(db: Kysely<CompensationDB>, code: string): Promise<PeriodRef> {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(code)) throw new RangeError(`period '${code}' is not yyyy-mm`);
  const row = await db
    .selectFrom('production_period')
    .select(['code', 'starts_on', 'ends_on'])
    .where('code', '=', code)
    .executeTakeFirst();
  if (row) return { code, startsOn: row.starts_on, endsOn: row.ends_on };
  const [y, m] = code.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { code, startsOn: `${code}-01`, endsOn: `${code}-${String(last).padStart(2, '0')}` };
}

export interface LoadOptions {
  knownAt: Date;
  /** Read the network from this date on (earlier when a component uses the date of sale). */
  networkFrom?: IsoDate;
  onProgress?: (stage: string, count: number) => void;
}

/** Premium payments paid in the period, one page at a time by id. */
async function loadPayments(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  knownAt: Date,
  onProgress?: LoadOptions['onProgress'],
) {
  const payments: PaymentInput[] = [];
  const withoutVersion: PaymentInput[] = [];
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('premium_payment as pp')
      .innerJoin('policy as p', 'p.id', 'pp.policy_id')
      .innerJoin('product as pr', 'pr.id', 'p.product_id')
      .leftJoin('policy_version as pv', (join: any) =>
        join
          .onRef('pv.policy_id', '=', 'pp.policy_id')
          .onRef('pv.valid_from', '<=', 'pp.paid_on')
          .on('pv.recorded_at', '<=', knownAt),
      )
      .select([
        'pp.id',
        'pp.policy_id',
        'pp.paid_on',
        'pp.amount',
        'pp.policy_year',
        'p.number',
        'pr.code as product_code',
        'pr.product_group',
        'pv.consultant_id',
        'pv.issued_on',
        'pv.version_no',
      ])
      .where('pp.paid_on', '>=', period.startsOn)
      .where('pp.paid_on', '<=', period.endsOn)
      .where('pp.recorded_at', '<=', knownAt)
      .where('pp.id', '>', after)
      .orderBy('pp.id')
      .orderBy('pv.valid_from', 'desc')
      .orderBy('pv.version_no', 'desc')
      .offset(0)
      .fetch(PAGE_SIZE)
      .execute();
    if (!rows.length) break;
    let last: PaymentInput | null = null;
    for (const r of rows) {
      const id = Number(r.id);
      // The policy on the payment date: the latest valid_from <= paid_on, then the highest version_no
      // (ordered first); the earlier versions of the same payment are skipped.
      if (last && last.id === id) continue;
      last = {
        id,
        policyId: Number(r.policy_id),
        policyNumber: r.number,
        productCode: r.product_code,
        productGroup: r.product_group,
        policyYear: Number(r.policy_year),
        paidOn: r.paid_on,
        amountKop: kopiykyFromDecimal(r.amount),
        consultantId: r.consultant_id === null ? null : Number(r.consultant_id),
        soldOn: r.issued_on ?? r.paid_on,
      };
      if (r.version_no === null) withoutVersion.push(last);
      payments.push(last);
    }
    // A page may end in the middle of one payment's versions: re-read from that payment.
    const lastId = Number(rows[rows.length - 1].id);
    if (rows.length === PAGE_SIZE) {
      const partial = payments.length && payments[payments.length - 1].id === lastId;
      if (partial) {
        const dropped = payments.pop()!;
        const i = withoutVersion.indexOf(dropped);
        if (i >= 0) withoutVersion.splice(i, 1);
      }
      after = partial ? lastId - 1 : lastId;
      if (partial && rows.every((r) => Number(r.id) === lastId))
        throw new Error(`payment ${lastId} has more than ${PAGE_SIZE} versions`);
    } else break;
    onProgress?.('payments', payments.length);
  }
  onProgress?.('payments', payments.length);
  // Paid before the first version took effect (or after the last ended): the nearest version decides.
  for (let i = 0; i < withoutVersion.length; i += IN_LIST) {
    const chunk = withoutVersion.slice(i, i + IN_LIST);
    const versions = await db
      .selectFrom('policy_version')
      .select(['policy_id', 'consultant_id', 'issued_on', 'valid_from', 'version_no'])
      .where('policy_id', 'in', [...new Set(chunk.map((p) => p.policyId))])
      .where('recorded_at', '<=', knownAt)
      .orderBy('policy_id')
      .orderBy('valid_from')
      .orderBy('version_no')
      .execute();
    for (const p of chunk) {
      const own = versions.filter((v) => Number(v.policy_id) === p.policyId);
      const before = own.filter((v) => v.valid_from <= p.paidOn);
      const v = before.length ? before[before.length - 1] : own[0];
      if (v) {
        p.consultantId = v.consultant_id === null ? null : Number(v.consultant_id);
        p.soldOn = v.issued_on;
      }
    }
  }
  return payments;
}

/** Reads everything the period's calculation needs. */
export async function loadPeriodInputs(
  db: Kysely<CompensationDB>,
  period: PeriodRef,
  options: LoadOptions,
): Promise<PeriodInputs> {
  const { knownAt } = options;
  const missing: MissingInput[] = [];
  const payments = await loadPayments(db, period, knownAt, options.onProgress);
  let networkFrom = options.networkFrom ?? period.startsOn;
  for (const p of payments)
    if (p.soldOn < networkFrom && options.networkFrom === undefined) networkFrom = p.soldOn;

  const consultants = (await db.selectFrom('consultant').select(['id', 'code']).orderBy('id').execute()).map(
    (c) => ({
      id: Number(c.id),
      code: c.code,
    }),
  );
  options.onProgress?.('consultants', consultants.length);

  const network = await networkSnapshot(db, { from: networkFrom, to: period.endsOn, knownAt });
  options.onProgress?.('network', consultants.length);

  // Lapses: the first version in the period that terminates or cancels the policy.
  const lapseRows = await db
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
  for (const r of lapseRows) {
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

  // What the lapsed policies earned in posted runs of earlier periods.
  const earnings: EarningInput[] = [];
  const lapsedIds = lapses.map((l) => l.policyId);
  for (let i = 0; i < lapsedIds.length; i += IN_LIST) {
    const rows = await db
      .selectFrom('accrual as a')
      .innerJoin('calculation_run as r', 'r.id', 'a.run_id')
      .select(['a.policy_id', 'a.consultant_id', 'a.amount'])
      .where('r.status', '=', 'posted')
      // The earlier periods' own commission lines, and the corrections of earlier periods posted
      // since (storno/additional lines of commission rules), so a chargeback takes back what the
      // policy earned as corrected.
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
      .where('a.policy_id', 'in', lapsedIds.slice(i, i + IN_LIST))
      .execute();
    for (const r of rows) {
      earnings.push({
        policyId: Number(r.policy_id),
        consultantId: Number(r.consultant_id),
        amountKop: kopiykyFromDecimal(r.amount),
      });
    }
  }
  return { period, consultants, network, payments, lapses, earnings, missing };
}
