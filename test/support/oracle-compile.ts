/**
 * No Oracle server can run here: the Oracle suites compile the code's SQL with Oracle's dialect
 * into a recorder (nothing is sent anywhere) and check each statement for what Oracle would reject.
 * This is their shared set-up: a Database over that dialect, and the check.
 */
import { Kysely } from 'kysely';
import { type Database, type DB, OracleCompileDialect, SqlDialect, SqlRecorder } from '../../src/db';

/**
 * A Database whose every statement is compiled for Oracle and recorded (`recorder.sql`), answering
 * what `respond` says (rows for a statement, or undefined for none).
 */
export function oracleCompileDatabase(respond?: SqlRecorder['respond']): {
  database: Database;
  recorder: SqlRecorder;
} {
  const recorder = new SqlRecorder();
  if (respond) recorder.respond = respond;
  const db = new Kysely<DB>({ dialect: new OracleCompileDialect(recorder) });
  return {
    recorder,
    database: {
      db,
      dialect: new SqlDialect('oracle'),
      describe: 'oracle (compile only)',
      ping: async () => true,
      close: () => db.destroy(),
    },
  };
}

/** What PostgreSQL accepts and Oracle does not. */
export const POSTGRES_ONLY: [RegExp, string][] = [
  [/\blimit\b/i, 'LIMIT (Oracle pages with OFFSET … FETCH NEXT)'],
  [/\bwith recursive\b/i, 'WITH RECURSIVE'],
  [/\breturning\b/i, 'RETURNING without INTO'],
  [/::/, 'a :: cast'],
  [/\b(jsonb|bytea|timestamptz|boolean|serial|bigserial)\b/i, 'a PostgreSQL-only type'],
  [/\bif (not )?exists\b/i, 'IF [NOT] EXISTS'],
  [/\$\d/, 'a $n placeholder'],
  [/\bilike\b/i, 'ILIKE'],
  [/check \((?!")/, 'an unquoted column in a check (Oracle folds it to upper case)'],
  [/\bcurrent_schema\b|information_schema/i, 'a PostgreSQL catalog'],
  [/^select\b(?![\s\S]*\bfrom\b)/i, 'a SELECT without FROM (Oracle before 23ai needs FROM dual)'],
  [
    /\bvalues\s*\((?:[^()']|'[^']*')*\)\s*,\s*\(/i,
    'a multi-row VALUES list (Oracle 23ai only; 19c takes array DML)',
  ],
];

/** Fails naming the statement and what Oracle would reject in it; also when there is no statement. */
export function expectOracleSql(statements: string[], rejected: [RegExp, string][] = POSTGRES_ONLY): void {
  expect(statements.length).toBeGreaterThan(0);
  for (const statement of statements)
    for (const [pattern, what] of rejected)
      if (pattern.test(statement)) throw new Error(`Oracle would reject ${what} in:\n${statement}`);
}
