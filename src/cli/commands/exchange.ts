/**
 * `ecspert adapter …`, `mapping …`, `exchange …`, `message …`, `sandbox …`: onboarding and running
 * the exchange with insurers.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { fileNewMail } from '../../../back-office/correspondence';
import type { Database } from '../../db';
import { loadAdapter } from '../../exchange/adapter-config';
import { listAdapters } from '../../exchange/exchange-jobs';
import { tryMapping } from '../../exchange/mapping';
import { findMessage, listMessages, messageTrail } from '../../exchange/message-store';
import {
  type ExchangeDeps,
  processPending,
  type ProcessReport,
  replayMessage,
} from '../../exchange/pipeline';
import { adapterReadiness, runExchange } from '../../exchange/runs';
import { startLinkedSandbox } from '../../exchange/sandbox-link';
import { runSandbox } from '../../exchange/sandbox';
import { isoDate, recordId } from '../args';
import { type PageOptions, pagedList, printJson, printPage } from '../list';
import { action, type CommandContext, createContext, UserError, withDatabase } from '../context';
import { createProgress } from '../progress';

function insurerCode(insurer: string): string {
  try {
    return loadAdapter(insurer).insurer.code;
  } catch (error) {
    throw new UserError(`${(error as Error).message} (adapters: ${listAdapters().join(', ')})`);
  }
}

function deps(context: CommandContext, database: Database): ExchangeDeps {
  return { database, secretsDir: context.config.secretsDir, logger: context.logger };
}

function printReport(report: ProcessReport): void {
  if (report.status === 'skipped') {
    console.log(
      `${report.file}: skipped — ${report.skippedBecause === 'in-hand' ? 'another process is processing it' : 'already processed'}`,
    );
    return;
  }
  console.log(
    `${report.file}: ${report.status} — ${report.rows} row(s), ${report.applied} applied, ${report.unchanged} unchanged, ${report.rowIssues} row issue(s), ${report.mismatchesRaised} mismatch(es), ${report.recalculationsRequested} recalculation request(s)`,
  );
  for (const e of report.errors)
    console.log(
      `  ${e.kind}: ${e.file ?? ''}${e.row ? ` row ${e.row}` : ''}${e.field ? ` field '${e.field}'` : ''}: ${e.message}`,
    );
}

/** The consultant codes the database knows, for a dry run's look-ups; null when there is nothing to ask. */
async function consultantCodes(context: CommandContext): Promise<Set<string> | null> {
  try {
    return await withDatabase(
      context,
      async (database) => {
        if (!(await database.dialect.tableExists(database.db, 'consultant'))) return null;
        const rows = await database.db.selectFrom('consultant').select('code').execute();
        return rows.length ? new Set(rows.map((r) => r.code)) : null;
      },
      // A dry run: it neither migrates the database nor asks for it migrated.
      { schema: 'as-is' },
    );
  } catch {
    return null;
  }
}

