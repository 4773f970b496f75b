/**
 * Units as a tree with managers, kept bitemporally in unit_structure: opening, renaming, moving under
 * another parent and closing are effective-dated; "the tree on D as known at K" reads them back with
 * the consultants each unit (and its sub-units) holds. A unit is open on the days it has a structure
 * row; closing it ends those rows from the closing day.
 */
import type { Kysely } from 'kysely';
import {
  asOf,
  type Database,
  type DB,
  inTransaction,
  type IsoDate,
  recordBitemporal,
  STILL_KNOWN,
} from '../../src/db';
import { recordAudit } from './audit';
import {
  isUniqueViolation,
  LATEST_KNOWLEDGE,
  lockTreeForWriting,
  NetworkInputError,
  requireDate,
} from './errors';
import { type ConsultantScope, visibleConsultantIds } from './scope';

export interface UnitNode {
  unitId: number;
  code: string;
  /** The name on the date asked about. */
  name: string;
  parentCode: string | null;
  managerCode: string | null;
  managerName: string | null;
  /** 0 for a top unit. */
  depth: number;
  /** Consultants in this unit itself on the date. */
  consultants: number;
  /** Consultants in this unit and every unit below it. */
  consultantsTotal: number;
  /** Units directly below. */
  subUnits: number;
  /** The first day of the structure row in force. */
  since: IsoDate;
}

interface StructureRow {
  id: number;
  unit_id: number;
  parent_unit_id: number | null;
  manager_consultant_id: number | null;
  name: string | null;
  valid_from: IsoDate;
  valid_to: IsoDate;
}

export interface UnitWrite {
  recordedBy: string;
  reason?: string | null;
  recordedAt?: Date;
}

const now = () => new Date();

async function unitByCode(db: Kysely<DB>, code: string, field = 'code') {
  const row = await db.selectFrom('unit').selectAll().where('code', '=', code).executeTakeFirst();
  if (!row) throw new NetworkInputError('not_found', field, `unit '${code}' is not known`);
  return { ...row, id: Number(row.id) };
}

/** The unit's structure on `date` as known at `knownAt`, or null when the unit is not open then. */
export async function unitStructureAsOf(
  db: Kysely<DB>,
  unitId: number,
  date: IsoDate,
  knownAt: Date = now(),
): Promise<StructureRow | null> {
  const row = await asOf(
    db.selectFrom('unit_structure as us').selectAll().where('us.unit_id', '=', unitId),
    'us',
    date,
    knownAt,
  ).executeTakeFirst();
  return row
    ? {
        id: Number(row.id),
        unit_id: Number(row.unit_id),
        parent_unit_id: row.parent_unit_id === null ? null : Number(row.parent_unit_id),
        manager_consultant_id: row.manager_consultant_id === null ? null : Number(row.manager_consultant_id),
        name: row.name,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
      }
    : null;
}

/** The unit by code, refused (naming `field`) unless it is open on `date`. */
export async function openUnitOn(db: Kysely<DB>, code: string, date: IsoDate, field: string) {
  const unit = await unitByCode(db, code, field);
  const structure = await unitStructureAsOf(db, unit.id, date);
  if (!structure) throw new NetworkInputError('invalid', field, `unit '${code}' is not open on ${date}`);
  return { ...unit, structure };
}

async function consultantIdByCode(db: Kysely<DB>, code: string, field: string): Promise<number> {
  const row = await db.selectFrom('consultant').select('id').where('code', '=', code).executeTakeFirst();
  if (!row) throw new NetworkInputError('not_found', field, `consultant '${code}' is not known`);
  return Number(row.id);
}

export interface OpenUnit extends UnitWrite {
  code: string;
  name: string;
  city?: string | null;
  parentCode?: string | null;
  managerCode?: string | null;
  openedOn: IsoDate;
}

