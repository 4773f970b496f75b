/**
 * `ecspert insurer list|show|add|update|sync` and `ecspert product list|add|update`: the catalogue
 * of insurers and their products (back-office/catalogue). Every change needs --by and --reason
 * (audit log); sync reads adapters/<insurer>/catalogue.yaml.
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  addInsurer,
  addProduct,
  describeSync,
  getInsurer,
  INSURER_SORTS,
  type InsurerChange,
  type InsurerRecord,
  type InsurerSort,
  listInsurers,
  listProducts,
  PRODUCT_SORTS,
  type ProductChange,
  type ProductRecord,
  type ProductSort,
  productsOf,
  syncCatalogue,
  updateInsurer,
  updateProduct,
} from '../../../back-office/catalogue';
import type { Database } from '../../db';
import { isoDate, oneOf, wholeNumber } from '../args';
import { action, createContext, withDatabase } from '../context';
import { pagedList, type PageOptions, printJson, printPage, withJson } from '../list';

/** Runs against the database; a refusal of the catalogue (a 4xx) is one line naming the field. */
const run = <T>(work: (database: Database) => Promise<T>): Promise<T> => withDatabase(createContext(), work);

/** `--active yes|no` (also true|false). */
function yesNo(value: string): boolean {
  if (value === 'yes' || value === 'true') return true;
  if (value === 'no' || value === 'false') return false;
  throw new InvalidArgumentError(`'${value}' is not yes or no`);
}

/** '' on the command line clears an optional field. */
const orNull = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);

/** `--term <years>`: 1 to 100, or '' to clear it. */
const termYears = (value: string): number | null => (value === '' ? null : wholeNumber(1, 100)(value));

/** A date option that '' clears. */
const dateOrClear = (value: string): string => (value === '' ? '' : isoDate(value));

function insurerLine(i: InsurerRecord): string {
  return `${i.code}\t${i.active ? 'active' : 'inactive'}\t${i.companyCode ?? '-'}\t${i.name}`;
}

function productLine(p: ProductRecord): string {
  const dates = p.validFrom || p.validTo ? `\tsold ${p.validFrom ?? ''}–${p.validTo ?? ''}` : '';
  return `${p.insurerCode}\t${p.code}\t${p.productGroup}\t${p.lineOfBusiness ?? '-'}\t${p.active ? 'active' : 'inactive'}\t${p.name}${dates}`;
}

interface Authored {
  by: string;
  reason: string;
}

interface InsurerOptions extends Authored {
  name?: string;
  companyCode?: string;
  contactPerson?: string;
  contactEmail?: string;
  contactPhone?: string;
  active?: boolean;
  json?: boolean;
}

function insurerChange(o: InsurerOptions): InsurerChange {
  return {
    name: o.name,
    companyCode: orNull(o.companyCode),
    contactPerson: orNull(o.contactPerson),
    contactEmail: orNull(o.contactEmail),
    contactPhone: orNull(o.contactPhone),
    active: o.active,
  };
}

interface ProductOptions extends Authored {
  name?: string;
  group?: string;
  line?: string;
  term?: number | null;
  firstYearRate?: string;
  renewalRate?: string;
  active?: boolean;
  validFrom?: string;
  validTo?: string;
  json?: boolean;
}

function productChange(o: ProductOptions): ProductChange {
  return {
    name: o.name,
    productGroup: o.group,
    lineOfBusiness: orNull(o.line),
    termYears: o.term,
    firstYearRatePct: orNull(o.firstYearRate),
    renewalRatePct: orNull(o.renewalRate),
    active: o.active,
    validFrom: orNull(o.validFrom),
    validTo: orNull(o.validTo),
  };
}

/** One record or report: as JSON, or in the lines people read. */
const print = (json: boolean | undefined, value: unknown, lines: () => string[]) => {
  if (json) printJson(value);
  else for (const line of lines()) console.log(line);
};

/** Who makes a change and why: both go to the audit log. */
function authored(command: Command): Command {
  return withJson(
    command
      .requiredOption('--by <user>', 'who makes the change (audit log)')
      .requiredOption('--reason <text>', 'why (audit log)'),
  );
}

function insurerOptions(command: Command): Command {
  return authored(
    command
      .option('--company-code <edrpou>', 'ЄДРПОУ, 8 digits')
      .option('--contact-person <name>', 'who to call at the insurer')
      .option('--contact-email <email>', "the insurer's partner desk")
      .option('--contact-phone <phone>', 'phone number')
      .option('--active <yes|no>', 'whether the hub works with the insurer', yesNo),
  );
}

function productOptions(command: Command): Command {
  return authored(
    command
      .option('--line <line>', 'line of business, e.g. life, motor, property')
      .option('--term <years>', 'term in years', termYears)
      .option('--first-year-rate <pct>', "the intermediary's rate in year 1, percent")
      .option('--renewal-rate <pct>', 'the rate in renewal years, percent')
      .option('--active <yes|no>', 'whether it is sold', yesNo)
      .option(
        '--valid-from <date>',
        'first day it is sold, yyyy-mm-dd (applications starting earlier are refused)',
        dateOrClear,
      )
      .option(
        '--valid-to <date>',
        'first day it is no longer sold, yyyy-mm-dd (applications starting then or later are refused)',
        dateOrClear,
      ),
  );
}

