/**
 * `ecspert plan …`, `period …`, `accruals`, `corrections …`, `career change`, `sponsor change`,
 * `acts produce`: the back office's compensation plans, production periods (calculate with preview,
 * close), recalculation of closed periods (pending, preview, post), changes inside closed periods
 * and the acts of completed work.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import {
  actCsv,
  actXlsx,
  type Intermediary,
  loadPeriodRegister,
  periodRegisterCsv,
  periodRegisterXlsx,
} from '../../../back-office/acts';
import {
  ACCRUAL_KINDS,
  calculatePeriod,
  checkPlanFile,
  countAccruals,
  listAccruals,
  PlanRefusedError,
  productCatalog,
  registerPlan,
  whatIf,
} from '../../../back-office/compensation';
import {
  closePeriod,
  closingBlockers,
  type CorrectionReport,
  listPeriods,
  pendingRequests,
  PeriodCloseRefusedError,
  postCorrections,
  previewChange,
  previewCorrections,
  producePeriodActs,
  recordManualCareerChange,
  recordSponsorChange,
  type ProposedChange,
} from '../../../back-office/periods';
import type { Database } from '../../db';
import { formatHryvnias } from '../../db/money';
import { action, createContext, UserError, withDatabase } from '../context';
import { calculateQueued } from './period-calculate-queued';
import { submitFromCli } from './approvals';
import { printAll, printJson, printWindow, withJson, windowedList, type WindowOptions } from '../list';
import { createProgress } from '../progress';

const money = (kop: number) => formatHryvnias(kop).replace(/\u00a0/g, ' ');

/** Told when another operation (a calculation, recalculation, close or acts) holds the period. */
const waiting = (code: string) =>
  process.stderr.write(
    `period ${code} is being changed by another operation (a calculation, recalculation, close or acts); waiting for it to finish\n`,
  );

/**
 * A plan file refused (it names the file, the place in it and why) as one line per problem on
 * stderr and exit code 1, not an internal failure. (Refusals with a 4xx status code, such as a
 * period closed or a change inside a closed period without approval, are told by action().)
 */
async function refusable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof PlanRefusedError) throw new UserError(error.message);
    throw error;
  }
}

const PERIOD = /^\d{4}-(0[1-9]|1[0-2])$/;

function period(code: string): string {
  if (!PERIOD.test(code)) throw new UserError(`period '${code}' is not yyyy-mm`);
  return code;
}

function printCorrections(report: CorrectionReport, json: boolean): void {
  if (json) return printJson(report);
  if (!report.requests.length && !report.periods.length) {
    console.log('nothing to recalculate: no pending requests');
    return;
  }
  console.log(
    `${report.preview ? 'preview (nothing posted)' : 'posted'} in ${report.postedIn ?? '—'}: storno ${money(report.stornoKop)}, additional ${money(report.additionalKop)}, net ${money(report.netKop)}`,
  );
  for (const p of report.periods)
    console.log(
      `  ${p.period}: ${p.lines.length} line(s), storno ${money(p.stornoKop)}, additional ${money(p.additionalKop)}${p.careerAdjustments.length ? `, ${p.careerAdjustments.length} career change(s)` : ''}`,
    );
  if (report.recalculated.length) console.log(`  calculated again: ${report.recalculated.join(', ')}`);
  for (const c of report.byConsultant)
    console.log(
      `  ${c.consultantCode}: storno ${money(c.stornoKop)}, additional ${money(c.additionalKop)}, net ${money(c.netKop)}`,
    );
}

/** A change inside periods: with --preview the corrections it would cause (nothing kept), else recorded. */
/**
 * A change entered from the command line: --preview shows its corrections (as if approved, nothing
 * kept); else it is applied, or, inside a closed period, kept for a second person's approval.
 */
