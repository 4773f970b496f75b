/**
 * Contests: definitions, live standings, and the standings and money prizes each period calculation
 * records. Owns the tables contest and contest_standing. The metrics a contest ranks by come from
 * the compensation module, which passes them in (`PeriodMetrics`): compensation calls contests, never
 * the other way round.
 */
export {
  createContest,
  contestPrizes,
  contestStandings,
  listContests,
  recordContestStandings,
  ContestError,
  CONTEST_SCHEMA,
  type ContestDefinition,
  type ContestMetrics,
  type ContestPrize,
  type ContestStandings,
  type ContestSummary,
  type PeriodMetrics,
  type StandingsOptions,
} from './contests';
export {
  rankEntries,
  type ContestEntry,
  type Standing,
  type TieBreakKey,
  type ContestPrizes,
} from './ranking';
export type { ContestsDB } from './tables';
