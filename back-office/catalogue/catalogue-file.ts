/**
 * Onboarding an insurer's catalogue from its adapter folder: adapters/<insurer>/catalogue.yaml
 * (schemas/catalogue.schema.json) is read, checked, and the insurer and its products are created or
 * updated in one transaction. A second sync of the same file changes nothing and says so. Products
 * in the database that the file no longer lists are left as they are and reported.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { type Database, inTransaction } from '../../src/db';
import { adapterFolder, type AdapterLocation } from '../../src/exchange/adapter-config';
import { describeSchemaErrors, projectRoot, schemaValidator } from '../../src/exchange/mapping/json-schemas';
import {
  addInsurer,
  addProduct,
  CatalogueError,
  findInsurer,
  normaliseRate,
  type ProductFields,
  productsOf,
  updateInsurer,
  updateProduct,
} from './catalogue';

export const CATALOGUE_FILE = 'catalogue.yaml';

/** What catalogue.yaml holds (schemas/catalogue.schema.json). */
export interface CatalogueDocument {
  insurer: {
    code: string;
    name: string;
    companyCode?: string;
    contacts?: { person?: string; email?: string; phone?: string };
    active?: boolean;
  };
  products: (ProductFields & { code: string })[];
}

/** A catalogue file that cannot be used; names the file and the JSON path of the value at fault. */
export class CatalogueFileError extends CatalogueError {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    problem: string,
  ) {
    super(`${file}${jsonPath ? ` at ${jsonPath}` : ''}: ${problem}`, 422);
    this.name = 'CatalogueFileError';
  }
}