/** Opens a unit on `openedOn`, under a parent open that day (or at the top), with a manager. */
export async function openUnit(database: Database, input: OpenUnit): Promise<UnitNode> {
  requireDate('openedOn', input.openedOn);
  const at = input.recordedAt ?? now();
  await inTransaction(database, async ({ db }) => {
    if (await db.selectFrom('unit').select('id').where('code', '=', input.code).executeTakeFirst())
      throw new NetworkInputError('conflict', 'code', `unit '${input.code}' already exists`);
    const parent = input.parentCode
      ? await openUnitOn(db, input.parentCode, input.openedOn, 'parentCode')
      : null;
    const managerId = input.managerCode
      ? await consultantIdByCode(db, input.managerCode, 'managerCode')
      : null;
    let unitId: number;
    try {
      unitId = await database.dialect.insertReturningId(
        db,
        'unit',
        { code: input.code, name: input.name, city: input.city ?? null, created_at: at },
        { code: input.code },
      );
    } catch (error) {
      if (isUniqueViolation(error))
        throw new NetworkInputError('conflict', 'code', `unit '${input.code}' already exists`);
      throw error;
    }
    await recordBitemporal(
      db,
      'unit_structure',
      'unit_id',
      unitId,
      { parent_unit_id: parent?.id ?? null, manager_consultant_id: managerId, name: null },
      { validFrom: input.openedOn, recordedAt: at, recordedBy: input.recordedBy, reason: input.reason },
    );
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'unit.opened',
      entityKind: 'unit',
      entityId: String(unitId),
      before: null,
      after: {
        code: input.code,
        name: input.name,
        parentCode: input.parentCode ?? null,
        managerCode: input.managerCode ?? null,
        openedOn: input.openedOn,
      },
      reason: input.reason ?? null,
      at,
    });
  });
  return showUnitNode(database, input.code, input.openedOn);
}

/** Every structure row of current knowledge that still holds on or after `from`, earliest first. */
async function rowsFrom(db: Kysely<DB>, unitId: number, from: IsoDate) {
  return db
    .selectFrom('unit_structure')
    .selectAll()
    .where('unit_id', '=', unitId)
    .where('superseded_at', '=', STILL_KNOWN)
    .where('valid_to', '>', from)
    .orderBy('valid_from')
    .execute();
}

/**
 * Changes some attributes of the unit from `from` on, keeping the rest of each later row (a later
 * move or the closing stay as they were).
 */
async function reviseFrom(
  db: Kysely<DB>,
  unitId: number,
  from: IsoDate,
  patch: Partial<Pick<StructureRow, 'parent_unit_id' | 'manager_consultant_id' | 'name'>>,
  change: { recordedAt: Date; recordedBy: string; reason?: string | null },
) {
  for (const row of await rowsFrom(db, unitId, from)) {
    const validFrom = row.valid_from > from ? row.valid_from : from;
    await recordBitemporal(
      db,
      'unit_structure',
      'unit_id',
      unitId,
      {
        parent_unit_id: row.parent_unit_id,
        manager_consultant_id: row.manager_consultant_id,
        name: row.name,
        ...patch,
      },
      { ...change, validFrom, validTo: row.valid_to },
    );
  }
}

export interface RenameUnit extends UnitWrite {
  code: string;
  name: string;
  from: IsoDate;
}

/** The unit is called `name` from `from` on. */
export async function renameUnit(database: Database, input: RenameUnit): Promise<UnitNode> {
  requireDate('from', input.from);
  const at = input.recordedAt ?? now();
  await inTransaction(database, async ({ db }) => {
    const unit = await openUnitOn(db, input.code, input.from, 'code');
    await reviseFrom(db, unit.id, input.from, { name: input.name }, { ...input, recordedAt: at });
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'unit.renamed',
      entityKind: 'unit',
      entityId: String(unit.id),
      before: { name: unit.structure.name ?? unit.name },
      after: { name: input.name, from: input.from },
      reason: input.reason ?? null,
      at,
    });
  });
  return showUnitNode(database, input.code, input.from);
}

