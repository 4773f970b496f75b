/**
 * Proving who one is. Browsers sign in with login and password and get a session: a random secret
 * in a cookie, of which the database keeps only the SHA-256, with an expiry. Programs use named API
 * tokens a user (or an administrator for them) creates: shown once, kept as the SHA-256, revocable.
 * Both resolve to the same Principal; a disabled user's sessions and tokens resolve to nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { auditUserChange } from './audit';
import { conflict, LoginRefusedError, notFound, refused } from './errors';
import { clearLoginFailures, lockedFor, recordLoginFailure } from './lockout';
import { verifyPassword } from './password';
import type { Role } from './roles';
import { type AuthStore, authDb } from './tables';
import { findUser, inTx, normalizeLogin, type User } from './users';

/** Who is calling, as every request sees it. */
export interface Principal {
  userId: number;
  login: string;
  displayName: string;
  role: Role;
  consultantId: number | null;
  unitId: number | null;
  via: 'session' | 'token';
  /** The session's or the token's id. */
  credentialId: number;
  /**
   * The network's generation (migration 0670) read with the credential, so that a cached scope
   * (scope.ts) knows whether the network changed without asking again.
   */
  networkGeneration?: string;
}

/** How long a browser session lasts from login. */
export const SESSION_HOURS = 12;
/** API tokens start with this, so they are recognised (and found by secret scanners). */
export const TOKEN_PREFIX = 'ecs_';

const sha256 = (secret: string) => createHash('sha256').update(secret, 'utf8').digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

function principalOf(
  r: {
    user_id: number;
    login: string;
    display_name: string;
    role: Role;
    consultant_id: number | null;
    unit_id: number | null;
    credential_id: number;
    network_generation?: unknown;
  },
  via: Principal['via'],
): Principal {
  return {
    ...(r.network_generation === undefined || r.network_generation === null
      ? {}
      : { networkGeneration: String(r.network_generation) }),
    userId: Number(r.user_id),
    login: r.login,
    displayName: r.display_name,
    role: r.role,
    consultantId: r.consultant_id === null ? null : Number(r.consultant_id),
    unitId: r.unit_id === null ? null : Number(r.unit_id),
    via,
    credentialId: Number(r.credential_id),
  };
}

export interface LoginResult {
  user: User;
  /** The cookie's value; the database keeps only its hash. */
  sessionSecret: string;
  sessionId: number;
  expiresAt: Date;
}

/**
 * Checks login and password and opens a session. Refused (LoginRefusedError) alike for an unknown
 * login, a wrong password, a disabled user or one without a password; 'locked' after repeated failures.
 */
export async function login(
  store: AuthStore,
  input: { login: string; password: string; address?: string | null },
  now: Date = new Date(),
): Promise<LoginResult> {
  const name = normalizeLogin(input.login);
  const locked = await lockedFor(store, name, now);
  if (locked) throw new LoginRefusedError('locked', locked);
  const row = await authDb(store)
    .selectFrom('auth_user')
    .select(['id', 'password_hash', 'disabled'])
    .where('login', '=', name)
    .executeTakeFirst();
  const matches = await verifyPassword(input.password, row?.password_hash ?? null);
  if (!row || !matches || Number(row.disabled) === 1) {
    await recordLoginFailure(store, name, input.address ?? null, now);
    const lockedNow = await lockedFor(store, name, now);
    if (lockedNow) {
      await auditUserChange(store, {
        actor: `address:${input.address ?? 'unknown'}`,
        action: 'user.login_locked',
        login: name,
        before: null,
        after: { lockedForSeconds: lockedNow },
      });
    }
    throw new LoginRefusedError('invalid');
  }
  const secret = newSecret();
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  const sessionId = await inTx(store, async (tx) => {
    await clearLoginFailures(tx, name);
    const db = authDb(tx);
    // Sessions that ran out are of no use to anyone.
    await db.deleteFrom('auth_session').where('expires_at', '<', now).execute();
    return tx.dialect.insertReturningId(
      tx.db,
      'auth_session',
      {
        user_id: Number(row.id),
        secret_sha256: sha256(secret),
        created_at: now,
        expires_at: expiresAt,
        address: input.address?.slice(0, 100) ?? null,
      },
      { secret_sha256: sha256(secret) },
    );
  });
  const user = (await findUser(store, name))!;
  return { user, sessionSecret: secret, sessionId, expiresAt };
}

/** What a principal is read from: the signed-in user's row. */
const PRINCIPAL_COLUMNS = [
  'u.id as user_id',
  'u.login',
  'u.display_name',
  'u.role',
  'u.consultant_id',
  'u.unit_id',
  // The network's generation rides along with the credential check every request makes.
  sql<string>`(select ${sql.ref('ng.generation')} from ${sql.table('network_generation')} ${sql.id('ng')} where ${sql.ref('ng.id')} = 1)`.as(
    'network_generation',
  ),
] as const;

