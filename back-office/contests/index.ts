/** Contests: definitions, live standings, and the standings each period calculation records. */
export {
  createContest,
  contestStandings,
  recordContestStandings,
  ContestError,
  type ContestDefinition,
  type ContestStandings,
} from './contests';
export {
  rankEntries,
  type ContestEntry,
  type Standing,
  type TieBreakKey,
  type ContestPrizes,
} from './ranking';
