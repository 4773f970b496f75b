/**
 * Applications and their state: entered `pending` (by a clerk, or loaded by the demo), `sent` when a
 * register takes them, back to `pending` when the insurer refuses the register, `accepted`,
 * `rejected` or `issued` by the insurer's answer, `issued` with the policy it became when the
 * contract arrives, `withdrawn` by the back office while still pending. Every change of an
 * application's state is one of the functions here.
 */
import { type Insertable, sql } from 'kysely';
import { type ApplicationStatus, type ApplicationTable, markReportPeriods } from '../db';
import { chunks, ID_BATCH, type Writer } from './writer';

export type NewApplicationRow = Omit<Insertable<ApplicationTable>, 'id'>;

/** Application numbers entered by hand: W-<year>-<6 digits>, apart from the insurers' and the demo's. */
export async function nextApplicationNumber({ trx }: Writer, year: string): Promise<string> {
  const prefix = `W-${year}-`;
  const last = await trx
    .selectFrom('application')
    .select((eb) => eb.fn.max('number').as('n'))
    .where('number', 'like', `${prefix}%`)
    .executeTakeFirst();
  const n = last?.n ? Number(String(last.n).slice(prefix.length)) + 1 : 1;
  return `${prefix}${String(n).padStart(6, '0')}`;
}

/** Adds one application and answers its id; a number taken meanwhile fails on the unique key. */
export async function insertApplication({ trx, dialect }: Writer, row: NewApplicationRow): Promise<number> {
  await markReportPeriods({ trx, dialect }, { dates: [row.signed_on] });
  return dialect.insertReturningId(trx, 'application', row, { number: row.number });
}

/**
 * Withdraws the application if it is still pending; false when it is not (a register took it
 * meanwhile), and then nothing changed.
 */
export async function withdrawPendingApplication(
  { trx }: Writer,
  id: number,
  reason: string,
  at: Date,
): Promise<boolean> {
  const result = await trx
    .updateTable('application')
    .set({ status: 'withdrawn', status_reason: reason, updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Locks the applications until the transaction ends (a withdrawal in flight is waited for) and
 * answers the status of each, a thousand ids a statement.
 */
export async function lockApplications(
  { trx }: Writer,
  ids: readonly number[],
): Promise<Map<number, ApplicationStatus>> {
  const statuses = new Map<number, ApplicationStatus>();
  for (const part of chunks(ids, ID_BATCH)) {
    const rows = await trx
      .selectFrom('application')
      .select(['id', 'status'])
      .where('id', 'in', part)
      .forUpdate()
      .execute();
    for (const r of rows) statuses.set(Number(r.id), r.status);
  }
  return statuses;
}

/** Marks sent those of the applications still pending (a register took them); answers how many. */
export async function markApplicationsSent(
  { trx }: Writer,
  ids: readonly number[],
  at: Date,
): Promise<number> {
  let taken = 0;
  for (const part of chunks(ids, ID_BATCH)) {
    const result = await trx
      .updateTable('application')
      .set({ status: 'sent', updated_at: at })
      .where('id', 'in', part)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    taken += Number(result.numUpdatedRows);
  }
  return taken;
}

/** The insurer refused the register: its applications are pending again, with the reason. */
export async function returnApplicationsToPending(
  { trx }: Writer,
  ids: readonly number[],
  reason: string,
  at: Date,
): Promise<void> {
  for (const part of chunks(ids, ID_BATCH)) {
    await trx
      .updateTable('application')
      .set({ status: 'pending', status_reason: reason.slice(0, 1000), updated_at: at })
      .where('id', 'in', part)
      .execute();
  }
}

export interface ApplicationOutcome {
  status: ApplicationStatus;
  /** The insurer's reason; undefined leaves the one recorded. */
  statusReason?: string | null;
  /** The policy the application became; undefined leaves it as it is. */
  policyId?: number;
}

/** What the insurer answered for an application, or the policy it became. */
export async function recordApplicationOutcome(
  { trx }: Writer,
  id: number,
  outcome: ApplicationOutcome,
  at: Date,
): Promise<void> {
  await trx
    .updateTable('application')
    .set({
      status: outcome.status,
      ...(outcome.statusReason !== undefined ? { status_reason: outcome.statusReason } : {}),
      ...(outcome.policyId !== undefined ? { policy_id: outcome.policyId } : {}),
      updated_at: at,
    })
    .where('id', '=', id)
    .execute();
}

/** Loads many applications at once (the demo's book); their ids are read back by number. */
export async function loadApplications({ trx, dialect }: Writer, rows: NewApplicationRow[]): Promise<void> {
  await dialect.bulkInsert(trx, 'application', rows);
  await markReportPeriods({ trx, dialect }, { dates: rows.map((r) => r.signed_on) });
}

/**
 * Tells loaded applications the policies they became, 500 a statement: a CASE over the ids; the ids
 * are our own integers, so they go in as literals and keep their type.
 */
export async function linkApplicationsToPolicies(
  { trx }: Writer,
  links: readonly (readonly [applicationId: number, policyId: number])[],
): Promise<void> {
  for (const batch of chunks(links, 500)) {
    const policyOf = sql<number>`case ${sql.join(
      batch.map(
        ([application, policy]) =>
          sql`when ${sql.ref('id')} = ${sql.lit(application)} then ${sql.lit(policy)}`,
      ),
      sql` `,
    )} end`;
    await trx
      .updateTable('application')
      .set({ policy_id: policyOf })
      .where(
        'id',
        'in',
        batch.map(([application]) => application),
      )
      .execute();
  }
}
