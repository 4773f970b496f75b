/**
 * Every difference between PGlite, PostgreSQL and Oracle that the product's SQL meets lives here:
 * column types, recursive queries, inserts that need the new key, JSON, and error codes.
 * Queries elsewhere use Kysely's portable builder plus these helpers, never engine checks of their own.
 */
import {
  type ColumnDataType,
  createQueryId,
  type Expression,
  type Kysely,
  RawNode,
  sql,
  type RawBuilder,
} from 'kysely';
import type { ArrayDmlQuery } from './dialects/oracle-array-dml';
import { copyPieces, copyRows, copyStatement } from './copy-from-stdin';

/** Rows of binds per Oracle array-DML round trip. */
const ORACLE_ARRAY_ROWS = 5_000;

export type EngineName = 'pglite' | 'postgres' | 'oracle';

type DataType = ColumnDataType | Expression<unknown>;

/** Column types by meaning; migrations use these, never engine type names. */
export interface ColumnTypes {
  /** Surrogate key type (identity columns are added with `identity`). */
  id: DataType;
  /** A reference to another table's surrogate key. */
  ref: DataType;
  /** Short text with a length limit. */
  text(length: number): DataType;
  /** Text without a practical limit (letters, explanations). */
  longText: DataType;
  /** Money: NUMERIC(18,2) / NUMBER(18,2); integer kopiyky in code. */
  money: DataType;
  /** A rate or percentage with up to 6 decimals, e.g. 25.000000 for 25 %. */
  rate: DataType;
  /** A whole number. */
  int: DataType;
  /** A large whole number (counts, sizes). */
  bigint: DataType;
  /** A calendar date, no time (valid from/to, payment dates). */
  date: DataType;
  /** A moment (recorded at, received at). */
  timestamp: DataType;
  /** A JSON document. */
  json: DataType;
  /** Raw bytes (stored messages, attachments). */
  bytes: DataType;
}

const postgresTypes: ColumnTypes = {
  id: 'bigint',
  ref: 'bigint',
  text: (n) => sql`varchar(${sql.raw(String(n))})`,
  longText: 'text',
  money: sql`numeric(18,2)`,
  rate: sql`numeric(12,6)`,
  int: 'integer',
  bigint: 'bigint',
  date: 'date',
  timestamp: 'timestamptz',
  json: 'jsonb',
  bytes: 'bytea',
};

const oracleTypes: ColumnTypes = {
  id: sql`number(19)`,
  ref: sql`number(19)`,
  text: (n) => sql`varchar2(${sql.raw(String(n))} char)`,
  longText: sql`clob`,
  money: sql`number(18,2)`,
  rate: sql`number(12,6)`,
  int: sql`number(10)`,
  bigint: sql`number(19)`,
  date: 'date',
  timestamp: sql`timestamp with time zone`,
  json: sql`clob`,
  bytes: sql`blob`,
};

export class SqlDialect {
  readonly types: ColumnTypes;

  constructor(readonly engine: EngineName) {
    this.types = engine === 'oracle' ? oracleTypes : postgresTypes;
  }

  get isOracle(): boolean {
    return this.engine === 'oracle';
  }

  /**
   * A recursive common table expression. Oracle rejects `with recursive` and needs the column list
   * spelled out, so the name is always given as `tree(col1, col2, …)`.
   */
  withRecursive<DB>(db: Kysely<DB>): Kysely<DB>['withRecursive'] {
    return (this.isOracle ? db.with.bind(db) : db.withRecursive.bind(db)) as Kysely<DB>['withRecursive'];
  }

