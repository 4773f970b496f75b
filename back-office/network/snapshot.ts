/**
 * The network over a range of dates in bulk, for whoever reads it for every consultant at once (the
 * period calculation reads 100 000 consultants): dated segments of sponsor, career level and activity
 * status per consultant, narrowed to one knowledge time, loaded in three queries. Looking up "on date
 * D" is a scan of the consultant's few segments, so a period with network changes in the middle costs
 * nothing extra. The one-consultant reads (upline, downline, tree) are in network-repository.ts; both
 * read the same bitemporal tables with the same rule (valid on D, recorded by K, not superseded by K).
 */
import type { Kysely } from 'kysely';
import type { DB, IsoDate } from '../../src/db';

export interface Segment<T> {
  /** First day the fact holds. */
  from: IsoDate;
  /** First day it no longer holds (exclusive). */
  to: IsoDate;
  value: T;
}

export class Timeline<T> {
  private readonly segments = new Map<number, Segment<T>[]>();

  add(id: number, from: IsoDate, to: IsoDate, value: T): void {
    const list = this.segments.get(id);
    if (list) list.push({ from, to, value });
    else this.segments.set(id, [{ from, to, value }]);
  }

  at(id: number, date: IsoDate): T | undefined {
    const list = this.segments.get(id);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      if (s.from <= date && date < s.to) return s.value;
    }
    return undefined;
  }

  /** Segments sorted, for fingerprints. */
  entries(): [number, Segment<T>[]][] {
    return [...this.segments.entries()]
      .sort(([a], [b]) => a - b)
      .map(([id, list]) => [id, [...list].sort((x, y) => (x.from < y.from ? -1 : x.from > y.from ? 1 : 0))]);
  }
}

export interface ActivityFact {
  status: 'active' | 'inactive' | 'suspended' | 'terminated';
  source: 'derived' | 'manual' | 'initial';
}

export interface NetworkSnapshot {
  /** sponsor id, or null at the top of the network */
  sponsors: Timeline<number | null>;
  careers: Timeline<string>;
  statuses: Timeline<ActivityFact>;
}

export function emptyNetwork(): NetworkSnapshot {
  return { sponsors: new Timeline(), careers: new Timeline(), statuses: new Timeline() };
}

export interface SnapshotRange {
  /** First day the snapshot must answer for. */
  from: IsoDate;
  /** Last day it must answer for (inclusive). */
  to: IsoDate;
  /** The knowledge time: what was recorded by then and not superseded by then. */
  knownAt: Date;
}

/** Sponsors, careers and activity statuses of every consultant over the range, as known at knownAt. */
export async function networkSnapshot<D extends DB>(
  database: Kysely<D>,
  range: SnapshotRange,
): Promise<NetworkSnapshot> {
  const db = database as unknown as Kysely<DB>;
  const network = emptyNetwork();
  const { from, to, knownAt } = range;
  const facts = <T extends 'consultant_sponsor' | 'consultant_career' | 'consultant_activity_status'>(
    table: T,
  ) =>
    db
      .selectFrom(table as 'consultant_sponsor')
      .where('recorded_at', '<=', knownAt)
      .where('superseded_at', '>', knownAt)
      .where('valid_from', '<=', to)
      .where('valid_to', '>', from);
  for (const r of await facts('consultant_sponsor')
    .select(['consultant_id', 'sponsor_id', 'valid_from', 'valid_to'])
    .execute()) {
    network.sponsors.add(
      Number(r.consultant_id),
      r.valid_from,
      r.valid_to,
      r.sponsor_id === null ? null : Number(r.sponsor_id),
    );
  }
  const careers = await (facts('consultant_career' as 'consultant_sponsor') as any)
    .select(['consultant_id', 'level_code', 'valid_from', 'valid_to'])
    .execute();
  for (const r of careers)
    network.careers.add(Number(r.consultant_id), r.valid_from, r.valid_to, r.level_code);
  const statuses = await (facts('consultant_activity_status' as 'consultant_sponsor') as any)
    .select(['consultant_id', 'status', 'source', 'valid_from', 'valid_to'])
    .execute();
  for (const r of statuses) {
    network.statuses.add(Number(r.consultant_id), r.valid_from, r.valid_to, {
      status: r.status,
      source: r.source,
    } as ActivityFact);
  }
  return network;
}