/** The principal of a session cookie's secret, or null (unknown, expired, or its user disabled). */
export async function resolveSession(
  store: AuthStore,
  secret: string,
  now: Date = new Date(),
): Promise<Principal | null> {
  if (!secret || secret.length > 200) return null;
  const row = await authDb(store)
    .selectFrom('auth_session as s')
    .innerJoin('auth_user as u', 'u.id', 's.user_id')
    .select(['s.id as credential_id', ...PRINCIPAL_COLUMNS])
    .where('s.secret_sha256', '=', sha256(secret))
    .where('s.expires_at', '>', now)
    .where('u.disabled', '=', 0)
    .executeTakeFirst();
  return row ? principalOf(row, 'session') : null;
}

export async function endSession(store: AuthStore, secret: string): Promise<void> {
  await authDb(store).deleteFrom('auth_session').where('secret_sha256', '=', sha256(secret)).execute();
}

export interface ApiTokenView {
  id: number;
  name: string;
  /** The token's first characters, to tell it apart. */
  hint: string;
  createdAt: Date;
  createdBy: string;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

function tokenView(r: {
  id: number;
  name: string;
  hint: string;
  created_at: Date;
  created_by: string;
  last_used_at: Date | null;
  revoked_at: Date | null;
  revoked_by: string | null;
}): ApiTokenView {
  return {
    id: Number(r.id),
    name: r.name,
    hint: r.hint,
    createdAt: r.created_at,
    createdBy: r.created_by,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    revokedBy: r.revoked_by,
  };
}

/** Creates a named API token for `login`; the token itself is answered once and kept only hashed. */
export async function createApiToken(
  store: AuthStore,
  loginName: string,
  name: string,
  actor: string,
): Promise<{ token: string } & ApiTokenView> {
  const tokenName = name.trim();
  if (!tokenName || tokenName.length > 100) throw refused('a token needs a name of 1–100 characters');
  return inTx(store, async (tx) => {
    const user = await findUser(tx, loginName);
    if (!user) throw notFound(`no user ${normalizeLogin(loginName)}`);
    if (user.disabled) throw conflict(`user ${user.login} is disabled`);
    const token = TOKEN_PREFIX + newSecret();
    const hash = sha256(token);
    const at = new Date();
    const id = await tx.dialect.insertReturningId(
      tx.db,
      'auth_api_token',
      {
        user_id: user.id,
        name: tokenName,
        secret_sha256: hash,
        hint: token.slice(0, TOKEN_PREFIX.length + 4),
        created_at: at,
        created_by: actor,
        last_used_at: null,
        revoked_at: null,
        revoked_by: null,
      },
      { secret_sha256: hash },
    );
    await auditUserChange(tx, {
      actor,
      action: 'user.token_created',
      login: user.login,
      before: null,
      after: { tokenId: id, name: tokenName },
    });
    const view = (await listApiTokens(tx, user.login)).find((t) => t.id === id)!;
    return { token, ...view };
  });
}

export async function listApiTokens(store: AuthStore, loginName: string): Promise<ApiTokenView[]> {
  const rows = await authDb(store)
    .selectFrom('auth_api_token as t')
    .innerJoin('auth_user as u', 'u.id', 't.user_id')
    .select([
      't.id',
      't.name',
      't.hint',
      't.created_at',
      't.created_by',
      't.last_used_at',
      't.revoked_at',
      't.revoked_by',
    ])
    .where('u.login', '=', normalizeLogin(loginName))
    .orderBy('t.id')
    .execute();
  return rows.map(tokenView);
}

/** Revokes a token of `login` (404 when it has no such token; revoking twice changes nothing). */
export async function revokeApiToken(
  store: AuthStore,
  loginName: string,
  tokenId: number,
  actor: string,
): Promise<ApiTokenView> {
  return inTx(store, async (tx) => {
    const before = (await listApiTokens(tx, loginName)).find((t) => t.id === tokenId);
    if (!before) throw notFound(`no token ${tokenId} of ${normalizeLogin(loginName)}`);
    if (before.revokedAt) return before;
    const at = new Date();
    await authDb(tx)
      .updateTable('auth_api_token')
      .set({ revoked_at: at, revoked_by: actor })
      .where('id', '=', tokenId)
      .execute();
    await auditUserChange(tx, {
      actor,
      action: 'user.token_revoked',
      login: normalizeLogin(loginName),
      before: { tokenId, name: before.name },
      after: { tokenId, name: before.name, revokedAt: at },
    });
    return { ...before, revokedAt: at, revokedBy: actor };
  });
}

/** How seldom a token's last use is written down (not on every request). */
const LAST_USED_EVERY_MS = 60_000;

/** The principal of a bearer token, or null (unknown, revoked, or its user disabled). */
export async function resolveApiToken(
  store: AuthStore,
  token: string,
  now: Date = new Date(),
): Promise<Principal | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await authDb(store)
    .selectFrom('auth_api_token as t')
    .innerJoin('auth_user as u', 'u.id', 't.user_id')
    .select(['t.id as credential_id', 't.last_used_at', ...PRINCIPAL_COLUMNS])
    .where('t.secret_sha256', '=', sha256(token))
    .where('t.revoked_at', 'is', null)
    .where('u.disabled', '=', 0)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > LAST_USED_EVERY_MS) {
    await authDb(store)
      .updateTable('auth_api_token')
      .set({ last_used_at: now })
      .where('id', '=', Number(row.credential_id))
      .execute();
  }
  return principalOf(row, 'token');
}