  /**
   * Inserts one row and answers its new surrogate key. PostgreSQL returns it directly; Oracle's
   * driver cannot, so the row is found again by its natural key.
   */
  async insertReturningId(
    db: Kysely<any>,
    table: string,
    values: Record<string, unknown>,
    naturalKey: Record<string, unknown>,
  ): Promise<number> {
    if (!this.isOracle) {
      const row = await db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
      return Number(row.id);
    }
    await db.insertInto(table).values(values).execute();
    let query = db.selectFrom(table).select('id');
    for (const [column, value] of Object.entries(naturalKey)) query = query.where(column, '=', value);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Inserts many rows of one table in as few statements as the engine allows. PostgreSQL takes them
   * by COPY FROM STDIN, 50,000 rows an upload, on the caller's connection (so inside its transaction;
   * see copy-from-stdin.ts): plain text the server reads without binding values one by one. PGlite
   * takes 20,000 rows as one JSON parameter and lets `json_populate_recordset` give every value the
   * table's own column type (its COPY from a blob measured slower). Oracle takes a one-row insert
   * sent once with 5,000 rows of binds (array DML, `executeMany`; see dialects/oracle-array-dml.ts),
   * which every Oracle release since 19c runs. All rows must have the same keys.
   */
  async bulkInsert(db: Kysely<any>, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    if (!rows.length) return;
    const names = Object.keys(rows[0]);
    if (this.isOracle) {
      await this.arrayInsert(db, 'insert into', table, names, rows);
      return;
    }
    if (this.engine === 'postgres') {
      const statement = copyStatement(table, names);
      for (let i = 0; i < rows.length; i += 50_000) {
        const data = copyRows(i === 0 && rows.length <= 50_000 ? rows : rows.slice(i, i + 50_000), names);
        await sql`${sql.raw(statement)}${data}`.execute(db);
      }
      return;
    }
    const columns = names.map((c) => sql.id(c));
    for (let i = 0; i < rows.length; i += 20_000) {
      const json = JSON.stringify(i === 0 && rows.length <= 20_000 ? rows : rows.slice(i, i + 20_000));
      await sql`insert into ${sql.table(table)} (${sql.join(columns)}) select ${sql.join(columns)} from json_populate_recordset(null::${sql.table(table)}, ${json})`.execute(
        db,
      );
    }
  }

  /**
   * Inserts rows produced one by one (a generator), for uploads too large to hold as objects: on
   * PostgreSQL a single COPY that pulls the rows as the server takes them, elsewhere bulkInsert in
   * batches. `columns` names the columns every row gives.
   */
  async bulkInsertEach(
    db: Kysely<any>,
    table: string,
    columns: string[],
    rows: Iterable<Record<string, unknown>>,
  ): Promise<void> {
    if (this.engine === 'postgres') {
      await sql`${sql.raw(copyStatement(table, columns))}${copyPieces(rows, columns) as unknown as string}`.execute(
        db,
      );
      return;
    }
    const insert = async (trx: Kysely<any>) => {
      let batch: Record<string, unknown>[] = [];
      for (const row of rows) {
        batch.push(row);
        if (batch.length === 20_000) {
          await this.bulkInsert(trx, table, batch);
          batch = [];
        }
      }
      await this.bulkInsert(trx, table, batch);
    };
    // All or nothing, like the single COPY: batches share the caller's transaction or one of their own.
    if (db.isTransaction) await insert(db);
    else await db.transaction().execute(insert);
  }

  /**
   * Refreshes the planner's statistics of tables filling up inside a long transaction, so that
   * look-ups keep using their indexes. PostgreSQL's ANALYZE may run inside the transaction and sees
   * its own rows. Oracle's DBMS_STATS would commit, breaking all-or-nothing, and its dynamic
   * sampling covers tables without statistics, so there it does nothing.
   */
  async refreshStatistics(db: Kysely<any>, tables: string[]): Promise<void> {
    if (this.isOracle || !tables.length) return;
    await sql`analyze ${sql.join(tables.map((t) => sql.table(t)))}`.execute(db);
  }

  /** A JSON value ready to bind (jsonb takes text; Oracle keeps it in a CLOB). */
  json(value: unknown): RawBuilder<unknown> | string | null {
    if (value === undefined || value === null) return null;
    return JSON.stringify(value);
  }

  /** Reads a JSON column: PostgreSQL parses jsonb itself, Oracle hands back text. */
  readJson<T>(value: unknown): T | null {
    if (value === null || value === undefined) return null;
    return (typeof value === 'string' ? JSON.parse(value) : value) as T;
  }

  /** PostgreSQL rolls DDL back with the transaction; Oracle commits each DDL statement at once. */
  get supportsTransactionalDdl(): boolean {
    return !this.isOracle;
  }