export function registerExchangeCommands(program: Command): void {
  const adapter = program.command('adapter').description('insurer adapters: configuration, mappings, keys');
  adapter
    .command('list')
    .description('list the adapters in adapters/')
    .action(action(async () => void listAdapters().forEach((code) => console.log(code))));
  adapter
    .command('check <insurer>')
    .description(
      'check that the adapter, its mappings and the keys it refers to are valid and readable, and which message types can be sent or received',
    )
    .action(
      action(async (insurer: string) => {
        const context = createContext();
        const { findings, messages } = adapterReadiness(insurer, { secretsDir: context.config.secretsDir });
        for (const f of findings)
          console.log(`${f.level}: ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
        // Ready only for what can actually be sent or received, each with its reasons when not.
        for (const m of messages)
          console.log(
            `${m.name} (${m.direction === 'out' ? 'sent' : 'received'}): ${m.ready ? 'ready' : `not ready — ${m.reasons.join('; ')}`}`,
          );
        const errors = findings.filter((f) => f.level === 'error').length;
        console.log(
          errors ? `${insurer}: ${errors} error(s)` : `${insurer}: ready (${findings.length} warning(s))`,
        );
        if (errors) process.exitCode = 1;
      }),
    );

  program
    .command('mapping')
    .description('declarative mappings between insurer files and canonical records')
    .command('try <insurer> <message> <file>')
    .description(
      'dry run: print the canonical records of a sample file and every error with row and field; writes nothing',
    )
    .option('--json', 'print the records as JSON lines')
    .action(
      action(async (insurer: string, message: string, file: string, options: { json?: boolean }) => {
        const context = createContext();
        if (!fs.existsSync(file)) throw new UserError(`${file}: no such file`);
        const knownConsultants = await consultantCodes(context);
        if (!knownConsultants)
          console.log('consultant codes not checked: the database has no consultants yet');
        const progress = createProgress();
        const size = fs.statSync(file).size;
        const result = await tryMapping(insurer, message, file, {
          secretsDir: context.config.secretsDir,
          lookups: knownConsultants
            ? { consultant: (code: string) => (knownConsultants.has(code) ? code : null) }
            : undefined,
          onProgress: (p) =>
            progress.update('mapping', p.bytes ?? p.rows, p.bytes !== undefined ? size : p.rows),
        });
        progress.stop();
        if (result.signature) console.log(`signature: ${result.signature.message}`);
        if (result.signature?.status === 'refused')
          console.log(
            'a received document like this is quarantined and nothing of it applied; its content maps as follows (a check of the mapping only):',
          );
        for (const r of result.records) {
          console.log(
            options.json ? JSON.stringify(r.record) : `row ${r.rowNo}: ${JSON.stringify(r.record)}`,
          );
        }
        for (const f of result.findings)
          console.log(`finding: row ${f.row} field '${f.field}' '${f.value}': ${f.message}`);
        for (const e of result.errors)
          console.log(
            `error: ${e.file ?? ''}${e.row ? ` row ${e.row}` : ''}${e.field ? ` field '${e.field}'` : ''}: ${e.detail}`,
          );
        const { accepted, badRowPolicy: policy } = result;
        const why = result.signature?.status === 'refused' ? 'signature' : policy;
        console.log(
          `${result.rows} row(s): ${result.records.length} valid, ${result.errors.length} error(s), ${result.findings.length} finding(s); ` +
            `${accepted ? 'would be applied' : 'would be quarantined'} (${why}, ${result.mappingFile})`,
        );
        if (!accepted) process.exitCode = 1;
      }),
    );

  const exchange = program.command('exchange').description('exchange runs with insurers');
  exchange
    .command('run <insurer>')
    .description('send registers, take in what the insurer has for us, and process it')
    .option('--dry-run', 'say what would be sent and what is waiting, change nothing')
    .option('--sandbox', "talk to the sandbox insurer (started here) instead of the insurer's servers")
    .action(
      action(async (insurer: string, options: { dryRun?: boolean; sandbox?: boolean }) => {
        const context = createContext();
        const code = insurerCode(insurer);
        await withDatabase(context, async (database) => {
          const sandbox = options.sandbox
            ? await startLinkedSandbox(code, context.config.dataDir, context.config.secretsDir)
            : null;
          if (sandbox) console.log(`sandbox ${code} at ${sandbox.url}`);
          try {
            // A sandbox run verifies and signs with the sandbox's run-time keys, never the real ones.
            const runDeps = {
              ...deps(context, database),
              secretsDir: sandbox?.secretsDir ?? context.config.secretsDir,
            };
            const report = await runExchange(runDeps, code, {
              dryRun: options.dryRun,
              overrides: sandbox?.overrides,
              onStep: (line) => console.log(line),
              afterMailPull: () => fileNewMail(database).then(() => undefined),
            });
            for (const r of report.processed) printReport(r);
            for (const f of report.receiveFailures)
              console.log(`not taken in (retried next run): ${f.name}: ${f.error}`);
          } finally {
            await sandbox?.close();
          }
        });
      }),
    );
  exchange
    .command('process')
    .description('process every received message not processed yet')
    .option('--insurer <code>', 'only this insurer')
    .action(
      action(async (options: { insurer?: string }) => {
        const context = createContext();
        await withDatabase(context, async (database) => {
          const reports = await processPending(
            deps(context, database),
            options.insurer ? insurerCode(options.insurer) : undefined,
          );
          for (const r of reports) printReport(r);
          const failed = reports.filter((r) => r.status === 'failed').length;
          console.log(
            `${reports.length} message(s) processed${failed ? `, ${failed} failed (tried again on the next run)` : ''}`,
          );
          if (failed) process.exitCode = 1;
        });
      }),
    );

  const message = program.command('message').description('the message store: everything received and sent');
  pagedList(
    message
      .command('list')
      .description('list stored messages, newest first')
      .option('--status <status>', 'received, applied, quarantined, failed, sent …')
      .option('--insurer <code>')
      .option('--received-from <date>', 'received on this day (yyyy-mm-dd, Kyiv time) or later', isoDate)
      .option('--received-to <date>', 'received on this day (yyyy-mm-dd, Kyiv time) or earlier', isoDate),
  ).action(
    action(
      async (
        options: PageOptions & {
          status?: string;
          insurer?: string;
          receivedFrom?: string;
          receivedTo?: string;
        },
      ) => {
        if (options.receivedFrom && options.receivedTo && options.receivedFrom > options.receivedTo)
          throw new UserError(
            `--received-from ${options.receivedFrom} is after --received-to ${options.receivedTo}`,
          );
        const context = createContext();
        await withDatabase(context, async (database) => {
          const { items, total, totalCapped } = await listMessages(
            database,
            {
              status: options.status as never,
              insurerCode: options.insurer,
              receivedFrom: options.receivedFrom,
              receivedTo: options.receivedTo,
            },
            { page: options.page, pageSize: options.pageSize },
          );
          if (options.json) return printJson({ items, total, totalCapped });
          printPage(options, { items, total }, (m) =>
            [
              m.id,
              m.receivedAt.toISOString(),
              m.insurerCode,
              m.direction,
              m.messageType,
              m.status,
              m.externalName ?? '',
            ].join('\t'),
          );
          // Past 10,000 messages the count stops: the total is then "at least".
          if (totalCapped) console.log(`(at least ${total} messages; the count stops there)`);
        });
      },
    ),
  );
  message
    .command('show')
    .argument('<id>', 'the message id (message list shows it)', recordId)
    .description('one message: what it is, its status trail and its reasons')
    .action(
      action(async (id: number) => {
        const context = createContext();
        await withDatabase(context, async (database) => {
          const m = await findMessage(database, id);
          if (!m) throw new UserError(`no message ${id}`);
          console.log(JSON.stringify({ ...m, statusReason: undefined }, null, 2));
          for (const e of await messageTrail(database, m.id))
            console.log(
              `${new Date(e.occurred_at).toISOString()} ${e.status}${e.detail ? `: ${e.detail}` : ''}`,
            );
          if (m.statusReason) console.log(JSON.stringify(m.statusReason, null, 2));
        });
      }),
    );
  message
    .command('replay')
    .argument('<id>', 'the message id', recordId)
    .description('process a stored message again from its raw bytes, without asking the insurer')
    .action(
      action(async (id: number) => {
        const context = createContext();
        await withDatabase(context, async (database) =>
          printReport(await replayMessage(deps(context, database), id)),
        );
      }),
    );

  program
    .command('sandbox <insurer>')
    .description(
      "run an insurer's sandbox on this machine until Ctrl+C: SFTP, REST and/or e-mail (SMTP and a Dovecot mailbox) from its adapter.yaml, serving its __fixtures__",
    )
    .option(
      '--port <n>',
      'port to listen on (each further server takes the next one: REST after SFTP, IMAP after SMTP); default a free one',
    )
    .action(
      action(async (insurer: string, options: { port?: string }) => {
        const port = options.port === undefined ? undefined : Number(options.port);
        if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
          throw new UserError(`--port must be a whole number from 0 to 65535, not '${options.port}'`);
        const context = createContext();
        let sandbox: Awaited<ReturnType<typeof runSandbox>>;
        try {
          sandbox = await runSandbox(insurer, { dataDir: context.config.dataDir, port });
        } catch (error) {
          const e = error as NodeJS.ErrnoException;
          if (e.code === 'EADDRINUSE') throw new UserError(`--port ${port} is in use; choose another`);
          throw new UserError((error as Error).message);
        }
        const stop = () => void sandbox.close();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        await sandbox.closed;
      }),
    );
}
