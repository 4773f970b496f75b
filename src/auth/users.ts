/**
 * Users: create (with a password given or generated), list, disable/enable, reset a password (an
 * administrator), change one's own password (the current one required). Every change is audited;
 * disabling a user or setting their password ends their browser sessions.
 */
import { sql } from 'kysely';
import { auditUserChange } from './audit';
import { AuthError, conflict, notFound, refused } from './errors';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from './password';
import { isRole, type Role } from './roles';
import { recordLoginFailure, lockedFor } from './lockout';
import { type AuthStore, authDb } from './tables';

export interface User {
  id: number;
  login: string;
  displayName: string;
  role: Role;
  /** The consultant a consultant's login reads as. */
  consultantId: number | null;
  consultantCode: string | null;
  /** The unit a manager reads (with its sub-units). */
  unitId: number | null;
  unitCode: string | null;
  disabled: boolean;
  hasPassword: boolean;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface NewUser {
  login: string;
  role: string;
  displayName?: string;
  /** For the consultant role: the consultant's code. */
  consultantCode?: string;
  /** For the manager role: the unit's code. */
  unitCode?: string;
  /** Left out: a password is generated and returned once. */
  password?: string;
}

/** Logins are kept in lower case: letters, digits and . _ @ - (1–100 characters). */
export const LOGIN_PATTERN = /^[a-z0-9][a-z0-9._@-]{0,99}$/;

export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase();
}

/** Runs work in the store's transaction, or a new one. */
export function inTx<T>(store: AuthStore, work: (tx: AuthStore) => Promise<T>): Promise<T> {
  if (store.db.isTransaction) return work(store);
  return store.db.transaction().execute((trx) => work({ ...store, db: trx }));
}

function userQuery(store: AuthStore) {
  return authDb(store)
    .selectFrom('auth_user as u')
    .leftJoin('consultant as c', 'c.id', 'u.consultant_id')
    .leftJoin('unit as n', 'n.id', 'u.unit_id')
    .select([
      'u.id',
      'u.login',
      'u.display_name',
      'u.role',
      'u.consultant_id',
      'c.code as consultant_code',
      'u.unit_id',
      'n.code as unit_code',
      'u.disabled',
      'u.password_hash',
      'u.created_at',
      'u.created_by',
      'u.updated_at',
      'u.updated_by',
    ]);
}

type UserRow = Awaited<ReturnType<ReturnType<typeof userQuery>['executeTakeFirstOrThrow']>>;