async function submitOrPreview(
  o: { preview?: boolean; json?: boolean },
  by: string,
  proposal: ProposedChange,
  preview: (database: Database) => Promise<unknown>,
): Promise<void> {
  await withDatabase(createContext(), async (database) => {
    if (o.preview) return printCorrections(await previewChange(database, preview), !!o.json);
    await submitFromCli(database, proposal, by, (recorded) =>
      console.log(
        `recorded; recalculation requested for ${(recorded.requestedPeriods as string[]).join(', ') || 'no calculated or closed period'}`,
      ),
    );
  });
}

/** A preview computes a change inside a closed period as if it were approved; nothing is kept. */
const PREVIEW_APPROVER = 'preview:as-if-approved';

function intermediaryFrom(options: { customer?: string; edrpou?: string; city?: string }): Intermediary {
  const name = options.customer ?? process.env.ECSPERT_INTERMEDIARY_NAME;
  const edrpou = options.edrpou ?? process.env.ECSPERT_INTERMEDIARY_EDRPOU;
  if (!name || !edrpou)
    throw new UserError(
      'acts need the intermediary: --customer "<name>" --edrpou <code> (or ECSPERT_INTERMEDIARY_NAME / ECSPERT_INTERMEDIARY_EDRPOU)',
    );
  return { name, edrpou, city: options.city ?? process.env.ECSPERT_INTERMEDIARY_CITY };
}

