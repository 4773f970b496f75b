/**
 * `ecspert report schedule add|list|show|pause|resume|remove|send`: reports sent by e-mail on a
 * schedule (back-office/reports/schedules.ts). A schedule is owned by a user (`--owner`, default
 * ECSPERT_USER when that is a user's login): the report is rendered with that user's scope. Mail
 * goes out with ECSPERT_REPORT_SMTP_URL and ECSPERT_REPORT_MAIL_FROM; the timer of `ecspert start`
 * / `serve` / `worker` sends due schedules, `send` sends one now.
 */
import type { Command } from 'commander';
import {
  createSchedule,
  findSchedule,
  listDeliveries,
  listSchedules,
  removeSchedule,
  reportMailFromEnv,
  type ReportSchedule,
  SCHEDULE_FORMATS,
  SCHEDULED_REPORTS,
  ScheduleError,
  sendScheduleNow,
  updateSchedule,
} from '../../../back-office/reports';
import type { Database } from '../../db';
import { oneOf, recordId, wholeNumber } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';

const actor = () => process.env.ECSPERT_USER || process.env.USER || 'cli';
const collect = (value: string, previous: string[] = []) => [...previous, value];

async function work<T>(run: (database: Database) => Promise<T>): Promise<T> {
  return withDatabase(createContext(), async (database) => {
    try {
      return await run(database);
    } catch (error) {
      if (error instanceof ScheduleError) throw new UserError(error.message);
      throw error;
    }
  });
}

function line(s: ReportSchedule): string {
  const state = s.active ? `next ${s.nextRunAt?.toISOString() ?? '—'}` : 'paused';
  return `${s.id}\t${s.name}\t${s.report}${s.consultant ? ` ${s.consultant}` : ''}\t${s.formats.join('+')}\t${s.cron}\t${state}\t${s.owner}\t${s.recipients.join(', ')}`;
}

interface AddOptions {
  name: string;
  report: string;
  consultant?: string;
  periods?: number;
  periodsBack?: number;
  unit?: string;
  insurer?: string;
  product?: string;
  level?: string;
  format?: string[];
  to?: string[];
  cron: string;
  owner?: string;
  paused?: boolean;
}

export function registerReportScheduleCommands(report: Command): void {
  const schedule = report
    .command('schedule')
    .description('reports sent by e-mail on a schedule: add, list, show, pause, resume, remove, send now');

  schedule
    .command('add')
    .description('schedule a report by e-mail (rendered with the owner’s scope; cron in Kyiv time)')
    .requiredOption('--name <text>', 'what the recipients see it called')
    .requiredOption('--report <name>', `one of ${SCHEDULED_REPORTS.join(', ')}`, oneOf(SCHEDULED_REPORTS))
    .requiredOption('--to <address>', 'a recipient (repeat for more)', collect)
    .requiredOption('--cron <fields>', 'five fields in Kyiv time, e.g. "0 8 1 * *" (08:00 on the 1st)')
    .option('--format <format>', 'xlsx or pdf (repeat for both; default both)', collect)
    .option('--periods <n>', 'how many periods the report covers (default 12)', wholeNumber(1, 120))
    .option(
      '--periods-back <n>',
      'the range ends this many periods before the run’s (0: the current; default 1: the previous)',
      wholeNumber(0, 120),
    )
    .option('--consultant <code>', 'the consultant of the consultant report')
    .option('--unit <code>', 'a unit with its sub-units')
    .option('--insurer <code>', 'an insurer')
    .option('--product <code>', 'a product')
    .option('--level <code>', 'consultants at this career level')
    .option('--owner <login>', 'the user whose scope the report is rendered with (default: ECSPERT_USER)')
    .option('--paused', 'add it paused')
    .action(
      action(async (options: AddOptions) => {
        const formats = options.format ?? [...SCHEDULE_FORMATS];
        const owner = options.owner ?? process.env.ECSPERT_USER;
        if (!owner) throw new UserError('--owner LOGIN: the user whose scope the report is rendered with');
        const created = await work((database) =>
          createSchedule(
            database,
            {
              name: options.name,
              report: options.report,
              consultant: options.consultant,
              periods: options.periods,
              periodsBack: options.periodsBack,
              unit: options.unit,
              insurer: options.insurer,
              product: options.product,
              level: options.level,
              formats,
              recipients: options.to ?? [],
              cron: options.cron,
              active: !options.paused,
            },
            owner,
            actor(),
          ),
        );
        console.log(`schedule ${created.id} added: ${line(created)}`);
      }),
    );

  schedule
    .command('list')
    .description('the schedules: id, name, report, formats, cron, next run, owner, recipients')
    .option('--json', 'as JSON')
    .action(
      action(async (options: { json?: boolean }) => {
        const all = await work((database) => listSchedules(database));
        if (options.json) console.log(JSON.stringify(all, null, 2));
        else if (!all.length) console.log('no report schedules');
        else for (const s of all) console.log(line(s));
      }),
    );

  schedule
    .command('show')
    .description('one schedule with its latest deliveries, as JSON')
    .argument('<id>', 'the schedule', recordId)
    .option('--deliveries <n>', 'how many deliveries (default 20)', wholeNumber(0, 500))
    .action(
      action(async (id: number, options: { deliveries?: number }) => {
        const shown = await work(async (database) => {
          const found = await findSchedule(database, id);
          if (!found) throw new UserError(`no report schedule ${id}`);
          const deliveries = await listDeliveries(database, id, { limit: options.deliveries ?? 20 });
          return { ...found, deliveries };
        });
        console.log(JSON.stringify(shown, null, 2));
      }),
    );

  for (const [name, active] of [
    ['pause', false],
    ['resume', true],
  ] as const)
    schedule
      .command(name)
      .description(active ? 'resume a paused schedule (next run from now)' : 'pause a schedule')
      .argument('<id>', 'the schedule', recordId)
      .action(
        action(async (id: number) => {
          const changed = await work((database) => updateSchedule(database, id, { active }, actor()));
          console.log(line(changed));
        }),
      );

  schedule
    .command('remove')
    .description('remove a schedule (kept with its deliveries in the audit trail)')
    .argument('<id>', 'the schedule', recordId)
    .option('--reason <text>', 'why, kept in the audit log')
    .action(
      action(async (id: number, options: { reason?: string }) => {
        await work((database) => removeSchedule(database, id, actor(), options.reason ?? null));
        console.log(`schedule ${id} removed`);
      }),
    );

  schedule
    .command('send')
    .description('send a schedule now: each recipient’s mail stored, then sent; prints each delivery')
    .argument('<id>', 'the schedule', recordId)
    .action(
      action(async (id: number) => {
        const settings = reportMailFromEnv();
        const run = await work((database) => sendScheduleNow(database, id, actor(), settings));
        for (const d of run.deliveries)
          console.log(`${d.id}\t${d.recipient}\t${d.status}${d.error ? `\t${d.error}` : ''}`);
        if (run.deliveries.some((d) => d.status === 'failed'))
          throw new UserError(
            `${run.deliveries.filter((d) => d.status === 'failed').length} of ${run.deliveries.length} not sent: see above`,
          );
      }),
    );
}
