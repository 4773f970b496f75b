/**
 * Users of the hub and how they prove who they are (src/auth owns these tables): one role per user,
 * the consultant a consultant's login reads as, the unit a manager reads; browser sessions and
 * programs' API tokens, both kept only as the SHA-256 of the secret; and failed logins, kept so the
 * lockout holds across processes.
 *
 * The core's app_role/app_user/app_user_role tables (0001) are not used by the hub: these replace them.
 */
import { type ColumnDefinitionBuilder, sql } from 'kysely';
import type { MigrationContext } from '../src/db/migrator';

const identity = (c: ColumnDefinitionBuilder) => c.primaryKey().generatedByDefaultAsIdentity();
const notNull = (c: ColumnDefinitionBuilder) => c.notNull();

export async function up({ db, types: t }: MigrationContext): Promise<void> {
  await db.schema
    .createTable('auth_user')
    .addColumn('id', t.id, identity)
    .addColumn('login', t.text(100), (c) => c.notNull().unique())
    .addColumn('display_name', t.text(300), notNull)
    .addColumn('role', t.text(40), (c) =>
      c
        .notNull()
        .check(
          sql`${sql.ref('role')} in ('administrator', 'integration', 'back_office', 'manager', 'consultant')`,
        ),
    )
    .addColumn('consultant_id', t.ref, (c) => c.references('consultant.id'))
    .addColumn('unit_id', t.ref, (c) => c.references('unit.id'))
    // scrypt$N$r$p$salt$hash (base64); null: no password yet, the login cannot sign in.
    .addColumn('password_hash', t.text(300))
    .addColumn('password_changed_at', t.timestamp)
    .addColumn('disabled', t.int, (c) =>
      c
        .notNull()
        .defaultTo(0)
        .check(sql`${sql.ref('disabled')} in (0, 1)`),
    )
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('created_by', t.text(100), notNull)
    .addColumn('updated_at', t.timestamp, notNull)
    .addColumn('updated_by', t.text(100), notNull)
    .execute();

  await db.schema
    .createTable('auth_session')
    .addColumn('id', t.id, identity)
    .addColumn('user_id', t.ref, (c) => c.notNull().references('auth_user.id'))
    .addColumn('secret_sha256', t.text(64), (c) => c.notNull().unique())
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('expires_at', t.timestamp, notNull)
    .addColumn('address', t.text(100))
    .execute();
  await db.schema.createIndex('auth_session_user_ix').on('auth_session').column('user_id').execute();

  await db.schema
    .createTable('auth_api_token')
    .addColumn('id', t.id, identity)
    .addColumn('user_id', t.ref, (c) => c.notNull().references('auth_user.id'))
    .addColumn('name', t.text(100), notNull)
    .addColumn('secret_sha256', t.text(64), (c) => c.notNull().unique())
    // The first characters of the token, to tell tokens apart in a list without showing them.
    .addColumn('hint', t.text(20), notNull)
    .addColumn('created_at', t.timestamp, notNull)
    .addColumn('created_by', t.text(100), notNull)
    .addColumn('last_used_at', t.timestamp)
    .addColumn('revoked_at', t.timestamp)
    .addColumn('revoked_by', t.text(100))
    .execute();
  await db.schema.createIndex('auth_api_token_user_ix').on('auth_api_token').column('user_id').execute();

  await db.schema
    .createTable('auth_login_failure')
    .addColumn('id', t.id, identity)
    .addColumn('login', t.text(100), notNull)
    .addColumn('failed_at', t.timestamp, notNull)
    .addColumn('address', t.text(100))
    .execute();
  await db.schema
    .createIndex('auth_login_failure_ix')
    .on('auth_login_failure')
    .columns(['login', 'failed_at'])
    .execute();
}