export function registerCatalogueCommands(program: Command): void {
  const insurer = program
    .command('insurer')
    .description('insurers: list, show, add, update, sync from the adapter folder');

  pagedList(
    insurer
      .command('list')
      .description('insurers, by code')
      .option('--active <yes|no>', 'only active or only inactive insurers', yesNo)
      .option('--search <text>', 'part of the code or name')
      .option('--sort <field>', `one of ${INSURER_SORTS.join(', ')}`, oneOf(INSURER_SORTS), 'code'),
  ).action(
    action(async (o: PageOptions & { active?: boolean; search?: string; sort: InsurerSort }) => {
      const page = await run((database) =>
        listInsurers(database, {
          page: o.page,
          pageSize: o.pageSize,
          active: o.active,
          q: o.search,
          sort: o.sort,
        }),
      );
      printPage(o, page, insurerLine);
    }),
  );

  withJson(insurer.command('show <code>').description('one insurer with its contacts and products')).action(
    action(async (code: string, o: { json?: boolean }) => {
      const shown = await run(async (database) => {
        const record = await getInsurer(database, code);
        return { ...record, products: await productsOf(database, record.code) };
      });
      print(o.json, shown, () => [
        `${shown.code}\t${shown.name}`,
        `  ЄДРПОУ: ${shown.companyCode ?? '-'}; ${shown.active ? 'active' : 'inactive'}`,
        `  contacts: ${[shown.contactPerson, shown.contactEmail, shown.contactPhone].filter(Boolean).join(', ') || '-'}`,
        `  products (${shown.products.length}):`,
        ...shown.products.map((p) => `    ${productLine(p)}`),
      ]);
    }),
  );

  insurerOptions(
    insurer
      .command('add <code>')
      .description('add an insurer')
      .requiredOption('--name <name>', 'its legal name'),
  ).action(
    action(async (code: string, o: InsurerOptions) => {
      const change = insurerChange(o);
      const added = await run((database) =>
        addInsurer(database, { ...change, code, name: o.name! }, { recordedBy: o.by, reason: o.reason }),
      );
      print(o.json, added, () => [`added ${insurerLine(added)}`]);
    }),
  );

  insurerOptions(
    insurer
      .command('update <code>')
      .description("change an insurer's details")
      .option('--name <name>', 'its legal name'),
  ).action(
    action(async (code: string, o: InsurerOptions) => {
      const result = await run((database) =>
        updateInsurer(database, code, insurerChange(o), { recordedBy: o.by, reason: o.reason }),
      );
      print(o.json, result, () => [
        result.changed.length
          ? `changed ${result.changed.join(', ')}: ${insurerLine(result.record)}`
          : `${code}: nothing to change`,
      ]);
    }),
  );

  insurer
    .command('sync <insurer>')
    .description(
      'create or update the insurer and its products from adapters/<insurer>/catalogue.yaml, in one transaction',
    )
    .requiredOption('--by <user>', 'who runs it (audit log)')
    .option('--reason <text>', 'why (audit log; default: the file it reads)')
    .option('--json', 'the report as JSON')
    .action(
      action(async (name: string, o: { by: string; reason?: string; json?: boolean }) => {
        const report = await run((database) =>
          syncCatalogue(database, name, { recordedBy: o.by, reason: o.reason }),
        );
        print(o.json, report, () => describeSync(report));
      }),
    );

  const product = program
    .command('product')
    .description("products of the insurers' catalogues: list, add, update");

  pagedList(
    product
      .command('list')
      .description('products, by insurer and code')
      .option('--insurer <code>', "only this insurer's")
      .option('--group <group>', 'only this product group')
      .option('--line <line>', 'only this line of business')
      .option('--active <yes|no>', 'only sold or only withdrawn products', yesNo)
      .option('--as-of <date>', 'only products sold on this date, yyyy-mm-dd', isoDate)
      .option('--search <text>', 'part of the code or name')
      .option('--sort <field>', `one of ${PRODUCT_SORTS.join(', ')}`, oneOf(PRODUCT_SORTS), 'insurer'),
  ).action(
    action(
      async (
        o: PageOptions & {
          insurer?: string;
          group?: string;
          line?: string;
          active?: boolean;
          asOf?: string;
          search?: string;
          sort: ProductSort;
        },
      ) => {
        const page = await run((database) =>
          listProducts(database, {
            page: o.page,
            pageSize: o.pageSize,
            insurer: o.insurer,
            productGroup: o.group,
            lineOfBusiness: o.line,
            active: o.active,
            asOf: o.asOf,
            q: o.search,
            sort: o.sort,
          }),
        );
        printPage(o, page, productLine);
      },
    ),
  );

  productOptions(
    product
      .command('add <insurer> <code>')
      .description("add a product to an insurer's catalogue")
      .requiredOption('--name <name>', 'its name')
      .requiredOption('--group <group>', 'the product group the compensation plan gives points by'),
  ).action(
    action(async (insurerCode: string, code: string, o: ProductOptions) => {
      const change = productChange(o);
      const added = await run((database) =>
        addProduct(
          database,
          insurerCode,
          { ...change, code, name: o.name!, productGroup: o.group! },
          { recordedBy: o.by, reason: o.reason },
        ),
      );
      print(o.json, added, () => [`added ${productLine(added)}`]);
    }),
  );

  productOptions(
    product
      .command('update <insurer> <code>')
      .description('change a product (name, group, line, rates, the dates it is sold between)')
      .option('--name <name>', 'its name')
      .option('--group <group>', 'the product group the compensation plan gives points by'),
  ).action(
    action(async (insurerCode: string, code: string, o: ProductOptions) => {
      const result = await run((database) =>
        updateProduct(database, insurerCode, code, productChange(o), { recordedBy: o.by, reason: o.reason }),
      );
      print(o.json, result, () => [
        result.changed.length
          ? `changed ${result.changed.join(', ')}: ${productLine(result.record)}`
          : `${insurerCode}/${code}: nothing to change`,
      ]);
    }),
  );
}
