/**
 * The OpenAPI document of the full app, linted by Redocly CLI with the repository's redocly.yaml
 * (its recommended rules): what `npm run lint:api` and test/api/openapi-lint.test.ts run.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../../src/db';
import { buildFullApi } from './full-app';

const ROOT = path.resolve(__dirname, '../../..');

/** The document `/docs/json` serves, of the app with every route area. Needs no tables. */
export async function fullOpenApiDocument(): Promise<Record<string, any>> {
  const database = await openDatabase({ engine: 'pglite', dataDir: null });
  // Kysely starts its driver on the first query, and only a started driver closes PGlite on close().
  await sql`select 1`.execute(database.db);
  try {
    const app = await buildFullApi(database);
    try {
      await app.ready();
      return JSON.parse(JSON.stringify(app.swagger())) as Record<string, any>;
    } finally {
      await app.close();
    }
  } finally {
    await database.close();
  }
}

export interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  /** A JSON pointer into the document, e.g. #/paths/~1api~1periods/get/responses */
  pointer: string;
}

export interface LintResult {
  /** Redocly's exit status: 0 when no errors. */
  status: number;
  problems: LintProblem[];
  errors: number;
  warnings: number;
  /** Where the document was written (gone after the lint unless it was kept). */
  documentPath: string;
}

function redocly(args: string[]) {
  return spawnSync(path.join(ROOT, 'node_modules', '.bin', 'redocly'), args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
}

/**
 * Writes the document to a temporary file and runs `redocly lint` on it with redocly.yaml; the file
 * is removed afterwards unless `keep` (for a person to open).
 */
export function lintDocument(
  document: object,
  options: { format?: 'json' | 'stylish'; keep?: boolean } = {},
): LintResult & { output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ecspert-openapi-'));
  const documentPath = path.join(dir, 'openapi.json');
  fs.writeFileSync(documentPath, JSON.stringify(document, null, 2));
  const format = options.format ?? 'json';
  const run = redocly([
    'lint',
    documentPath,
    '--config',
    path.join(ROOT, 'redocly.yaml'),
    `--format=${format}`,
    '--max-problems=10000',
  ]);
  if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  if (run.error) throw run.error;
  const output = `${run.stdout}${run.stderr}`;
  let problems: LintProblem[] = [];
  if (format === 'json') {
    const report = JSON.parse(run.stdout) as {
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    problems = report.problems.map((p) => ({
      ruleId: p.ruleId,
      severity: p.severity === 'error' ? 'error' : 'warn',
      message: p.message,
      pointer: p.location[0]?.pointer ?? '',
    }));
  }
  return {
    status: run.status ?? 1,
    problems,
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warn').length,
    documentPath,
    output,
  };
}