function toUser(r: UserRow): User {
  return {
    id: Number(r.id),
    login: r.login,
    displayName: r.display_name,
    role: r.role,
    consultantId: r.consultant_id === null ? null : Number(r.consultant_id),
    consultantCode: r.consultant_code ?? null,
    unitId: r.unit_id === null ? null : Number(r.unit_id),
    unitCode: r.unit_code ?? null,
    disabled: Number(r.disabled) === 1,
    hasPassword: r.password_hash !== null,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

/** What the audit log keeps of a user: never the password hash. */
function auditView(user: User) {
  return {
    login: user.login,
    displayName: user.displayName,
    role: user.role,
    consultantCode: user.consultantCode,
    unitCode: user.unitCode,
    disabled: user.disabled,
  };
}

export async function listUsers(store: AuthStore): Promise<User[]> {
  return (await userQuery(store).orderBy('u.login').execute()).map(toUser);
}

export async function findUser(store: AuthStore, login: string): Promise<User | null> {
  const row = await userQuery(store).where('u.login', '=', normalizeLogin(login)).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function findUserById(store: AuthStore, id: number): Promise<User | null> {
  const row = await userQuery(store).where('u.id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

async function requireUser(store: AuthStore, login: string): Promise<User> {
  const user = await findUser(store, login);
  if (!user) throw notFound(`no user ${normalizeLogin(login)}`);
  return user;
}

/** Creates a user; answers the user and, when none was given, the generated password (shown once). */
export async function createUser(
  store: AuthStore,
  input: NewUser,
  actor: string,
): Promise<{ user: User; password: string; generated: boolean }> {
  const login = normalizeLogin(input.login);
  if (!LOGIN_PATTERN.test(login))
    throw refused(`login '${input.login}': letters, digits and . _ @ - only, 1–100 characters`);
  if (!isRole(input.role))
    throw refused(
      `role '${input.role}': one of administrator, integration, back_office, manager, consultant`,
    );
  const role = input.role;
  if (role === 'consultant' && !input.consultantCode)
    throw refused('a consultant login needs the consultant it belongs to (consultant code)');
  if (role !== 'consultant' && input.consultantCode)
    throw refused('only a consultant login belongs to a consultant');
  if (role === 'manager' && !input.unitCode)
    throw refused('a manager login needs the unit it manages (unit code)');
  if (role !== 'manager' && input.unitCode) throw refused('only a manager login reads a unit');
  const generated = input.password === undefined;
  const password = input.password ?? generatePassword();
  const problem = passwordProblem(password);
  if (problem) throw refused(problem);
  const passwordHash = await hashPassword(password);

  return inTx(store, async (tx) => {
    const db = authDb(tx);
    let consultantId: number | null = null;
    let displayName = input.displayName?.trim() || null;
    if (input.consultantCode) {
      const consultant = await db
        .selectFrom('consultant')
        .select(['id', 'full_name'])
        .where('code', '=', input.consultantCode)
        .executeTakeFirst();
      if (!consultant) throw refused(`no consultant ${input.consultantCode}`);
      consultantId = Number(consultant.id);
      displayName ??= consultant.full_name;
    }
    let unitId: number | null = null;
    if (input.unitCode) {
      const unit = await db
        .selectFrom('unit')
        .select(['id', 'name'])
        .where('code', '=', input.unitCode)
        .executeTakeFirst();
      if (!unit) throw refused(`no unit ${input.unitCode}`);
      unitId = Number(unit.id);
    }
    const exists = await db
      .selectFrom('auth_user')
      .select('id')
      .where('login', '=', login)
      .executeTakeFirst();
    if (exists) throw conflict(`user ${login} already exists`);
    const at = new Date();
    await db
      .insertInto('auth_user')
      .values({
        login,
        display_name: displayName ?? login,
        role,
        consultant_id: consultantId,
        unit_id: unitId,
        password_hash: passwordHash,
        password_changed_at: at,
        disabled: 0,
        created_at: at,
        created_by: actor,
        updated_at: at,
        updated_by: actor,
      })
      .execute();
    const user = await requireUser(tx, login);
    await auditUserChange(tx, { actor, action: 'user.created', login, before: null, after: auditView(user) });
    return { user, password, generated };
  });
}

/** Disables (or enables again) a login; disabling ends its sessions, its tokens stop working. */
export async function setUserDisabled(
  store: AuthStore,
  login: string,
  disabled: boolean,
  actor: string,
): Promise<User> {
  return inTx(store, async (tx) => {
    const before = await requireUser(tx, login);
    const db = authDb(tx);
    await db
      .updateTable('auth_user')
      .set({ disabled: disabled ? 1 : 0, updated_at: new Date(), updated_by: actor })
      .where('id', '=', before.id)
      .execute();
    if (disabled) await db.deleteFrom('auth_session').where('user_id', '=', before.id).execute();
    const after = await requireUser(tx, login);
    await auditUserChange(tx, {
      actor,
      action: disabled ? 'user.disabled' : 'user.enabled',
      login: before.login,
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  });
}

async function storePassword(
  tx: AuthStore,
  user: User,
  password: string,
  actor: string,
  action: string,
  keepSessionId: number | null,
): Promise<void> {
  const db = authDb(tx);
  const at = new Date();
  await db
    .updateTable('auth_user')
    .set({
      password_hash: await hashPassword(password),
      password_changed_at: at,
      updated_at: at,
      updated_by: actor,
    })
    .where('id', '=', user.id)
    .execute();
  let sessions = db.deleteFrom('auth_session').where('user_id', '=', user.id);
  if (keepSessionId !== null) sessions = sessions.where('id', '<>', keepSessionId);
  await sessions.execute();
  await db.deleteFrom('auth_login_failure').where('login', '=', user.login).execute();
  await auditUserChange(tx, {
    actor,
    action,
    login: user.login,
    before: null,
    after: { passwordChangedAt: at },
  });
}

/** An administrator sets a new password (generated when none is given); the user's sessions end. */
export async function resetPassword(
  store: AuthStore,
  login: string,
  actor: string,
  password?: string,
): Promise<{ user: User; password: string; generated: boolean }> {
  const chosen = password ?? generatePassword();
  const problem = passwordProblem(chosen);
  if (problem) throw refused(problem);
  return inTx(store, async (tx) => {
    const user = await requireUser(tx, login);
    await storePassword(tx, user, chosen, actor, 'user.password_reset', null);
    return { user, password: chosen, generated: password === undefined };
  });
}

/**
 * A user changes their own password: the current one is required (a wrong one counts as a failed
 * login). Their other sessions end; the one they are using (keepSessionId) stays.
 */
export async function changePassword(
  store: AuthStore,
  userId: number,
  currentPassword: string,
  newPassword: string,
  options: { keepSessionId?: number | null; address?: string | null } = {},
): Promise<void> {
  const user = await findUserById(store, userId);
  if (!user || user.disabled) throw new AuthError('no such user', 401, 'unauthorized');
  const locked = await lockedFor(store, user.login, new Date());
  if (locked)
    throw new AuthError(
      `too many failed attempts: try again in ${Math.ceil(locked / 60)} minute(s)`,
      429,
      'too_many_requests',
    );
  const row = await authDb(store)
    .selectFrom('auth_user')
    .select('password_hash')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  if (!(await verifyPassword(currentPassword, row.password_hash))) {
    await recordLoginFailure(store, user.login, options.address ?? null, new Date());
    throw new AuthError('the current password is wrong', 403, 'forbidden');
  }
  const problem = passwordProblem(newPassword);
  if (problem) throw refused(problem);
  if (newPassword === currentPassword) throw refused('the new password is the current one');
  await inTx(store, (tx) =>
    storePassword(tx, user, newPassword, user.login, 'user.password_changed', options.keepSessionId ?? null),
  );
}

/** How many users exist (the first administrator is created from the command line). */
export async function countUsers(store: AuthStore): Promise<number> {
  const row = await authDb(store)
    .selectFrom('auth_user')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
