/**
 * The `ecspert` command line: one entry point, commands by area.
 *
 * An area's module (and what it needs: the database drivers, fastify, pdfkit, exceljs, bullmq…) is
 * loaded only when one of its commands runs. `ecspert --help` and an unknown command load none of
 * them: the list of commands below stands in for them, and test/cli/help.test.ts checks that it
 * prints exactly what the loaded commands print.
 */
import { Command, type Help } from 'commander';
import { HUB_VERSION } from '../api/version';

type Register = (program: Command) => void;

interface Area {
  /** Each top-level command of the area: the term the help lists, and its description. */
  commands: Array<[term: string, description: string]>;
  register(): Register;
}

/* eslint-disable @typescript-eslint/no-require-imports -- loaded on use, so that --help stays light */
const AREAS: Area[] = [
  {
    commands: [['db', 'the database: schema migrations']],
    register: () => (require('./commands/db') as typeof import('./commands/db')).registerDbCommands,
  },
  {
    commands: [['demo', 'demo data: an intermediary with a network, policies and payments']],
    register: () => (require('./commands/demo') as typeof import('./commands/demo')).registerDemoCommands,
  },
  {
    commands: [
      [
        'serve [options]',
        'serve the API on HOST:PORT (default 127.0.0.1:3000) and run the exchange schedules',
      ],
      [
        'start [options]',
        'migrate the database, seed the demo when it is empty, start the sandbox insurers, and serve (what `npm start` runs)',
      ],
      [
        'worker',
        'take background jobs (exchange runs, message processing) from the queue; run several with REDIS_URL set',
      ],
    ],
    register: () => (require('./commands/serve') as typeof import('./commands/serve')).registerServeCommands,
  },
  {
    commands: [
      ['adapter', 'insurer adapters: configuration, mappings, keys'],
      ['mapping', 'declarative mappings between insurer files and canonical records'],
      ['exchange', 'exchange runs with insurers'],
      ['message', 'the message store: everything received and sent'],
      [
        'sandbox [options] <insurer>',
        "run an insurer's sandbox on this machine until Ctrl+C: SFTP, REST and/or e-mail (SMTP and a Dovecot mailbox) from its adapter.yaml, serving its __fixtures__",
      ],
    ],
    register: () =>
      (require('./commands/exchange') as typeof import('./commands/exchange')).registerExchangeCommands,
  },
  {
    commands: [
      ['plan', 'compensation plans as data'],
      ['period', 'production periods: calculate, close'],
      [
        'accruals [options] <period>',
        'the ledger lines posted in a period, with the plan version of each and the cause of a correction',
      ],
      ['corrections', 'recalculation of closed periods into storno and additional lines'],
      [
        'career-change [options] <consultant> <level>',
        'a manual career change; inside a closed period it waits for another user (ecspert approval); --preview shows its impact and records nothing',
      ],
      [
        'sponsor-change [options] <consultant> <sponsor>',
        "move a consultant under another sponsor ('-' for none) from a date; inside a closed period it waits for another user; --preview shows the impact",
      ],
      [
        'acts [options] <period>',
        'produce the acts of a closed period (PDF per consultant, CSV/XLSX, the period register) into --out',
      ],
    ],
    register: () =>
      (require('./commands/back-office') as typeof import('./commands/back-office'))
        .registerBackOfficeCommands,
  },
  {
    commands: [
      ['approval', 'changes inside closed periods waiting for a second person: list, show, approve, reject'],
    ],
    register: () =>
      (require('./commands/approvals') as typeof import('./commands/approvals')).registerApprovalCommands,
  },
  {
    commands: [
      ['correspondence', 'letters with insurers: threads, replies, states, the unknown-sender queue'],
    ],
    register: () =>
      (require('./commands/correspondence') as typeof import('./commands/correspondence'))
        .registerCorrespondenceCommands,
  },
  {
    commands: [
      ['mismatch', 'reconciliation mismatches: list, show with the trail, resolve one or many, sweep'],
    ],
    register: () =>
      (require('./commands/mismatches') as typeof import('./commands/mismatches')).registerMismatchCommands,
  },
  {
    commands: [['contest', 'contests: create, list, standings at any moment']],
    register: () =>
      (require('./commands/contests') as typeof import('./commands/contests')).registerContestCommands,
  },
  {
    commands: [
      ['insurer', 'insurers: list, show, add, update, sync from the adapter folder'],
      ['product', "products of the insurers' catalogues: list, add, update"],
    ],
    register: () =>
      (require('./commands/catalogue') as typeof import('./commands/catalogue')).registerCatalogueCommands,
  },
  {
    commands: [
      ['unit', 'units: the tree with managers and counts; open, rename, move, close'],
      ['consultant', 'consultants: list, card, hire, terminate, rehire, transfer, contact details'],
      ['network', 'the sponsor tree as of a date'],
    ],
    register: () =>
      (require('./commands/network') as typeof import('./commands/network')).registerNetworkCommands,
  },
  {
    commands: [
      ['person', 'policyholders and insured persons (one per tax number)'],
      ['application', 'applications: enter, follow through registers to the policy, withdraw while pending'],
      ['policy', 'policies: list, card with versions, premium payments, payment calendar'],
    ],
    register: () =>
      (require('./commands/policies') as typeof import('./commands/policies')).registerPolicyRecordCommands,
  },
  {
    commands: [
      [
        'report [options] <name>',
        'a management report (sales, network, persistency, remuneration, collections, exchange) or a consultant’s, as JSON, XLSX or PDF; `report schedule` sends them by e-mail',
      ],
    ],
    register: () =>
      (require('./commands/report') as typeof import('./commands/report')).registerReportCommands,
  },
  {
    commands: [['user', 'users of the hub, their roles and API tokens (the first administrator too)']],
    register: () => (require('./commands/users') as typeof import('./commands/users')).registerUserCommands,
  },
];
/* eslint-enable @typescript-eslint/no-require-imports */

