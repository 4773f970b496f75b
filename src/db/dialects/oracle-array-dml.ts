/**
 * Oracle's array DML: one statement sent once with many rows of binds (node-oracledb's
 * `executeMany`), the way Oracle loads rows in bulk on every release the product supports (19c and
 * later). Multi-row `VALUES` lists exist only from 23ai, so the product never sends them.
 *
 * A statement for array DML is a compiled query that carries `arrayBinds` (one array of values per
 * row, in the order of its `:1 … :n` placeholders) instead of `parameters`; SqlDialect builds them.
 * Here the Oracle driver's connections send such a statement with `executeMany`; every other
 * statement goes on as before. node-oracledb reads every row to choose each bind's type and size.
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
} from 'kysely';
import { OracleDialect } from 'kysely-oracledb';

/** A one-row statement to run once per row of `arrayBinds` in one round trip. */
export interface ArrayDmlQuery extends CompiledQuery {
  readonly arrayBinds: readonly (readonly unknown[])[];
}

export function isArrayDml(query: CompiledQuery): query is ArrayDmlQuery {
  return Array.isArray((query as Partial<ArrayDmlQuery>).arrayBinds);
}

interface OracleDriverConnection extends DatabaseConnection {
  /** node-oracledb's own connection, which kysely-oracledb exposes. */
  readonly connection: {
    executeMany(sql: string, binds: unknown[][], options?: object): Promise<{ rowsAffected?: number }>;
  };
}

function withArrayDml(connection: OracleDriverConnection): DatabaseConnection {
  return new Proxy(connection, {
    // The driver's class keeps private fields: its methods and getters run on the target itself.
    get(target, property) {
      if (property !== 'executeQuery') {
        const value: unknown = Reflect.get(target, property);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async <R>(query: CompiledQuery): Promise<QueryResult<R>> => {
        if (!isArrayDml(query)) return target.executeQuery<R>(query);
        const result = await target.connection.executeMany(
          query.sql,
          query.arrayBinds.map((row) => [...row]),
          {},
        );
        return {
          rows: [],
          numAffectedRows: result.rowsAffected === undefined ? undefined : BigInt(result.rowsAffected),
        };
      };
    },
  });
}

/** kysely-oracledb's dialect whose connections also send array DML. */
export class OracleArrayDmlDialect implements Dialect {
  readonly #inner: OracleDialect;

  constructor(config: ConstructorParameters<typeof OracleDialect>[0]) {
    this.#inner = new OracleDialect(config);
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }

  createDriver(): Driver {
    const driver: Driver = this.#inner.createDriver();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () =>
      withArrayDml((await acquire()) as unknown as OracleDriverConnection);
    return driver;
  }
}
