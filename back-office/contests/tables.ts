/** Table types of the contests' own tables (migrations/0200_compensation.ts created them). */
import type { Generated } from 'kysely';
import type { DB } from '../../src/db/schema';

/** A contest as defined: its range and the whole definition (metric, eligibility, tie-break, prizes). */
export interface ContestTable {
  id: Generated<number>;
  /** The contest's code, e.g. SUMMER-2026. */
  code: string;
  name: string;
  /** First period counted, yyyy-mm. */
  first_period: string;
  /** Last period counted, yyyy-mm. */
  last_period: string;
  /** The ContestDefinition as JSON. */
  definition: unknown;
  created_at: Date;
}

/** The standings recorded by a period's calculation run (one row per ranked consultant). */
export interface ContestStandingTable {
  id: Generated<number>;
  contest_id: number;
  /** The calculation run that recorded them. */
  run_id: number | null;
  /** Standings through this period, yyyy-mm. */
  through_period: string;
  consultant_id: number;
  place: number;
  score: string;
  /** The prize of the place, in words; null when it wins none. */
  prize: string | null;
  computed_at: Date;
}

/** The core's tables (read: consultants, careers, units, policies) and the contests' own. */
export interface ContestsDB extends DB {
  contest: ContestTable;
  contest_standing: ContestStandingTable;
}