const nameOf = (term: string) => term.split(' ')[0];

/** The commands the help lists, by name: what each area registers. */
export const COMMAND_LIST: ReadonlyArray<{ name: string; term: string; description: string }> = AREAS.flatMap(
  (area) => area.commands.map(([term, description]) => ({ name: nameOf(term), term, description })),
);

/** The top-level command `argv` (without node and the script) asks for: `ecspert help <cmd>` too. */
function commandAskedFor(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program with the area of the command `args` names loaded, and every other command as a
 * light entry for the help; `all` loads every area (the tests compare the two helps).
 */
export function buildProgram(args: string[] = [], options: { all?: boolean } = {}): Command {
  const program = new Command('ecspert')
    .description('eCSpert hub: the back office of an insurance intermediary and its exchange with insurers')
    .version(HUB_VERSION)
    .showHelpAfterError();
  const asked = commandAskedFor(args);
  const terms = new Map<string, string>();
  for (const area of AREAS) {
    if (options.all || area.commands.some(([term]) => nameOf(term) === asked)) {
      area.register()(program);
      continue;
    }
    for (const [term, description] of area.commands) {
      program.command(nameOf(term)).description(description);
      terms.set(nameOf(term), term);
    }
  }
  // Only the commands standing in for an area not loaded need their term told.
  program.configureHelp({
    subcommandTerm: (cmd) => terms.get(cmd.name()) ?? defaultTerm(cmd),
  });
  return program;
}

const helper = new Command().createHelp();
const defaultTerm = (cmd: Command) => (helper as Help).subcommandTerm(cmd);

/**
 * Runs the command line on `argv`. The bin (bin/ecspert.js) calls it whatever name it was started
 * by: `npx ecspert` starts it through a link in node_modules/.bin, not by its file name.
 */
export function runCli(argv: string[] = process.argv): void {
  buildProgram(argv.slice(2))
    .parseAsync(argv)
    .catch((error: Error) => {
      process.stderr.write(`ecspert: ${error.message}\n`);
      process.exit(1);
    });
}

if (require.main === module) runCli();
