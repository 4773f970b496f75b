/**
 * `ecspert insurer list|show|add|update|sync` and `ecspert product list|add|update`: the catalogue
 * of insurers and their products (back-office/catalogue). Every change needs --by and --reason
 * (audit log); sync reads adapters/<insurer>/catalogue.yaml.
 */
import type { Command } from 'commander';
import {
  addInsurer,
  addProduct,
  CatalogueError,
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
import { action, createContext, UserError, withDatabase } from '../context';

/** Catalogue refusals are one line like any other user error. */
async function run<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const context = createContext();
  try {
    return await withDatabase(context, work);
  } catch (error) {
    if (error instanceof CatalogueError) throw new UserError(error.message);
    throw error;
  }
}

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max)
    throw new UserError(`--${name} must be a whole number from 1 to ${max}`);
  return n;
}

function yesNo(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'yes' || value === 'true') return true;
  if (value === 'no' || value === 'false') return false;
  throw new UserError(`--${name} is yes or no, not '${value}'`);
}

function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new UserError(`--${name} is one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
}

/** '' on the command line clears an optional field. */
const orNull = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);

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
  active?: string;
  json?: boolean;
}

function insurerChange(o: InsurerOptions): InsurerChange {
  return {
    name: o.name,
    companyCode: orNull(o.companyCode),
    contactPerson: orNull(o.contactPerson),
    contactEmail: orNull(o.contactEmail),
    contactPhone: orNull(o.contactPhone),
    active: yesNo('active', o.active),
  };
}

interface ProductOptions extends Authored {
  name?: string;
  group?: string;
  line?: string;
  term?: string;
  firstYearRate?: string;
  renewalRate?: string;
  active?: string;
  validFrom?: string;
  validTo?: string;
  json?: boolean;
}

function productChange(o: ProductOptions): ProductChange {
  return {
    name: o.name,
    productGroup: o.group,
    lineOfBusiness: orNull(o.line),
    termYears: o.term === undefined ? undefined : o.term === '' ? null : positive('term', o.term, 100),
    firstYearRatePct: orNull(o.firstYearRate),
    renewalRatePct: orNull(o.renewalRate),
    active: yesNo('active', o.active),
    validFrom: orNull(o.validFrom),
    validTo: orNull(o.validTo),
  };
}

const print = (json: boolean | undefined, value: unknown, lines: () => string[]) => {
  if (json) console.log(JSON.stringify(value, null, 2));
  else for (const line of lines()) console.log(line);
};

function insurerOptions(command: Command): Command {
  return command
    .option('--company-code <edrpou>', 'ЄДРПОУ, 8 digits')
    .option('--contact-person <name>', 'who to call at the insurer')
    .option('--contact-email <email>', "the insurer's partner desk")
    .option('--contact-phone <phone>', 'phone number')
    .option('--active <yes|no>', 'whether the hub works with the insurer')
    .requiredOption('--by <user>', 'who makes the change (audit log)')
    .requiredOption('--reason <text>', 'why (audit log)')
    .option('--json', 'as JSON');
}

function productOptions(command: Command): Command {
  return command
    .option('--line <line>', 'line of business, e.g. life, motor, property')
    .option('--term <years>', 'term in years')
    .option('--first-year-rate <pct>', "the intermediary's rate in year 1, percent")
    .option('--renewal-rate <pct>', 'the rate in renewal years, percent')
    .option('--active <yes|no>', 'whether it is sold')
    .option(
      '--valid-from <date>',
      'first day it is sold, yyyy-mm-dd (applications starting earlier are refused)',
    )
    .option(
      '--valid-to <date>',
      'first day it is no longer sold, yyyy-mm-dd (applications starting then or later are refused)',
    )
    .requiredOption('--by <user>', 'who makes the change (audit log)')
    .requiredOption('--reason <text>', 'why (audit log)')
    .option('--json', 'as JSON');
}

export function registerCatalogueCommands(program: Command): void {
  const insurer = program
    .command('insurer')
    .description('insurers: list, show, add, update, sync from the adapter folder');

  insurer
    .command('list')
    .description('insurers, by code')
    .option('--active <yes|no>', 'only active or only inactive insurers')
    .option('--search <text>', 'part of the code or name')
    .option('--sort <field>', `one of ${INSURER_SORTS.join(', ')}`, 'code')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'rows per page (at most 500)', '50')
    .option('--json', 'as JSON')
    .action(
      action(
        async (o: {
          active?: string;
          search?: string;
          sort: string;
          page: string;
          pageSize: string;
          json?: boolean;
        }) => {
          const query = {
            page: positive('page', o.page, 1_000_000),
            pageSize: positive('page-size', o.pageSize, 500),
            active: yesNo('active', o.active),
            q: o.search,
            sort: oneOf<InsurerSort>('sort', o.sort, INSURER_SORTS),
          };
          const page = await run((database) => listInsurers(database, query));
          print(o.json, page, () => [
            ...page.items.map(insurerLine),
            `${page.items.length} of ${page.total} (page ${page.page})`,
          ]);
        },
      ),
    );

  insurer
    .command('show <code>')
    .description('one insurer with its contacts and products')
    .option('--json', 'as JSON')
    .action(
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

  product
    .command('list')
    .description('products, by insurer and code')
    .option('--insurer <code>', "only this insurer's")
    .option('--group <group>', 'only this product group')
    .option('--line <line>', 'only this line of business')
    .option('--active <yes|no>', 'only sold or only withdrawn products')
    .option('--as-of <date>', 'only products sold on this date, yyyy-mm-dd')
    .option('--search <text>', 'part of the code or name')
    .option('--sort <field>', `one of ${PRODUCT_SORTS.join(', ')}`, 'insurer')
    .option('--page <n>', 'page number', '1')
    .option('--page-size <n>', 'rows per page (at most 500)', '50')
    .option('--json', 'as JSON')
    .action(
      action(
        async (o: {
          insurer?: string;
          group?: string;
          line?: string;
          active?: string;
          asOf?: string;
          search?: string;
          sort: string;
          page: string;
          pageSize: string;
          json?: boolean;
        }) => {
          const query = {
            page: positive('page', o.page, 1_000_000),
            pageSize: positive('page-size', o.pageSize, 500),
            insurer: o.insurer,
            productGroup: o.group,
            lineOfBusiness: o.line,
            active: yesNo('active', o.active),
            asOf: o.asOf,
            q: o.search,
            sort: oneOf<ProductSort>('sort', o.sort, PRODUCT_SORTS),
          };
          const page = await run((database) => listProducts(database, query));
          print(o.json, page, () => [
            ...page.items.map(productLine),
            `${page.items.length} of ${page.total} (page ${page.page})`,
          ]);
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
