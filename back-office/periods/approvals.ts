/**
 * Changes inside closed periods, approved by a second person (mission §9). A manual career change, a
 * sponsor change, a unit change or a transfer whose date falls in a closed period is not applied when
 * it is entered: it is kept as a change request (pending), with its author (the signed-in user who
 * entered it), its reason, and nothing applied. Another signed-in user of the back office or an
 * administrator, never its author, approves it: then it is applied exactly as a change outside
 * closed periods is (its career, sponsor or unit rows, the recalculation requests of the periods it
 * reaches), with the author as `recordedBy` and the approver as `approvedBy`; or rejects it with a
 * reason. A change outside closed periods is applied at once.
 *
 * A request is decided once: approving or rejecting moves its status from pending by a conditional
 * update in the transaction that applies it, so two approvers at once apply it once (the second is
 * told who decided it). Proposals, approvals and rejections are in the audit log (entity
 * `change_request`). Owns the table of migrations/0680_change_requests.ts.
 */
import type { Generated, Kysely } from 'kysely';
import { recordAudit } from '../../src/audit';
import { type Database, type DB, inTransaction, type IsoDate } from '../../src/db';
import { closedPeriodOf } from '../../src/recalculation-requests';
import { type Transfer, transferConsultant } from '../network';
import {
  type ManualCareerChange,
  recordManualCareerChange,
  recordSponsorChange,
  recordUnitChange,
  type SponsorChange,
  type UnitChange,
} from './changes';

export interface ChangeRequestTable {
  id: Generated<number>;
  kind: ChangeKind;
  consultant_code: string;
  effective_on: IsoDate;
  closed_period: string;
  change: unknown;
  reason: string;
  status: ChangeRequestStatus;
  proposed_by: string;
  proposed_at: Date;
  decided_by: string | null;
  decided_at: Date | null;
  decision_reason: string | null;
  result: unknown;
}

/** The core's tables and the change requests. */
export interface ApprovalsDB extends DB {
  change_request: ChangeRequestTable;
}

