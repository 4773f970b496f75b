/** Database access: one typed query layer over PGlite, PostgreSQL and Oracle. */
export { DatabaseBusyError, inTransaction, openDatabase, type Database, type OpenOptions } from './database';
export {
  migrate,
  appliedMigrations,
  loadMigrations,
  type Migration,
  type MigrationContext,
} from './migrator';
export { SqlDialect, type EngineName, type ColumnTypes } from './sql-dialect';
export { OracleCompileDialect, SqlRecorder } from './dialects/oracle-compile-dialect';
export { recordBitemporal, asOf, OPEN_END, STILL_KNOWN, type BitemporalChange } from './bitemporal';
export { markReportPeriods } from './report-stale';
export { kopiykyFromDecimal, decimalFromKopiyky, formatHryvnias } from './money';
export type * from './schema';
