/**
 * `ecspert contest …`: create a contest from a YAML or JSON file, list contests, and read the
 * standings at any moment (through a period, or the whole range).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import {
  ContestError,
  contestStandings,
  createContest,
  type ContestDefinition,
  listContests,
} from '../../../back-office/contests';
import { periodMetrics } from '../../../back-office/compensation';
import { periodCode } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { printJson, printWindow, windowedList, type WindowOptions } from '../list';

function readDefinition(file: string): ContestDefinition {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UserError(`${file}: cannot be read (${(error as Error).message})`);
  }
  try {
    return (file.toLowerCase().endsWith('.json') ? JSON.parse(text) : YAML.parse(text)) as ContestDefinition;
  } catch (error) {
    throw new UserError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`,
    );
  }
}

export function registerContestCommands(program: Command): void {
  const contest = program.command('contest').description('contests: create, list, standings at any moment');
  contest
    .command('create <file>')
    .description(
      'create a contest from a YAML or JSON definition (period range, metric, eligibility, tie-break, prizes)',
    )
    .action(
      action(async (file: string) => {
        const definition = readDefinition(file);
        const context = createContext();
        const id = await withDatabase(context, (database) =>
          createContest(database, definition).catch((error) => {
            if (error instanceof ContestError) throw new UserError(`${file}: ${error.message}`);
            if (database.dialect.isUniqueViolation(error))
              throw new UserError(`${file}: contest ${definition.code} already exists`);
            throw error;
          }),
        );
        console.log(`contest ${definition.code}: id ${id}`);
      }),
    );
  windowedList(
    contest
      .command('list')
      .description('contests, newest first')
      .option('--running <period>', 'only those running in this period (yyyy-mm)', periodCode),
    50,
  ).action(
    action(async (options: WindowOptions & { running?: string }) => {
      const context = createContext();
      const page = await withDatabase(context, (database) =>
        listContests(database, { running: options.running, offset: options.offset, limit: options.limit }),
      );
      printWindow(options, page, (c) => `${c.code}\t${c.firstPeriod}…${c.lastPeriod}\t${c.name}`);
    }),
  );
  contest
    .command('standings <code>')
    .description('the standings now; a running contest is provisional')
    .option('--through <period>', 'count periods up to this one (yyyy-mm)', periodCode)
    .option('--json', 'as JSON')
    .action(
      action(async (code: string, options: { through?: string; json?: boolean }) => {
        const context = createContext();
        const result = await withDatabase(context, (database) =>
          contestStandings(database, code, {
            metrics: periodMetrics(database),
            throughPeriod: options.through,
          }).catch((error) => {
            if (error instanceof ContestError) throw new UserError(error.message);
            throw error;
          }),
        );
        if (options.json) return printJson(result);
        console.log(
          `${result.contest.name} (${result.contest.code}) through ${result.throughPeriod}${result.provisional ? ', provisional: the contest still runs' : ', final'}`,
        );
        for (const s of result.standings)
          console.log(
            `${String(s.place).padStart(4)}  ${s.code}\t${s.score}${s.prize ? `\t${s.prize}` : ''}${s.decidedBy ? `\t(${s.decidedBy})` : ''}`,
          );
      }),
    );
}