  async tableExists(db: Kysely<any>, table: string): Promise<boolean> {
    const result = this.isOracle
      ? await sql<{ n: number }>`select count(*) as "n" from user_tables where table_name = ${table}`.execute(
          db,
        )
      : await sql<{
          n: number;
        }>`select count(*)::int as "n" from information_schema.tables where table_schema = current_schema() and table_name = ${table}`.execute(
          db,
        );
    return Number(result.rows[0]?.n ?? 0) > 0;
  }

  /**
   * Runs the migrations under a lock so that two processes starting at once do not both apply them.
   * PostgreSQL takes a session advisory lock on one pinned connection; PGlite has a single session
   * already; Oracle serialises on the ledger table's DDL.
   */
  async withMigrationLock<T>(db: Kysely<any>, work: (db: Kysely<any>) => Promise<T>): Promise<T> {
    if (this.engine !== 'postgres') return work(db);
    return db.connection().execute(async (pinned) => {
      await sql`select pg_advisory_lock(7321001)`.execute(pinned);
      try {
        return await work(pinned);
      } finally {
        await sql`select pg_advisory_unlock(7321001)`.execute(pinned);
      }
    });
  }

  /**
   * Inserts rows, leaving out those whose key a unique index already holds, also when another
   * transaction inserted it a moment ago: `on conflict do nothing` on PostgreSQL and PGlite (a row
   * another transaction has not committed yet is waited for, then left out), the
   * IGNORE_ROW_ON_DUPKEY_INDEX hint on Oracle. Rows go in the order given: sort them by the key so
   * that two writers take the same keys in the same order. All rows must have the same keys.
   */
  async insertIgnoringDuplicates(
    db: Kysely<any>,
    table: string,
    rows: readonly Record<string, unknown>[],
    unique: { columns: string[]; index: string },
  ): Promise<void> {
    if (!rows.length) return;
    if (this.isOracle) {
      // Quoted: the schema's names are lower case, which Oracle keeps only in quotes.
      const hint = `insert /*+ IGNORE_ROW_ON_DUPKEY_INDEX("${table}", "${unique.index}") */ into`;
      await this.arrayInsert(db, hint, table, Object.keys(rows[0]), rows);
      return;
    }
    for (let i = 0; i < rows.length; i += 1000) {
      const part = rows.slice(i, i + 1000) as Record<string, unknown>[];
      await db
        .insertInto(table)
        .values(part)
        .onConflict((oc) => oc.columns(unique.columns as never[]).doNothing())
        .execute();
    }
  }

  /**
   * Oracle's bulk insert: `<insert> "table" (cols) values (:1, …, :n)` sent once per 5,000 rows with
   * those rows' values as array binds (one round trip each; no multi-row VALUES, which only 23ai has).
   */
  private async arrayInsert(
    db: Kysely<any>,
    insert: string,
    table: string,
    names: string[],
    rows: readonly Record<string, unknown>[],
  ): Promise<void> {
    const columns = names.map((n) => `"${n}"`).join(', ');
    const placeholders = names.map((_, k) => `:${k + 1}`).join(', ');
    const statement = `${insert} "${table}" (${columns}) values (${placeholders})`;
    for (let i = 0; i < rows.length; i += ORACLE_ARRAY_ROWS) {
      const arrayBinds = rows.slice(i, i + ORACLE_ARRAY_ROWS).map((row) => names.map((n) => row[n] ?? null));
      const query: ArrayDmlQuery = {
        sql: statement,
        parameters: [],
        arrayBinds,
        query: RawNode.createWithSql(statement),
        queryId: createQueryId(),
      };
      await db.executeQuery(query);
    }
  }

  /** True when the error is a unique constraint violation (a duplicate). */
  isUniqueViolation(error: unknown): boolean {
    const e = error as { code?: string; errorNum?: number; message?: string };
    return e?.code === '23505' || e?.errorNum === 1 || /ORA-00001/.test(e?.message ?? '');
  }

  /**
   * Whether the database gave up on the transaction only because another ran at the same time
   * (a deadlock or a serialization failure): the whole transaction may simply be tried again.
   */
  isConcurrencyAbort(error: unknown): boolean {
    const e = error as { code?: string; errorNum?: number; message?: string };
    return (
      e?.code === '40P01' || e?.code === '40001' || e?.errorNum === 60 || /ORA-00060/.test(e?.message ?? '')
    );
  }
}
