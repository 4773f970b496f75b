/** Table types of migrations/0600_users.ts, beside the core's tables the module reads (consultant, unit, network). */
import type { Generated, Kysely } from 'kysely';
import type { Database, DB } from '../db';
import type { SqlDialect } from '../db/sql-dialect';
import type { Role } from './roles';

export interface AuthUserTable {
  id: Generated<number>;
  login: string;
  display_name: string;
  role: Role;
  consultant_id: number | null;
  unit_id: number | null;
  password_hash: string | null;
  password_changed_at: Date | null;
  disabled: number;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

export interface AuthSessionTable {
  id: Generated<number>;
  user_id: number;
  secret_sha256: string;
  created_at: Date;
  expires_at: Date;
  address: string | null;
}

export interface AuthApiTokenTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  secret_sha256: string;
  hint: string;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}

export interface AuthLoginFailureTable {
  id: Generated<number>;
  login: string;
  failed_at: Date;
  address: string | null;
}

export interface AuthDB extends DB {
  auth_user: AuthUserTable;
  auth_session: AuthSessionTable;
  auth_api_token: AuthApiTokenTable;
  auth_login_failure: AuthLoginFailureTable;
}

/** What the module needs of a database: the query builder (or a transaction of it) and the dialect. */
export interface AuthStore {
  db: Kysely<any>;
  dialect: SqlDialect;
}

export function authDb(store: AuthStore | Database): Kysely<AuthDB> {
  return store.db as unknown as Kysely<AuthDB>;
}