export interface MoveUnit extends UnitWrite {
  code: string;
  /** The new parent; null puts the unit at the top. */
  parentCode: string | null;
  /** A new manager from the same day; left out: unchanged. */
  managerCode?: string | null;
  from: IsoDate;
}

/** Units below `unitId` on `date` (its sub-units, theirs, …). */
async function unitsBelow(db: Kysely<DB>, unitId: number, date: IsoDate): Promise<Set<number>> {
  const rows = await asOf(
    db.selectFrom('unit_structure as us').select(['us.unit_id', 'us.parent_unit_id']),
    'us',
    date,
    LATEST_KNOWLEDGE,
  ).execute();
  const children = new Map<number, number[]>();
  for (const r of rows)
    if (r.parent_unit_id !== null) {
      const p = Number(r.parent_unit_id);
      children.set(p, [...(children.get(p) ?? []), Number(r.unit_id)]);
    }
  const below = new Set<number>();
  const stack = [unitId];
  while (stack.length)
    for (const c of children.get(stack.pop()!) ?? [])
      if (!below.has(c)) {
        below.add(c);
        stack.push(c);
      }
  return below;
}

/** Moves the unit under another parent (and optionally another manager) from `from`; refuses loops and closed parents. */
export async function moveUnit(database: Database, input: MoveUnit): Promise<UnitNode> {
  requireDate('from', input.from);
  await inTransaction(database, async ({ db }) => {
    await lockTreeForWriting(db, 'unit_structure');
    const at = input.recordedAt ?? now();
    const unit = await openUnitOn(db, input.code, input.from, 'code');
    const parent = input.parentCode ? await openUnitOn(db, input.parentCode, input.from, 'parentCode') : null;
    if (parent && (parent.id === unit.id || (await unitsBelow(db, unit.id, input.from)).has(parent.id)))
      throw new NetworkInputError(
        'invalid',
        'parentCode',
        `${input.parentCode} is ${input.code} itself or below it on ${input.from}: the unit tree would loop`,
      );
    const patch: Parameters<typeof reviseFrom>[3] = { parent_unit_id: parent?.id ?? null };
    if (input.managerCode !== undefined)
      patch.manager_consultant_id = input.managerCode
        ? await consultantIdByCode(db, input.managerCode, 'managerCode')
        : null;
    await reviseFrom(db, unit.id, input.from, patch, { ...input, recordedAt: at });
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'unit.moved',
      entityKind: 'unit',
      entityId: String(unit.id),
      before: {
        parentUnitId: unit.structure.parent_unit_id,
        managerId: unit.structure.manager_consultant_id,
      },
      after: { parentCode: input.parentCode, managerCode: input.managerCode, from: input.from },
      reason: input.reason ?? null,
      at,
    });
  });
  return showUnitNode(database, input.code, input.from);
}

export interface CloseUnit extends UnitWrite {
  code: string;
  /** The first day the unit no longer exists. */
  closedOn: IsoDate;
}

