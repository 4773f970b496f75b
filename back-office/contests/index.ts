/** Contests: definitions, live standings, and the standings each period calculation records. */
export {
  createContest,
  contestPrizeLines,
  contestStandings,
  listContests,
  recordContestStandings,
  ContestError,
  CONTEST_SCHEMA,
  type ContestDefinition,
  type ContestStandings,
  type ContestSummary,
} from './contests';
export {
  rankEntries,
  type ContestEntry,
  type Standing,
  type TieBreakKey,
  type ContestPrizes,
} from './ranking';
