/**
 * Wraps any Kysely dialect so that a lost connection, wherever it shows (taking a connection from
 * the pool, a statement, begin/commit/rollback, a streamed result), marks the database down and
 * reaches the caller as one DatabaseUnavailableError; any statement that succeeds marks it up again.
 * Errors of the statement itself (a unique key, a bad value) pass through unchanged.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import type { AvailabilityMonitor } from '../availability';

class MonitoredConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly monitor: AvailabilityMonitor,
  ) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    try {
      const result = await this.inner.executeQuery<R>(compiledQuery);
      this.monitor.markUp();
      return result;
    } catch (error) {
      throw this.monitor.observe(error);
    }
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize?: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(compiledQuery, chunkSize);
    } catch (error) {
      throw this.monitor.observe(error);
    }
  }
}

type SavepointCall = (
  connection: DatabaseConnection,
  savepointName: string,
  compileQuery: QueryCompiler['compileQuery'],
) => Promise<void>;

class MonitoredDriver implements Driver {
  savepoint?: SavepointCall;
  rollbackToSavepoint?: SavepointCall;
  releaseSavepoint?: SavepointCall;

  constructor(
    private readonly inner: Driver,
    private readonly monitor: AvailabilityMonitor,
  ) {
    // Only the savepoint calls the inner driver has, so Kysely's checks for them stay true.
    for (const name of ['savepoint', 'rollbackToSavepoint', 'releaseSavepoint'] as const) {
      const call = inner[name]?.bind(inner);
      if (call)
        this[name] = (connection, savepointName, compileQuery) =>
          this.guard(() => call(unwrap(connection), savepointName, compileQuery));
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.monitor.observe(error);
    }
  }

  init(): Promise<void> {
    return this.guard(() => this.inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new MonitoredConnection(await this.guard(() => this.inner.acquireConnection()), this.monitor);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(unwrap(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.rollbackTransaction(unwrap(connection)));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof MonitoredConnection ? connection.inner : connection;
}

export class MonitoredDialect implements Dialect {
  constructor(
    private readonly inner: Dialect,
    private readonly monitor: AvailabilityMonitor,
  ) {}

  createAdapter() {
    return this.inner.createAdapter();
  }

  createDriver(): Driver {
    return new MonitoredDriver(this.inner.createDriver(), this.monitor);
  }

  createQueryCompiler() {
    return this.inner.createQueryCompiler();
  }

  createIntrospector(db: Kysely<any>) {
    return this.inner.createIntrospector(db);
  }
}