/** Closes the unit from `closedOn`; refused while consultants or open sub-units are in it that day or later. */
export async function closeUnit(
  database: Database,
  input: CloseUnit,
): Promise<{ code: string; closedOn: IsoDate }> {
  requireDate('closedOn', input.closedOn);
  const at = input.recordedAt ?? now();
  await inTransaction(database, async ({ db }) => {
    const unit = await openUnitOn(db, input.code, input.closedOn, 'code');
    const members = await db
      .selectFrom('consultant_unit as cu')
      .innerJoin('consultant as c', 'c.id', 'cu.consultant_id')
      .select('c.code')
      .where('cu.unit_id', '=', unit.id)
      .where('cu.superseded_at', '=', STILL_KNOWN)
      .where('cu.valid_to', '>', input.closedOn)
      .orderBy('c.code')
      .execute();
    if (members.length)
      throw new NetworkInputError(
        'invalid',
        'closedOn',
        `consultants are in ${input.code} on or after ${input.closedOn} (${members
          .slice(0, 5)
          .map((m) => m.code)
          .join(', ')}${members.length > 5 ? ', …' : ''}): transfer them first`,
      );
    const subUnits = await db
      .selectFrom('unit_structure as us')
      .innerJoin('unit as u', 'u.id', 'us.unit_id')
      .select('u.code')
      .where('us.parent_unit_id', '=', unit.id)
      .where('us.superseded_at', '=', STILL_KNOWN)
      .where('us.valid_to', '>', input.closedOn)
      .execute();
    if (subUnits.length)
      throw new NetworkInputError(
        'invalid',
        'closedOn',
        `units are under ${input.code} on or after ${input.closedOn} (${subUnits.map((s) => s.code).join(', ')}): move or close them first`,
      );
    // The structure ends on closedOn: what held before stays, as known from now on.
    for (const row of await rowsFrom(db, unit.id, input.closedOn)) {
      await db.updateTable('unit_structure').set({ superseded_at: at }).where('id', '=', row.id).execute();
      if (row.valid_from < input.closedOn) {
        const { id: _id, ...facts } = row;
        await db
          .insertInto('unit_structure')
          .values({ ...facts, valid_to: input.closedOn, recorded_at: at, superseded_at: STILL_KNOWN })
          .execute();
      }
    }
    await recordAudit(db, database, {
      actor: input.recordedBy,
      action: 'unit.closed',
      entityKind: 'unit',
      entityId: String(unit.id),
      before: { validTo: unit.structure.valid_to },
      after: { closedOn: input.closedOn },
      reason: input.reason ?? null,
      at,
    });
  });
  return { code: input.code, closedOn: input.closedOn };
}

/**
 * The unit tree on `date` as known at `knownAt`: parents before children, siblings by code, with
 * counts. Within a scope: a manager's units (their unit at the top, depth 0), a consultant's the
 * units that hold them or their downline today; the counts count only the consultants of the scope.
 */
