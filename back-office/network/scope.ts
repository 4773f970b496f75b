/**
 * Whose records a read may show. `null` is everyone (back office, administrator); otherwise the
 * caller's scope as of today: a manager's units (their unit and its sub-units) and the consultants in
 * them, or a consultant with their downline. The shape is what src/auth/scope.ts `visibleConsultants`
 * answers, so an API route hands its caller's scope straight to the service.
 *
 * Lists filter in SQL (`visibleConsultantIds`), so that a page and its total count only what the
 * caller may see; one record asked for by code or id is checked against `ids` and, outside the
 * scope, refused exactly as a record that does not exist.
 */
import { type Expression, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import { asOf, type Database, type DB, type IsoDate } from '../../src/db';

export interface ConsultantScope {
  /** 'units': a manager's units and the consultants in them; 'consultant': one consultant and their downline. */
  kind: 'units' | 'consultant';
  /** A manager's units (their unit and every unit below it, today); empty for a consultant. */
  unitIds: ReadonlySet<number>;
  /** The consultants the scope sees today. */
  ids: ReadonlySet<number>;
  /** A consultant's own id: the only one whose money they see. */
  ownId: number | null;
  /** The moment the network was read (as known at) to compute the scope, when known. */
  knownAt?: Date;
}

const today = (): IsoDate => new Date().toISOString().slice(0, 10);

/** Whether the scope (null: everyone) sees a consultant's records. */
export function scopeSeesConsultant(
  scope: ConsultantScope | null | undefined,
  consultantId: number,
): boolean {
  return !scope || scope.ids.has(consultantId);
}

/** Whether the scope sees a consultant's money (accruals, acts): a consultant only their own. */
export function scopeSeesMoneyOf(scope: ConsultantScope | null | undefined, consultantId: number): boolean {
  if (!scope) return true;
  if (scope.kind === 'consultant') return scope.ownId === consultantId;
  return scope.ids.has(consultantId);
}

/** Up to this many ids a PostgreSQL scope is sent as an array rather than recomputed. */
const ARRAY_SCOPE_LIMIT = 50_000;

/** A set of ids as a PostgreSQL array literal, made once per set (a cached scope is reused). */
const literals = new WeakMap<ReadonlySet<number>, string>();
function arrayLiteral(ids: ReadonlySet<number>): string {
  let literal = literals.get(ids);
  if (literal === undefined) literals.set(ids, (literal = `{${[...ids].join(',')}}`));
  return literal;
}

type IdsQuery = SelectQueryBuilder<any, any, { consultant_id: number | string }>;

/**
 * The ids of the consultants the scope sees today, as a subquery for `where(column, 'in', …)`: the
 * consultants in the manager's units, or the consultant and everyone below them in the sponsor tree.
 * It is the same rule as src/auth/scope.ts, computed by the database so that a list of 100,000
 * consultants needs no list of 100,000 parameters.
 */
export function visibleConsultantIds(database: Database, scope: ConsultantScope): Expression<unknown> {
  const db = database.db as Kysely<DB>;
  const date = today();
  const knownAt = new Date();
  if (scope.kind === 'units') {
    const units = [...scope.unitIds];
    const query = db.selectFrom('consultant_unit as scope_cu').select('scope_cu.consultant_id');
    if (!units.length) return query.where(sql<boolean>`1 = 0`) as IdsQuery;
    // In pieces: Oracle takes at most 1000 values in one IN list.
    const pieces: number[][] = [];
    for (let i = 0; i < units.length; i += 500) pieces.push(units.slice(i, i + 500));
    return asOf(
      query.where((eb) => eb.or(pieces.map((piece) => eb('scope_cu.unit_id', 'in', piece)))),
      'scope_cu',
      date,
      knownAt,
    ) as IdsQuery;
  }
  if (scope.ownId === null)
    return db
      .selectFrom('consultant as scope_c')
      .select('scope_c.id as consultant_id')
      .where(sql<boolean>`1 = 0`) as IdsQuery;
  const ownId = scope.ownId;
  // The scope's ids are already known (src/auth/scope.ts computes them once and keeps them while the
  // network is unchanged): PostgreSQL takes them as one array parameter instead of walking the
  // sponsor tree again in every statement. Oracle, and very large downlines, walk the tree.
  if (database.dialect.engine !== 'oracle' && scope.ids.size <= ARRAY_SCOPE_LIMIT)
    return db
      .selectNoFrom(sql<number>`unnest(cast(${arrayLiteral(scope.ids)} as bigint[]))`.as('consultant_id'))
      .$castTo<{ consultant_id: number }>() as unknown as IdsQuery;
  return database.dialect
    .withRecursive(db)('scope_down(consultant_id, generation)', (qb) =>
      qb
        .selectFrom('consultant as scope_c')
        .select(['scope_c.id as consultant_id', sql<number>`0`.as('generation')])
        .where('scope_c.id', '=', ownId)
        .unionAll((union) =>
          asOf(
            union
              .selectFrom('consultant_sponsor as scope_s')
              .innerJoin('scope_down as scope_d', 'scope_d.consultant_id', 'scope_s.sponsor_id')
              .select([
                'scope_s.consultant_id',
                sql<number>`${sql.ref('scope_d.generation')} + 1`.as('generation'),
              ])
              .where('scope_d.generation', '<', 1000),
            'scope_s',
            date,
            knownAt,
          ),
        ),
    )
    .selectFrom('scope_down')
    .select('scope_down.consultant_id') as unknown as IdsQuery;
}
