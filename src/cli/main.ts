/** The `ecspert` command line: one entry point, commands by area. */
import { Command } from 'commander';
import { HUB_VERSION } from '../api/version';
import { registerBackOfficeCommands } from './commands/back-office';
import { registerCatalogueCommands } from './commands/catalogue';
import { registerContestCommands } from './commands/contests';
import { registerDbCommands } from './commands/db';
import { registerDemoCommands } from './commands/demo';
import { registerExchangeCommands } from './commands/exchange';
import { registerNetworkCommands } from './commands/network';
import { registerPolicyRecordCommands } from './commands/policies';
import { registerServeCommands } from './commands/serve';
import { registerUserCommands } from './commands/users';

export function buildProgram(): Command {
  const program = new Command('ecspert')
    .description('eCSpert hub: the back office of an insurance intermediary and its exchange with insurers')
    .version(HUB_VERSION)
    .showHelpAfterError();
  registerDbCommands(program);
  registerDemoCommands(program);
  registerServeCommands(program);
  registerExchangeCommands(program);
  registerBackOfficeCommands(program);
  registerContestCommands(program);
  registerCatalogueCommands(program);
  registerNetworkCommands(program);
  registerPolicyRecordCommands(program);
  registerUserCommands(program);
  return program;
}

/**
 * Runs the command line on `argv`. The bin (bin/ecspert.js) calls it whatever name it was started
 * by: `npx ecspert` starts it through a link in node_modules/.bin, not by its file name.
 */
export function runCli(argv: string[] = process.argv): void {
  buildProgram()
    .parseAsync(argv)
    .catch((error: Error) => {
      process.stderr.write(`ecspert: ${error.message}\n`);
      process.exit(1);
    });
}

if (require.main === module) runCli();