export function registerBackOfficeCommands(program: Command): void {
  const plan = program.command('plan').description('compensation plans as data');
  plan
    .command('check <file>')
    .description('validate a plan file against the schema and the products the database knows')
    .action(
      action(async (file: string) => {
        const context = createContext();
        const result = await withDatabase(context, async (database) =>
          checkPlanFile(file, await productCatalog(database)),
        );
        console.log(JSON.stringify(result, null, 2));
        if (!result.ok) process.exitCode = 1;
      }),
    );
  plan
    .command('register <file>')
    .description('record a plan file as a plan version (active unless --draft)')
    .option('--draft', 'register as a draft (for what-if), not in force')
    .option('--by <user>', 'who registers it')
    .action(
      action(async (file: string, options: { draft?: boolean; by?: string }) => {
        const context = createContext();
        const registered = await refusable(
          withDatabase(context, (database) =>
            registerPlan(database, file, {
              status: options.draft ? 'draft' : 'active',
              loadedBy: options.by,
            }),
          ),
        );
        console.log(
          `plan ${registered.plan.code} ${registered.plan.version}: version id ${registered.versionId}`,
        );
      }),
    );
  plan
    .command('what-if <file> <period>')
    .description('a draft plan over a posted period, per consultant and rule; writes nothing')
    .option('--json', 'the whole report as JSON')
    .action(
      action(async (file: string, code: string, options: { json?: boolean }) => {
        const context = createContext();
        const report = await refusable(
          withDatabase(context, (database) => whatIf(database, file, period(code))),
        );
        if (options.json) return printJson(report);
        console.log(`posted ${money(report.postedTotalKop)}, draft ${money(report.draftTotalKop)}`);
        for (const c of report.byConsultant)
          console.log(
            `  ${c.consultantCode}: ${money(c.postedKop)} -> ${money(c.draftKop)} (${money(c.differenceKop)})`,
          );
      }),
    );

  const periods = program.command('period').description('production periods: calculate, close');
  withJson(
    periods.command('list').description('periods with their status and pending recalculation requests'),
  ).action(
    action(async (o: { json?: boolean }) => {
      const context = createContext();
      printAll(
        o,
        await withDatabase(context, listPeriods),
        (p) =>
          `${p.code} ${p.status}${p.closedBy ? ` (closed by ${p.closedBy} ${p.closedAt?.toISOString()})` : ''}${p.pendingRequests ? `, ${p.pendingRequests} pending recalculation request(s)` : ''}`,
      );
    }),
  );
  periods
    .command('calculate <period>')
    .description(
      'calculate a period and post its ledger (re-runnable until closed); --preview writes nothing',
    )
    .option('--preview', 'show the result without posting')
    .option('--plan <file>', 'calculate with this plan file')
    .option('--lines', 'print every line (with --preview)')
    .option('--by <user>', 'who calculates')
    .option(
      '--queue',
      'as a queued job that any worker takes (one per period at a time; its progress is in GET /api/jobs)',
    )
    .option('--no-wait', 'with --queue: print the job and return, without waiting for it to end')
    .action(
      action(
        async (
          code: string,
          options: {
            preview?: boolean;
            plan?: string;
            lines?: boolean;
            by?: string;
            queue?: boolean;
            wait: boolean;
          },
        ) => {
          const context = createContext();
          if (options.queue) return calculateQueued(context, period(code), options);
          if (!options.wait) throw new UserError('--no-wait goes with --queue');
          const result = await refusable(
            withDatabase(context, (database) =>
              calculatePeriod(database, period(code), {
                preview: options.preview,
                planFile: options.plan,
                createdBy: options.by,
                onProgress: (stage, n) => process.stderr.write(`${stage}: ${n}\n`),
                onWait: waiting,
              }),
            ),
          );
          console.log(
            `${result.periodCode} ${result.preview ? 'preview' : `run ${result.runId}`}: ${result.lineCount} line(s), ${money(result.totalKop)} (plan ${result.planCode} ${result.planVersion}), ${result.missing.length} input problem(s), ${result.careerDecisions.length} career decision(s)`,
          );
          // The same inputs give the same fingerprint: two runs with one fingerprint were calculated alike.
          console.log(`  input fingerprint ${result.fingerprint}`);
          for (const [kind, kop] of Object.entries(result.byKind)) console.log(`  ${kind}: ${money(kop!)}`);
          for (const m of result.missing.slice(0, 20)) console.log(`  ! ${m.reason}`);
          if (options.lines)
            for (const l of result.lines)
              console.log(`  ${l.consultantId} ${l.rule} ${money(l.amountKop)}: ${l.explanation}`);
        },
      ),
    );
  periods
    .command('blockers <period>')
    .description('what keeps a period from closing now')
    .action(
      action(async (code: string) => {
        const context = createContext();
        const blockers = await withDatabase(context, (database) => closingBlockers(database, period(code)));
        if (!blockers.length) console.log(`${code}: nothing blocks closing`);
        for (const b of blockers) console.log(`${b.kind}: ${b.message}`);
      }),
    );
  periods
    .command('close <period>')
    .description('close a calculated period for good; refused with every blocking item')
    .requiredOption('--by <user>', 'who closes it')
    .action(
      action(async (code: string, options: { by: string }) => {
        const context = createContext();
        try {
          const closed = await withDatabase(context, (database) =>
            closePeriod(database, period(code), { closedBy: options.by, onWait: waiting }),
          );
          console.log(`${closed.period} closed by ${closed.closedBy} at ${closed.closedAt.toISOString()}`);
        } catch (error) {
          if (!(error instanceof PeriodCloseRefusedError)) throw error;
          for (const b of error.blockers) console.error(`${b.kind}: ${b.message}`);
          throw new UserError(`period ${code} not closed: ${error.blockers.length} blocking item(s)`);
        }
      }),
    );

  windowedList(
    program
      .command('accruals <period>')
      .description(
        'the ledger lines posted in a period, with the plan version of each and the cause of a correction',
      )
      .option('--consultant <code>', 'one consultant')
      .option('--kind <kind>', `one kind: ${ACCRUAL_KINDS.join(', ')}`),
    200,
  ).action(
    action(async (code: string, options: WindowOptions & { consultant?: string; kind?: string }) => {
      if (options.kind && !(ACCRUAL_KINDS as readonly string[]).includes(options.kind))
        throw new UserError(`kind '${options.kind}' is not one of ${ACCRUAL_KINDS.join(', ')}`);
      const context = createContext();
      await withDatabase(context, async (database) => {
        let consultantId: number | undefined;
        if (options.consultant) {
          const row = await database.db
            .selectFrom('consultant')
            .select('id')
            .where('code', '=', options.consultant)
            .executeTakeFirst();
          if (!row) throw new UserError(`consultant '${options.consultant}' is not known`);
          consultantId = Number(row.id);
        }
        const query = { periodCode: period(code), consultantId, kind: options.kind };
        const items = await listAccruals(database, {
          ...query,
          offset: options.offset,
          limit: options.limit,
        });
        const total = await countAccruals(database, query);
        printWindow(
          options,
          { items, total },
          (l) =>
            `${l.id} ${l.consultantCode} ${l.kind} ${l.rule} ${money(l.amountKop)} plan ${l.planVersion}${l.correctsPeriod ? ` corrects ${l.correctsPeriod}` : ''}${l.stornoOfAccrualId ? ` storno of ${l.stornoOfAccrualId}` : ''}${l.cause ? ` (cause: ${l.cause})` : ''}: ${l.explanation}`,
        );
      });
    }),
  );

  const corrections = program
    .command('corrections')
    .description('recalculation of closed periods into storno and additional lines');
  withJson(corrections.command('pending').description('recalculation requests waiting to be posted')).action(
    action(async (o: { json?: boolean }) => {
      const context = createContext();
      const requests = await withDatabase(context, pendingRequests);
      if (!requests.length && !o.json) console.log('no pending recalculation requests');
      printAll(
        o,
        requests,
        (r) => `${r.id} ${r.periodCode} ${r.causeKind} from ${r.effectiveOn}: ${r.description}`,
      );
    }),
  );
  for (const [name, post] of [
    ['preview', false],
    ['post', true],
  ] as const) {
    corrections
      .command(name)
      .description(
        post
          ? 'post the corrections of every pending request into the open period'
          : 'the corrections per consultant, posted nowhere',
      )
      .option('--from <period>', 'recalculate from this closed period even without requests')
      .option('--by <user>', 'who posts')
      .option(
        '--full',
        "compare every closed period in full (by default only the causes' reach, where it bounds the change)",
      )
      .option(
        '--bounded',
        "only the causes' reach where it bounds the change (the default; kept for scripts)",
      )
      .option('--json', 'the whole report as JSON')
      .action(
        action(async (options: { from?: string; by?: string; full?: boolean; json?: boolean }) => {
          const context = createContext();
          const run = post ? postCorrections : previewCorrections;
          const report = await refusable(
            withDatabase(context, (database) =>
              run(database, {
                fromPeriod: options.from && period(options.from),
                postedBy: options.by,
                comparison: options.full ? 'full' : 'bounded',
              }),
            ),
          );
          printCorrections(report, !!options.json);
        }),
      );
  }

  program
    .command('career-change <consultant> <level>')
    .description(
      'a manual career change; inside a closed period it waits for another user (ecspert approval); --preview shows its impact and records nothing',
    )
    .requiredOption('--from <date>', 'first day of the new level, yyyy-mm-dd')
    .option('--to <date>', 'first day it no longer holds')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it (inside a closed period: signs in, see ecspert approval)')
    .option('--preview', 'the corrections it would cause; nothing is recorded')
    .option('--json', 'the report as JSON')
    .action(
      action(
        async (
          consultant: string,
          level: string,
          o: { from: string; to?: string; reason: string; by: string; preview?: boolean; json?: boolean },
        ) => {
          const change = {
            consultantCode: consultant,
            levelCode: level,
            validFrom: o.from,
            validTo: o.to,
            reason: o.reason,
          };
          await submitOrPreview(o, o.by, { kind: 'career_change', change }, (database) =>
            recordManualCareerChange(database, { ...change, recordedBy: o.by, approvedBy: PREVIEW_APPROVER }),
          );
        },
      ),
    );
  program
    .command('sponsor-change <consultant> <sponsor>')
    .description(
      "move a consultant under another sponsor ('-' for none) from a date; inside a closed period it waits for another user; --preview shows the impact",
    )
    .requiredOption('--from <date>', 'first day, yyyy-mm-dd')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <user>', 'who enters it (inside a closed period: signs in, see ecspert approval)')
    .option('--preview', 'the corrections it would cause; nothing is recorded')
    .option('--json', 'the report as JSON')
    .action(
      action(
        async (
          consultant: string,
          sponsor: string,
          o: { from: string; reason: string; by: string; preview?: boolean; json?: boolean },
        ) => {
          const change = {
            consultantCode: consultant,
            sponsorCode: sponsor === '-' ? null : sponsor,
            validFrom: o.from,
            reason: o.reason,
          };
          await submitOrPreview(o, o.by, { kind: 'sponsor_change', change }, (database) =>
            recordSponsorChange(database, { ...change, recordedBy: o.by, approvedBy: PREVIEW_APPROVER }),
          );
        },
      ),
    );

  program
    .command('acts <period>')
    .description(
      'produce the acts of a closed period (PDF per consultant, CSV/XLSX, the period register) into --out',
    )
    .requiredOption('--out <dir>', 'folder to write the files into')
    .option('--customer <name>', 'the intermediary as printed on the acts')
    .option('--edrpou <code>', "the intermediary's ЄДРПОУ")
    .option('--city <city>', 'where the acts are drawn up')
    .option('--by <user>', 'who issues them')
    .action(
      action(
        async (
          code: string,
          o: { out: string; customer?: string; edrpou?: string; city?: string; by?: string },
        ) => {
          const context = createContext();
          const intermediary = intermediaryFrom(o);
          await withDatabase(context, async (database) => {
            // Each act looked at, then the check: a bar on a terminal, the totals otherwise.
            const progress = createProgress();
            const result = await refusable(
              producePeriodActs(
                database,
                period(code),
                { intermediary, createdBy: o.by },
                (stage, done, total) =>
                  progress.update(
                    stage === 'issuing' ? 'issuing acts' : 'checking against the ledger',
                    done,
                    total,
                  ),
              ),
            ).finally(() => progress.stop());
            fs.mkdirSync(o.out, { recursive: true });
            for (const issued of result.issued) {
              const base = path.join(
                o.out,
                `${issued.act.number.replace('/', '-')}_${issued.act.consultant.code}`,
              );
              fs.writeFileSync(`${base}.pdf`, issued.pdf);
              fs.writeFileSync(`${base}.csv`, actCsv(issued.act));
              fs.writeFileSync(`${base}.xlsx`, await actXlsx(issued.act));
            }
            const register = await loadPeriodRegister(database, code);
            fs.writeFileSync(path.join(o.out, `register_${code}.csv`), periodRegisterCsv(register));
            fs.writeFileSync(path.join(o.out, `register_${code}.xlsx`), await periodRegisterXlsx(register));
            console.log(
              `${code}: ${result.issued.length} act(s) issued, ${result.alreadyIssued.length} already issued, ${result.nothingToPay.length} with nothing to pay; ledger ${money(result.check.ledgerTotalKop)}, carried in ${money(result.check.carriedInKop)}, acts ${money(result.check.actsGrossKop)}, carried forward ${money(result.check.carriedOutKop)} (${result.check.carriedForward.length} consultant(s)); ${result.check.consultants} consultant(s) checked, ${result.check.balanced ? 'balanced' : `${result.check.differences.length} difference(s)`}`,
            );
            for (const d of result.check.differences.slice(0, 20))
              console.error(
                `  ${d.consultantCode}: due ${money(d.ledgerKop + d.carriedInKop)} (ledger ${money(d.ledgerKop)}, carried in ${money(d.carriedInKop)}), act ${d.actKop === null ? 'none' : money(d.actKop)}`,
              );
            if (!result.check.balanced) process.exitCode = 1;
          });
        },
      ),
    );
}
