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

if (require.main === module || process.argv[1]?.endsWith('ecspert.js')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: Error) => {
      process.stderr.write(`ecspert: ${error.message}\n`);
      process.exit(1);
    });
}