/** The file as people name it: relative to the project when it is inside it. */
function shownPath(file: string): string {
  const relative = path.relative(projectRoot(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** The catalogue file of an insurer (code DNIPRO_LIFE or folder dnipro-life); it may not exist. */
export function catalogueFileOf(insurer: string, options: AdapterLocation = {}): string {
  try {
    return path.join(adapterFolder(insurer, options), CATALOGUE_FILE);
  } catch {
    // Said without the server's folders: the API passes this message on.
    throw new CatalogueError(
      `no adapter for insurer '${insurer}' (looked for adapters/<folder>/adapter.yaml)`,
      404,
      'insurer',
    );
  }
}

/** Problems of a catalogue document beyond its schema, with their JSON paths. */
function crossCheck(
  doc: CatalogueDocument,
  adapterInsurerCode: string | null,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (adapterInsurerCode && doc.insurer.code !== adapterInsurerCode)
    problems.push({
      path: '/insurer/code',
      message: `'${doc.insurer.code}' is not the insurer of this adapter folder (adapter.yaml says ${adapterInsurerCode})`,
    });
  const seen = new Map<string, number>();
  doc.products.forEach((p, i) => {
    if (seen.has(p.code))
      problems.push({
        path: `/products/${i}/code`,
        message: `${p.code} is listed twice (also at /products/${seen.get(p.code)})`,
      });
    seen.set(p.code, i);
    if (p.validFrom && p.validTo && p.validTo <= p.validFrom)
      problems.push({
        path: `/products/${i}/validTo`,
        message: `${p.validTo} is not after validFrom ${p.validFrom}`,
      });
    for (const key of ['firstYearRatePct', 'renewalRatePct'] as const)
      if (p[key] !== undefined && Number(p[key]) > 100)
        problems.push({ path: `/products/${i}/${key}`, message: `${p[key]} is more than 100 %` });
  });
  return problems;
}

/**
 * Every problem of a catalogue file (empty when it is fine): unreadable YAML, schema errors and the
 * cross-checks, each with its JSON path. `ecspert adapter check` and the sync both use it.
 */
export function checkCatalogueFile(
  file: string,
  adapterInsurerCode: string | null,
): { doc: CatalogueDocument | null; problems: { path: string; message: string }[] } {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return { doc: null, problems: [{ path: '', message: `not readable YAML: ${(error as Error).message}` }] };
  }
  const validate = schemaValidator('catalogue');
  if (!validate(doc)) return { doc: null, problems: describeSchemaErrors(validate.errors) };
  const checked = doc as CatalogueDocument;
  return { doc: checked, problems: crossCheck(checked, adapterInsurerCode) };
}

function adapterInsurerCode(folder: string): string | null {
  try {
    const doc = YAML.parse(readFileSync(path.join(folder, 'adapter.yaml'), 'utf8')) as {
      insurer?: { code?: string };
    } | null;
    return doc?.insurer?.code ?? null;
  } catch {
    return null;
  }
}

/** Reads and checks an insurer's catalogue.yaml; throws CatalogueFileError naming file and path. */
export function loadCatalogueFile(
  insurer: string,
  options: AdapterLocation = {},
): { file: string; doc: CatalogueDocument } {
  const file = catalogueFileOf(insurer, options);
  const shown = shownPath(file);
  if (!existsSync(file))
    throw new CatalogueFileError(
      shown,
      '',
      'not found: write the insurer and its products there (schemas/catalogue.schema.json)',
    );
  const { doc, problems } = checkCatalogueFile(file, adapterInsurerCode(path.dirname(file)));
  if (problems.length || !doc) {
    const first = problems[0] ?? { path: '', message: 'not a catalogue' };
    const more =
      problems.length > 1
        ? ` (and ${problems.length - 1} more: ${problems
            .slice(1)
            .map((p) => `${p.path} ${p.message}`)
            .join('; ')})`
        : '';
    throw new CatalogueFileError(shown, first.path, first.message + more);
  }
  return { file: shown, doc };
}

export interface SyncReport {
  insurer: string;
  file: string;
  /** What happened to the insurer's own record. */
  insurerAction: 'added' | 'changed' | 'unchanged';
  /** The insurer's fields that changed. */
  insurerChanges: string[];
  added: string[];
  changed: { code: string; fields: string[] }[];
  unchanged: string[];
  /** Products in the database the file does not list: left as they are. */
  notInFile: string[];
  /** False when the database already held exactly what the file says. */
  changedAnything: boolean;
}

/**
 * Creates or updates the insurer and its products from adapters/<insurer>/catalogue.yaml, in one
 * transaction, each write audited with `recordedBy` and the reason (default: the file's name).
 */
export async function syncCatalogue(
  database: Database,
  insurer: string,
  options: AdapterLocation & { recordedBy: string; reason?: string; at?: Date },
): Promise<SyncReport> {
  const { file, doc } = loadCatalogueFile(insurer, options);
  const who = {
    recordedBy: options.recordedBy,
    reason: options.reason?.trim() || `synchronised from ${file}`,
    at: options.at ?? new Date(),
  };
  // Two syncs of one insurer at once: the later one meets the earlier's insurer or products on their
  // unique keys (409), and its transaction is gone; it runs once more and finds them there.
  for (let attempt = 1; ; attempt++) {
    try {
      return await syncInTransaction(database, file, doc, who);
    } catch (error) {
      const raced = error instanceof CatalogueError && error.statusCode === 409;
      if (!raced || attempt >= 2 || database.db.isTransaction) throw error;
    }
  }
}

async function syncInTransaction(
  database: Database,
  file: string,
  doc: CatalogueDocument,
  who: { recordedBy: string; reason: string; at: Date },
): Promise<SyncReport> {
  const i = doc.insurer;
  const insurerFields = {
    name: i.name,
    companyCode: i.companyCode ?? null,
    contactPerson: i.contacts?.person ?? null,
    contactEmail: i.contacts?.email ?? null,
    contactPhone: i.contacts?.phone ?? null,
    active: i.active ?? true,
  };
  return inTransaction(database, async (tx) => {
    const report: SyncReport = {
      insurer: i.code,
      file,
      insurerAction: 'unchanged',
      insurerChanges: [],
      added: [],
      changed: [],
      unchanged: [],
      notInFile: [],
      changedAnything: false,
    };
    if (!(await findInsurer(tx, i.code))) {
      await addInsurer(tx, { code: i.code, ...insurerFields }, who);
      report.insurerAction = 'added';
    } else {
      const { changed } = await updateInsurer(tx, i.code, insurerFields, who);
      if (changed.length) {
        report.insurerAction = 'changed';
        report.insurerChanges = changed;
      }
    }
    const existing = new Map((await productsOf(tx, i.code)).map((p) => [p.code, p]));
    for (const p of doc.products) {
      const fields: ProductFields = {
        name: p.name,
        productGroup: p.productGroup,
        lineOfBusiness: p.lineOfBusiness ?? null,
        termYears: p.termYears ?? null,
        firstYearRatePct: normaliseRate(p.firstYearRatePct),
        renewalRatePct: normaliseRate(p.renewalRatePct),
        active: p.active ?? true,
        validFrom: p.validFrom ?? null,
        validTo: p.validTo ?? null,
      };
      if (!existing.has(p.code)) {
        await addProduct(tx, i.code, { code: p.code, ...fields }, who);
        report.added.push(p.code);
      } else {
        const { changed } = await updateProduct(tx, i.code, p.code, fields, who);
        if (changed.length) report.changed.push({ code: p.code, fields: changed });
        else report.unchanged.push(p.code);
      }
    }
    const listed = new Set(doc.products.map((p) => p.code));
    report.notInFile = [...existing.keys()].filter((code) => !listed.has(code));
    report.changedAnything =
      report.insurerAction !== 'unchanged' || report.added.length + report.changed.length > 0;
    return report;
  });
}

/** The report in a few lines for people (the CLI prints it). */
export function describeSync(report: SyncReport): string[] {
  const lines = [`${report.insurer} from ${report.file}:`];
  if (!report.changedAnything) {
    lines.push(
      `  nothing to change: the database already holds the insurer and its ${report.unchanged.length} products`,
    );
  } else {
    lines.push(
      `  insurer ${report.insurerAction}${report.insurerChanges.length ? ` (${report.insurerChanges.join(', ')})` : ''}`,
    );
    if (report.added.length) lines.push(`  added: ${report.added.join(', ')}`);
    for (const c of report.changed) lines.push(`  changed: ${c.code} (${c.fields.join(', ')})`);
    if (report.unchanged.length) lines.push(`  left as they were: ${report.unchanged.join(', ')}`);
  }
  if (report.notInFile.length)
    lines.push(`  in the database but not in the file (left as they are): ${report.notInFile.join(', ')}`);
  return lines;
}
