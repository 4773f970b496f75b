/**
 * `ecspert report <name>`: a management report (sales, network, persistency, remuneration,
 * collections, exchange) or a consultant's own (`report consultant --consultant CODE`), over a range
 * of periods, as of a date and as known at a moment, printed as JSON or written as XLSX or PDF to --out.
 * The command line is the operator's: it sees the whole network.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import {
  consultantReport,
  MANAGEMENT_REPORTS,
  managementReport,
  ReportError,
  type ReportFilters,
  reportPdf,
  reportXlsx,
} from '../../../back-office/reports';
import { isoDate, oneOf, periodCode } from '../args';
import { action, createContext, UserError, withDatabase } from '../context';
import { registerReportScheduleCommands } from './report-schedule';

const NAMES = [...MANAGEMENT_REPORTS, 'consultant'] as const;

interface ReportOptions {
  from?: string;
  to?: string;
  unit?: string;
  insurer?: string;
  product?: string;
  level?: string;
  asOf?: string;
  knownAt?: string;
  consultant?: string;
  format: 'json' | 'xlsx' | 'pdf';
  out?: string;
}

function knownAt(value: string): string {
  if (Number.isNaN(Date.parse(value))) throw new UserError(`--known-at '${value}' is not a date and time`);
  return value;
}

export function registerReportCommands(program: Command): void {
  // `report schedule add --to a@b --unit X --format pdf` has options of the same names as the
  // report's own: the program hands everything after `report` on as it is, and the report's options
  // stop at `schedule` (the program's own are --help and --version, given before a command anyway).
  program.enablePositionalOptions();
  const report = program
    .command('report')
    .description(
      'a management report (sales, network, persistency, remuneration, collections, exchange) or a consultant’s, as JSON, XLSX or PDF; `report schedule` sends them by e-mail',
    )
    .enablePositionalOptions()
    .argument('<name>', `one of ${NAMES.join(', ')}`, oneOf(NAMES))
    .option('--from <period>', 'first period yyyy-mm (default: eleven before --to)', periodCode)
    .option('--to <period>', 'last period yyyy-mm (default: the period of --as-of)', periodCode)
    .option('--unit <code>', 'a unit with its sub-units')
    .option('--insurer <code>', 'an insurer')
    .option('--product <code>', 'a product')
    .option('--level <code>', 'consultants at this career level')
    .option('--as-of <date>', 'as it was on this date yyyy-mm-dd (default: today)', isoDate)
    .option(
      '--known-at <moment>',
      'as known at this moment, e.g. 2026-06-01T12:00:00Z (default: now)',
      knownAt,
    )
    .option('--consultant <code>', 'the consultant of `report consultant`')
    .option('--format <format>', 'json, xlsx or pdf', oneOf(['json', 'xlsx', 'pdf'] as const), 'json')
    .option('--out <file>', 'write to this file (needed for xlsx and pdf)')
    .action(
      action(async (name: (typeof NAMES)[number], options: ReportOptions) => {
        if (options.format !== 'json' && !options.out)
          throw new UserError(`--format ${options.format} needs --out FILE`);
        if (name === 'consultant' && !options.consultant)
          throw new UserError('report consultant needs --consultant CODE');
        const filters: ReportFilters = {
          from: options.from,
          to: options.to,
          unit: options.unit,
          insurer: options.insurer,
          product: options.product,
          level: options.level,
          asOf: options.asOf,
          knownAt: options.knownAt ? new Date(options.knownAt) : undefined,
        };
        const context = createContext();
        const { json, sections } = await withDatabase(context, async (database) => {
          try {
            if (name === 'consultant') {
              const report = await consultantReport(database, options.consultant!, filters);
              return { json: report as unknown, sections: report.sections };
            }
            const report = await managementReport(database, name, filters);
            return { json: report as unknown, sections: [report] };
          } catch (error) {
            if (error instanceof ReportError) throw new UserError(error.message);
            throw error;
          }
        });
        const bytes =
          options.format === 'json'
            ? Buffer.from(`${JSON.stringify(json, null, 2)}\n`)
            : options.format === 'xlsx'
              ? await reportXlsx(sections)
              : await reportPdf(sections);
        if (options.out) {
          fs.writeFileSync(options.out, bytes);
          console.log(`${name}: ${options.out} (${bytes.length} bytes)`);
        } else process.stdout.write(bytes);
      }),
    );
  registerReportScheduleCommands(report);
}
