/**
 * Oracle's adapter and SQL compiler with a driver that runs nothing and records every statement.
 * No Oracle server can run on a developer machine or in CI, so tests run the migrations and the
 * repositories through this dialect and check the Oracle SQL they produce.
 */
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
} from 'kysely';
import { OracleAdapter, OracleIntrospector, OracleQueryCompiler } from 'kysely-oracledb';

export class SqlRecorder {
  readonly statements: CompiledQuery[] = [];
  /** Rows the next queries answer with, in order; empty when exhausted. */
  readonly answers: unknown[][] = [];
  /** Answers by the statement, for code paths that need a row back (checked before `answers`). */
  respond: ((sql: string, parameters: readonly unknown[]) => unknown[] | undefined) | null = null;
  get sql(): string[] {
    return this.statements.map((s) => s.sql);
  }
  clear(): void {
    this.statements.length = 0;
  }
}

class RecordingConnection implements DatabaseConnection {
  constructor(private readonly recorder: SqlRecorder) {}
  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    this.recorder.statements.push(compiledQuery);
    const answer =
      this.recorder.respond?.(compiledQuery.sql, compiledQuery.parameters) ??
      this.recorder.answers.shift() ??
      [];
    return { rows: answer as R[] };
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('not supported while compiling');
  }
}

class RecordingDriver implements Driver {
  constructor(private readonly recorder: SqlRecorder) {}
  async init() {}
  async acquireConnection() {
    return new RecordingConnection(this.recorder);
  }
  async beginTransaction() {}
  async commitTransaction() {}
  async rollbackTransaction() {}
  async releaseConnection() {}
  async destroy() {}
}

export class OracleCompileDialect implements Dialect {
  constructor(readonly recorder: SqlRecorder) {}
  createAdapter() {
    return new OracleAdapter();
  }
  createDriver() {
    return new RecordingDriver(this.recorder);
  }
  createQueryCompiler() {
    return new OracleQueryCompiler();
  }
  createIntrospector(db: Kysely<any>) {
    return new OracleIntrospector(db as any);
  }
}
