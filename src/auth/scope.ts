/**
 * Whose data a caller sees. Administrators, back office and integration engineers: everyone's. A
 * manager: their unit and its sub-units and the consultants in them, from the network as of today,
 * with those consultants' policies, applications, persons and money. A consultant: themselves and
 * their downline (network records, policies and applications, the persons on them, contest
 * standings), and only their own money (accruals and acts).
 *
 * `VisibleConsultants` is also the scope the back-office services take (back-office/network
 * scope.ts `ConsultantScope`): a route hands `request.auth.visible()` to them as it is.
 */
import type { Kysely } from 'kysely';
import { asOf, type Database } from '../db';
import { downlineAsOf } from '../../back-office/network';
import type { Principal } from './credentials';
import { type AuthStore, authDb } from './tables';

export type DataScope =
  | { kind: 'all' }
  | { kind: 'units'; unitId: number | null }
  | { kind: 'consultant'; consultantId: number | null };

export function scopeOf(principal: Pick<Principal, 'role' | 'unitId' | 'consultantId'>): DataScope {
  if (principal.role === 'manager') return { kind: 'units', unitId: principal.unitId };
  if (principal.role === 'consultant') return { kind: 'consultant', consultantId: principal.consultantId };
  return { kind: 'all' };
}

/** The consultants a restricted scope sees, by id and by code. */
export interface VisibleConsultants {
  kind: 'units' | 'consultant';
  /** The units a manager sees (their unit and its sub-units); empty for a consultant. */
  unitIds: ReadonlySet<number>;
  ids: ReadonlySet<number>;
  codes: ReadonlySet<string>;
  /** A consultant's own id and code: the only ones whose money (accruals, acts) they see. */
  ownId: number | null;
  ownCode: string | null;
  /** The moment the network was read (as known at) to compute the scope. */
  knownAt: Date;
}

const today = () => new Date().toISOString().slice(0, 10);

/**
 * A computed scope is reused while the network's generation is the same (migration 0670: a trigger
 * moves it, in the writing transaction, with every change of sponsor, unit membership or unit
 * structure). The generation is read before the scope is computed, so a scope is never older than
 * its generation: a consultant moved out of a downline is out of it on the very next request. A
 * request hands the generation its credential check read with it (Principal.networkGeneration), so
 * a reused scope costs no statement; without one it is read here.
 */
const VISIBLE_CACHE_ENTRIES = 5000;

interface CachedScope {
  generation: string;
  value: Promise<VisibleConsultants>;
}
const scopeCaches = new WeakMap<object, Map<string, CachedScope>>();

/** The network's generation (migration 0670). */
export async function networkGeneration(store: AuthStore): Promise<string> {
  const row = await (store.db as Kysely<any>)
    .selectFrom('network_generation')
    .select('generation')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row ? String(row.generation) : 'none';
}

/**
 * The consultants the scope sees as of `date` (today), or null for 'all'. Computed once and reused
 * for the same scope and date while the network's generation is the same: a consultant moved out
 * of a downline, or out of a manager's unit, is out of it on the next request. `generation` is the
 * one read with the caller's credential (read here when not given).
 */
export async function visibleConsultants(
  store: AuthStore,
  scope: DataScope,
  date: string = today(),
  generation?: string,
): Promise<VisibleConsultants | null> {
  if (scope.kind === 'all') return null;
  const key = `${scope.kind}:${scope.kind === 'units' ? scope.unitId : scope.consultantId}:${date}`;
  let cache = scopeCaches.get(store);
  if (!cache) scopeCaches.set(store, (cache = new Map()));
  const stamp = generation ?? (await networkGeneration(store));
  const cached = cache.get(key);
  if (cached && cached.generation === stamp) return cached.value;
  const value = computeVisibleConsultants(store, scope, date);
  cache.delete(key);
  if (cache.size >= VISIBLE_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  cache.set(key, { generation: stamp, value });
  value.catch(() => {
    if (cache.get(key)?.value === value) cache.delete(key);
  });
  return value;
}

async function computeVisibleConsultants(
  store: AuthStore,
  scope: Exclude<DataScope, { kind: 'all' }>,
  date: string,
): Promise<VisibleConsultants> {
  const db = authDb(store);
  const knownAt = new Date();
  if (scope.kind === 'consultant') {
    if (scope.consultantId === null)
      return {
        kind: 'consultant',
        unitIds: new Set(),
        ids: new Set(),
        codes: new Set(),
        ownId: null,
        ownCode: null,
        knownAt,
      };
    const self = await db
      .selectFrom('consultant')
      .select(['id', 'code'])
      .where('id', '=', scope.consultantId)
      .executeTakeFirst();
    const downline = await downlineAsOf(store as unknown as Database, scope.consultantId, date, knownAt);
    const ids = new Set<number>(downline.map((d) => d.consultantId));
    const codes = new Set<string>(downline.map((d) => d.code));
    if (self) {
      ids.add(Number(self.id));
      codes.add(self.code);
    }
    return {
      kind: 'consultant',
      unitIds: new Set(),
      ids,
      codes,
      ownId: self ? Number(self.id) : null,
      ownCode: self?.code ?? null,
      knownAt,
    };
  }
  const unitIds = new Set<number>();
  if (scope.unitId !== null) {
    // Units are few: the whole structure as of the date, walked down from the manager's unit.
    const structure = await asOf(
      db.selectFrom('unit_structure as s').select(['s.unit_id', 's.parent_unit_id']),
      's',
      date,
      knownAt,
    ).execute();
    const children = new Map<number, number[]>();
    for (const s of structure) {
      if (s.parent_unit_id === null) continue;
      const parent = Number(s.parent_unit_id);
      children.set(parent, [...(children.get(parent) ?? []), Number(s.unit_id)]);
    }
    const queue = [scope.unitId];
    while (queue.length) {
      const unit = queue.shift()!;
      if (unitIds.has(unit)) continue;
      unitIds.add(unit);
      queue.push(...(children.get(unit) ?? []));
    }
  }
  const ids = new Set<number>();
  const codes = new Set<string>();
  const units = [...unitIds];
  // In pieces: Oracle takes at most 1000 values in one IN list.
  for (let i = 0; i < units.length; i += 500) {
    const rows = await asOf(
      db
        .selectFrom('consultant_unit as cu')
        .innerJoin('consultant as c', 'c.id', 'cu.consultant_id')
        .select(['c.id', 'c.code'])
        .where('cu.unit_id', 'in', units.slice(i, i + 500)),
      'cu',
      date,
      knownAt,
    ).execute();
    for (const r of rows) {
      ids.add(Number(r.id));
      codes.add(r.code);
    }
  }
  return { kind: 'units', unitIds, ids, codes, ownId: null, ownCode: null, knownAt };
}

/** Whether the scope sees a consultant's records (network, standings). */
export function seesConsultant(visible: VisibleConsultants | null, consultantId: number): boolean {
  return visible === null || visible.ids.has(consultantId);
}

/** Whether the scope sees a consultant's money by code (acts' register). */
export function seesMoneyOfCode(visible: VisibleConsultants | null, code: string): boolean {
  if (visible === null) return true;
  if (visible.kind === 'consultant') return visible.ownCode === code;
  return visible.codes.has(code);
}

/** Whether the scope sees a consultant's money (accruals, acts): a consultant only their own. */
export function seesMoneyOf(visible: VisibleConsultants | null, consultantId: number): boolean {
  if (visible === null) return true;
  if (visible.kind === 'consultant') return visible.ownId === consultantId;
  return visible.ids.has(consultantId);
}
