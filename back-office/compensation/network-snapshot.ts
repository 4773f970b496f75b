/**
 * The network as the calculation sees it: dated segments of sponsor, career level and activity
 * status per consultant, already narrowed to one knowledge time. Looking up "on date D" is a scan of
 * the consultant's few segments, so a period with network changes in the middle costs nothing extra.
 */
import type { IsoDate } from '../../src/db/schema';

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
