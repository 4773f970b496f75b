/**
 * Users and authentication: users with one role each, passwords hashed with scrypt, browser
 * sessions and programs' API tokens (both kept only hashed), a lockout after repeated failed
 * logins that holds across processes, and the data scope of the manager and consultant roles.
 * Owns the tables of migrations/0600_users.ts; every change is audited.
 *
 *     const { user, password } = await createUser(database, { login: 'admin', role: 'administrator' }, 'cli:root');
 *     const session = await login(database, { login: 'admin', password });
 *     const principal = await resolveSession(database, session.sessionSecret);
 */
export {
  ROLES,
  PERMISSIONS,
  ROUTE_PERMISSIONS,
  ROLE_PERMISSIONS,
  ROLE_DESCRIPTIONS,
  isRole,
  isRoutePermission,
  roleAllows,
  type Role,
  type Permission,
  type RoutePermission,
} from './roles';
export {
  hashPassword,
  verifyPassword,
  generatePassword,
  passwordProblem,
  PASSWORD_MIN_LENGTH,
  SCRYPT_PARAMETERS,
} from './password';
export { AuthError, LoginRefusedError } from './errors';
export { LOCKOUT, lockedFor } from './lockout';
export {
  createUser,
  listUsers,
  findUser,
  findUserById,
  setUserDisabled,
  resetPassword,
  changePassword,
  countUsers,
  normalizeLogin,
  LOGIN_PATTERN,
  type User,
  type NewUser,
} from './users';
export {
  login,
  resolveSession,
  endSession,
  createApiToken,
  listApiTokens,
  revokeApiToken,
  resolveApiToken,
  SESSION_HOURS,
  TOKEN_PREFIX,
  type Principal,
  type LoginResult,
  type ApiTokenView,
} from './credentials';
export {
  scopeOf,
  visibleConsultants,
  seesConsultant,
  seesMoneyOf,
  seesMoneyOfCode,
  type DataScope,
  type VisibleConsultants,
} from './scope';
export type { AuthStore, AuthDB } from './tables';