export const CHANGE_KINDS = ['career_change', 'sponsor_change', 'unit_change', 'transfer'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export const CHANGE_REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type ChangeRequestStatus = (typeof CHANGE_REQUEST_STATUSES)[number];

/** The roles whose users may approve or reject another person's change request. */
export const APPROVER_ROLES: readonly string[] = ['back_office', 'administrator'];

type Authors = 'recordedBy' | 'approvedBy' | 'recordedAt';

/** A change as its author enters it: who entered it and who approved it come from the sessions. */
export type ProposedChange =
  | { kind: 'career_change'; change: Omit<ManualCareerChange, Authors> }
  | { kind: 'sponsor_change'; change: Omit<SponsorChange, Authors> }
  | { kind: 'unit_change'; change: Omit<UnitChange, Authors> }
  | { kind: 'transfer'; change: Omit<Transfer, Authors> };

export interface ChangeRequest {
  id: number;
  kind: ChangeKind;
  consultantCode: string;
  effectiveOn: IsoDate;
  /** The closed period the change reaches into. */
  closedPeriod: string;
  /** The change as proposed. */
  change: Record<string, unknown>;
  reason: string;
  status: ChangeRequestStatus;
  proposedBy: string;
  proposedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Why it was rejected. */
  decisionReason: string | null;
  /** What applying it did (the periods asked to be recalculated …); null until approved. */
  result: Record<string, unknown> | null;
}

/** What entering a change did: applied at once, or kept for a second person's approval. */
export type Submitted =
  { status: 'applied'; result: Record<string, unknown> } | { status: 'pending'; request: ChangeRequest };

/** A refusal of the approval flow, answered with its status code (403, 404, 409, 422). */
export class ChangeRequestError extends Error {
  constructor(
    readonly statusCode: 403 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'ChangeRequestError';
  }
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const adb = (database: Database) => database.db as unknown as Kysely<ApprovalsDB>;

function effectiveOn(p: ProposedChange): string {
  return p.kind === 'transfer' ? p.change.effectiveOn : p.change.validFrom;
}
function consultantOf(p: ProposedChange): string {
  return p.kind === 'transfer' ? p.change.code : p.change.consultantCode;
}

/** Applies the change as the services outside closed periods do, with its authors. */
async function apply(
  database: Database,
  p: ProposedChange,
  authors: { recordedBy: string; approvedBy: string | null; at: Date },
): Promise<Record<string, unknown>> {
  const by = { recordedBy: authors.recordedBy, approvedBy: authors.approvedBy, recordedAt: authors.at };
  switch (p.kind) {
    case 'career_change':
      return { ...(await recordManualCareerChange(database, { ...p.change, ...by })) };
    case 'sponsor_change':
      return { ...(await recordSponsorChange(database, { ...p.change, ...by })) };
    case 'unit_change':
      return { ...(await recordUnitChange(database, { ...p.change, ...by })) };
    case 'transfer':
      return { ...(await transferConsultant(database, { ...p.change, ...by })) };
  }
}

class DryRun extends Error {}

/** Runs `work` in a transaction that is rolled back: the change is checked, nothing kept. */
async function checkedOnly(database: Database, work: (tx: Database) => Promise<unknown>): Promise<void> {
  if (database.db.isTransaction) throw new Error('a proposal is checked in a transaction of its own');
  try {
    await database.db.transaction().execute(async (trx) => {
      await work({ ...database, db: trx });
      throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
}

/** Stands in for the approver while a proposal is checked (rolled back, never kept). */
const CHECKING = 'approval:pending';

type Row = Omit<ChangeRequestTable, 'id'> & { id: number };

function toRequest(database: Database, r: Row): ChangeRequest {
  return {
    id: Number(r.id),
    kind: r.kind,
    consultantCode: r.consultant_code,
    effectiveOn: r.effective_on,
    closedPeriod: r.closed_period,
    change: database.dialect.readJson<Record<string, unknown>>(r.change) ?? {},
    reason: r.reason,
    status: r.status,
    proposedBy: r.proposed_by,
    proposedAt: new Date(r.proposed_at),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
    decisionReason: r.decision_reason,
    result: database.dialect.readJson<Record<string, unknown>>(r.result),
  };
}

async function loadRow(database: Database, id: number): Promise<Row | undefined> {
  return (await adb(database)
    .selectFrom('change_request')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst()) as Row | undefined;
}

/**
 * Enters a change: outside closed periods it is applied at once (answer `applied` with what the
 * service answered); inside a closed period it is checked (a change the service would refuse is
 * refused now, with the service's reason), kept as a pending change request and nothing is applied.
 * `proposer` is the signed-in user who entered it; `beforeProposing` runs before a request is kept
 * (the command line signs its author in there and answers the login signed in, which is kept).
 */
export async function submitChange(
  database: Database,
  proposal: ProposedChange,
  proposer: string,
  options: { at?: Date; beforeProposing?: () => Promise<string | void> } = {},
): Promise<Submitted> {
  const at = options.at ?? new Date();
  if (!proposer?.trim()) throw new ChangeRequestError(422, 'a change needs its author (the signed-in user)');
  const day = effectiveOn(proposal);
  const closed = DATE.test(day ?? '') ? await closedPeriodOf(database.db, day) : null;
  if (!closed)
    return {
      status: 'applied',
      result: await apply(database, proposal, { recordedBy: proposer, approvedBy: null, at }),
    };
  if (!proposal.change.reason?.trim())
    throw new ChangeRequestError(422, 'reason: a change inside a closed period needs a reason');
  await checkedOnly(database, (tx) =>
    apply(tx, proposal, { recordedBy: proposer, approvedBy: CHECKING, at }),
  );
  // The command line signs the author in here; the login it answers is the author.
  const author = (await options.beforeProposing?.()) || proposer;
  const request = await inTransaction(database, async (tx) => {
    const values = {
      kind: proposal.kind,
      consultant_code: consultantOf(proposal),
      effective_on: day,
      closed_period: closed,
      change: tx.dialect.json(proposal.change),
      reason: proposal.change.reason,
      status: 'pending' as const,
      proposed_by: author,
      proposed_at: at,
    };
    const id = await tx.dialect.insertReturningId(tx.db, 'change_request', values, {
      proposed_by: author,
      proposed_at: at,
      consultant_code: values.consultant_code,
    });
    await recordAudit(tx.db, tx, {
      actor: author,
      action: 'change_request.proposed',
      entityKind: 'change_request',
      entityId: String(id),
      before: null,
      after: { kind: proposal.kind, closedPeriod: closed, change: proposal.change, status: 'pending' },
      reason: proposal.change.reason,
      at,
    });
    return toRequest(tx, (await loadRow(tx, id))!);
  });
  return { status: 'pending', request };
}

export interface ChangeRequestQuery {
  /** pending (the default), approved, rejected, or all. */
  status?: ChangeRequestStatus | 'all';
  kind?: ChangeKind;
  consultantCode?: string;
  proposedBy?: string;
  /** 1-based; default 1. */
  page?: number;
  /** Default 50, at most 500. */
  pageSize?: number;
}

/** A page of change requests, oldest first (those waiting longest on top), with the total. */
export async function listChangeRequests(
  database: Database,
  query: ChangeRequestQuery = {},
): Promise<{ items: ChangeRequest[]; page: number; pageSize: number; total: number }> {
  const page = Math.max(1, Math.floor(query.page ?? 1));
  const pageSize = Math.min(500, Math.max(1, Math.floor(query.pageSize ?? 50)));
  const status = query.status ?? 'pending';
  let rows = adb(database).selectFrom('change_request');
  if (status !== 'all') rows = rows.where('status', '=', status);
  if (query.kind) rows = rows.where('kind', '=', query.kind);
  if (query.consultantCode) rows = rows.where('consultant_code', '=', query.consultantCode);
  if (query.proposedBy) rows = rows.where('proposed_by', '=', query.proposedBy);
  const items = (await rows
    .selectAll()
    .orderBy('proposed_at')
    .orderBy('id')
    .offset((page - 1) * pageSize)
    .fetch(pageSize)
    .execute()) as Row[];
  const counted = await rows.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
  return {
    items: items.map((r) => toRequest(database, r)),
    page,
    pageSize,
    total: Number(counted.total),
  };
}

/** One change request, or a 404 refusal. */
export async function showChangeRequest(database: Database, id: number): Promise<ChangeRequest> {
  const row = await loadRow(database, id);
  if (!row) throw new ChangeRequestError(404, `change request ${id} does not exist`);
  return toRequest(database, row);
}

/** Who decides: the signed-in user, with their role. */
export interface Decider {
  login: string;
  role: string;
}

function mayDecide(row: Row, decider: Decider, verb: 'approve' | 'reject'): void {
  if (!APPROVER_ROLES.includes(decider.role))
    throw new ChangeRequestError(
      403,
      `${decider.login} (${decider.role}) may not ${verb} changes: back office or an administrator does`,
    );
  if (row.status !== 'pending')
    throw new ChangeRequestError(
      409,
      `change request ${row.id} is already ${row.status} by ${row.decided_by} at ${new Date(row.decided_at!).toISOString()}`,
    );
  if (row.proposed_by === decider.login)
    throw new ChangeRequestError(
      403,
      `${decider.login} proposed change request ${row.id}: another person must ${verb} it`,
    );
}

/** Moves a pending request to `status` (once: 0 rows when another decided it first). */
async function claim(
  tx: Database,
  row: Row,
  decider: Decider,
  status: 'approved' | 'rejected',
  at: Date,
  reason: string | null,
): Promise<void> {
  const done = await adb(tx)
    .updateTable('change_request')
    .set({ status, decided_by: decider.login, decided_at: at, decision_reason: reason })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(done.numUpdatedRows) === 1) return;
  const now = (await loadRow(tx, row.id))!;
  throw new ChangeRequestError(
    409,
    `change request ${row.id} is already ${now.status} by ${now.decided_by} at ${new Date(now.decided_at!).toISOString()}`,
  );
}

/**
 * Approves a pending change request and applies it, in one transaction: its author as `recordedBy`,
 * the approver as `approvedBy`, the recalculation requests of the periods it reaches. Refused (403)
 * for its own author or a role that may not approve, (404) when it does not exist, (409) when it is
 * decided already (also when another approver was first), and with the service's reason when the
 * change can no longer be applied (it stays pending: reject it).
 */
export async function approveChangeRequest(
  database: Database,
  id: number,
  approver: Decider,
  at: Date = new Date(),
): Promise<ChangeRequest> {
  return inTransaction(database, async (tx) => {
    const row = await loadRow(tx, id);
    if (!row) throw new ChangeRequestError(404, `change request ${id} does not exist`);
    mayDecide(row, approver, 'approve');
    await claim(tx, row, approver, 'approved', at, null);
    const proposal = {
      kind: row.kind,
      change: tx.dialect.readJson<Record<string, unknown>>(row.change),
    } as ProposedChange;
    const result = await apply(tx, proposal, {
      recordedBy: row.proposed_by,
      approvedBy: approver.login,
      at,
    });
    await adb(tx)
      .updateTable('change_request')
      .set({ result: tx.dialect.json(result) })
      .where('id', '=', id)
      .execute();
    await recordAudit(tx.db, tx, {
      actor: approver.login,
      action: 'change_request.approved',
      entityKind: 'change_request',
      entityId: String(id),
      before: { status: 'pending', proposedBy: row.proposed_by },
      after: { status: 'approved', kind: row.kind, change: proposal.change, result },
      reason: row.reason,
      at,
    });
    return toRequest(tx, (await loadRow(tx, id))!);
  });
}

/** Rejects a pending change request with a reason; nothing is applied. Refused as approving is. */
export async function rejectChangeRequest(
  database: Database,
  id: number,
  decider: Decider,
  reason: string,
  at: Date = new Date(),
): Promise<ChangeRequest> {
  if (!reason?.trim()) throw new ChangeRequestError(422, 'reason: a rejection needs a reason');
  return inTransaction(database, async (tx) => {
    const row = await loadRow(tx, id);
    if (!row) throw new ChangeRequestError(404, `change request ${id} does not exist`);
    mayDecide(row, decider, 'reject');
    await claim(tx, row, decider, 'rejected', at, reason);
    await recordAudit(tx.db, tx, {
      actor: decider.login,
      action: 'change_request.rejected',
      entityKind: 'change_request',
      entityId: String(id),
      before: { status: 'pending', proposedBy: row.proposed_by },
      after: { status: 'rejected', kind: row.kind },
      reason,
      at,
    });
    return toRequest(tx, (await loadRow(tx, id))!);
  });
}