export async function unitTreeAsOf(
  database: Database,
  date: IsoDate,
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<UnitNode[]> {
  const whole = await wholeUnitTree(database, date, knownAt, scope);
  if (!scope) return whole;
  const units = await unitsOfScope(database, scope);
  const shown = whole.filter((n) => units.has(n.unitId));
  const codes = new Set(shown.map((n) => n.code));
  const depth = new Map<string, number>();
  // Parents come before children: a unit whose parent is not shown is a top of what is shown.
  for (const n of shown)
    depth.set(n.code, n.parentCode !== null && codes.has(n.parentCode) ? depth.get(n.parentCode)! + 1 : 0);
  return shown.map((n) => ({
    ...n,
    depth: depth.get(n.code)!,
    subUnits: shown.filter((c) => c.parentCode === n.code).length,
  }));
}

/** The units a scope sees today: a manager's own, or those holding a consultant of the scope. */
async function unitsOfScope(database: Database, scope: ConsultantScope): Promise<Set<number>> {
  if (scope.kind === 'units') return new Set(scope.unitIds);
  const today = new Date().toISOString().slice(0, 10);
  const rows = await asOf(
    database.db
      .selectFrom('consultant_unit as cu')
      .select('cu.unit_id')
      .where('cu.consultant_id', 'in', visibleConsultantIds(database, scope) as never),
    'cu',
    today,
    new Date(),
  ).execute();
  return new Set(rows.map((r) => Number(r.unit_id)));
}

async function wholeUnitTree(
  database: Database,
  date: IsoDate,
  knownAt: Date,
  scope: ConsultantScope | null,
): Promise<UnitNode[]> {
  const db = database.db;
  const rows = await asOf(
    db
      .selectFrom('unit_structure as us')
      .innerJoin('unit as u', 'u.id', 'us.unit_id')
      .leftJoin('consultant as m', 'm.id', 'us.manager_consultant_id')
      .select([
        'us.unit_id',
        'us.parent_unit_id',
        'us.valid_from',
        'u.code',
        'u.name as unit_name',
        'us.name',
        'm.code as manager_code',
        'm.full_name as manager_name',
      ]),
    'us',
    date,
    knownAt,
  ).execute();
  let counted = db
    .selectFrom('consultant_unit as cu')
    .select(['cu.unit_id', (eb) => eb.fn.countAll().as('n')])
    .groupBy('cu.unit_id');
  if (scope)
    counted = counted.where('cu.consultant_id', 'in', visibleConsultantIds(database, scope) as never);
  const counts = await asOf(counted, 'cu', date, knownAt).execute();
  const own = new Map(counts.map((c) => [Number(c.unit_id), Number(c.n)]));
  const byId = new Map(rows.map((r) => [Number(r.unit_id), r]));
  const children = new Map<number | null, number[]>();
  for (const r of rows) {
    // A parent not open on the date (should not happen) leaves the unit at the top rather than lost.
    const p =
      r.parent_unit_id !== null && byId.has(Number(r.parent_unit_id)) ? Number(r.parent_unit_id) : null;
    children.set(p, [...(children.get(p) ?? []), Number(r.unit_id)]);
  }
  for (const list of children.values()) list.sort((a, b) => (byId.get(a)!.code < byId.get(b)!.code ? -1 : 1));
  const out: UnitNode[] = [];
  const visit = (id: number, depth: number, parentCode: string | null, seen: Set<number>): number => {
    if (seen.has(id)) return 0;
    seen.add(id);
    const r = byId.get(id)!;
    const node: UnitNode = {
      unitId: id,
      code: r.code,
      name: r.name ?? r.unit_name,
      parentCode,
      managerCode: r.manager_code ?? null,
      managerName: r.manager_name ?? null,
      depth,
      consultants: own.get(id) ?? 0,
      consultantsTotal: 0,
      subUnits: (children.get(id) ?? []).length,
      since: r.valid_from,
    };
    out.push(node);
    let total = node.consultants;
    for (const c of children.get(id) ?? []) total += visit(c, depth + 1, r.code, seen);
    node.consultantsTotal = total;
    return total;
  };
  const seen = new Set<number>();
  for (const top of children.get(null) ?? []) visit(top, 0, null, seen);
  return out;
}

/**
 * One unit on `date`, or a 404 naming `code` when it is unknown or not open then; a unit outside the
 * scope is refused as one that is not known.
 */
export async function showUnitNode(
  database: Database,
  code: string,
  date: IsoDate,
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<UnitNode> {
  const unit = await unitByCode(database.db, code);
  if (scope && !(await unitsOfScope(database, scope)).has(unit.id))
    throw new NetworkInputError('not_found', 'code', `unit '${code}' is not known`);
  const node = (await unitTreeAsOf(database, date, knownAt, scope)).find((n) => n.code === code);
  if (!node) throw new NetworkInputError('not_found', 'code', `unit '${code}' is not open on ${date}`);
  return node;
}

/** The consultants in a unit on `date`, by code; within a scope, those of the scope. */
export async function unitMembersAsOf(
  database: Database,
  unitId: number,
  date: IsoDate,
  knownAt: Date = now(),
  scope: ConsultantScope | null = null,
): Promise<{ code: string; fullName: string }[]> {
  let members = database.db
    .selectFrom('consultant_unit as cu')
    .innerJoin('consultant as c', 'c.id', 'cu.consultant_id')
    .select(['c.code', 'c.full_name'])
    .where('cu.unit_id', '=', unitId)
    .orderBy('c.code');
  if (scope) members = members.where('c.id', 'in', visibleConsultantIds(database, scope) as never);
  const rows = await asOf(members, 'cu', date, knownAt).execute();
  return rows.map((r) => ({ code: r.code, fullName: r.full_name }));
}
