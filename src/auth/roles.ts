/**
 * What each role may do. Every API route declares one permission (`config: { permission }`); a
 * role holds a fixed set of them. 'public' needs no login, 'authenticated' any login (one's own
 * session, password and tokens); every other permission is held by the roles listed here.
 */

export const ROLES = ['administrator', 'integration', 'back_office', 'manager', 'consultant'] as const;
export type Role = (typeof ROLES)[number];

/** The permissions routes declare, beyond 'public' and 'authenticated'. */
export const PERMISSIONS = [
  'catalogue.read',
  'catalogue.write',
  'network.read',
  'network.write',
  'policies.read',
  'policies.write',
  'exchange.read',
  'exchange.write',
  'mismatches.read',
  'mismatches.write',
  /** Letters to and from insurers: threads, attachments, the unknown-sender queue (back office, integration). */
  'correspondence.read',
  /** Answer a thread, set its state, relink it, assign or dismiss an unknown sender. */
  'correspondence.write',
  'periods.read',
  'periods.write',
  /** Approve or reject another user's change inside a closed period (back office, administrator). */
  'changes.approve',
  'accruals.read',
  'acts.read',
  'acts.write',
  'plans.read',
  'plans.write',
  'contests.read',
  'contests.write',
  'users.admin',
  /** Management reports (sales, network, persistency, margin, collections, exchange); a manager their unit tree. */
  'reports.read',
  /** Reports sent by e-mail on a schedule: add, change, remove, send now, resend (back office, administrator). */
  'reports.schedule',
  /** The audit log: who changed what, when and why (back office, administrator). */
  'audit.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a route may declare: a permission, or 'public' (no login), or 'authenticated' (any login). */
export type RoutePermission = Permission | 'public' | 'authenticated';
export const ROUTE_PERMISSIONS: readonly RoutePermission[] = ['public', 'authenticated', ...PERMISSIONS];

export function isRoutePermission(value: unknown): value is RoutePermission {
  return typeof value === 'string' && (ROUTE_PERMISSIONS as readonly string[]).includes(value);
}

/**
 * Reads a manager and a consultant may have: nothing of exchange, nothing that changes anything.
 * Each of these routes narrows its answer to the caller's scope (src/auth/scope.ts): a manager's
 * unit and its sub-units, a consultant and their downline, and money only their own.
 */
const SCOPED_READS: readonly Permission[] = [
  'catalogue.read',
  'network.read',
  'policies.read',
  'periods.read',
  'accruals.read',
  'acts.read',
  'plans.read',
  'contests.read',
];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  /** Everything, users included. */
  administrator: PERMISSIONS,
  /** Adapters, messages, replay, runs, mismatches; reads the insurers they exchange with. */
  integration: [
    'catalogue.read',
    'exchange.read',
    'exchange.write',
    'mismatches.read',
    'mismatches.write',
    'correspondence.read',
    'correspondence.write',
  ],
  /** Network, careers, applications, policies, periods, corrections, acts, mismatches, catalogue, plans, contests. */
  back_office: PERMISSIONS.filter((p) => !p.startsWith('exchange.') && p !== 'users.admin'),
  /** Reads their unit and its sub-units; changes nothing, money least of all. */
  manager: [...SCOPED_READS, 'reports.read'],
  /** Reads their own records and their downline's; their own accruals and acts. */
  consultant: SCOPED_READS,
};

export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  administrator: 'everything, including users',
  integration: 'adapters, exchange messages, replay, runs, mismatches, correspondence with insurers',
  back_office:
    'network, careers, applications, policies, periods, corrections, acts, mismatches, catalogue, plans, contests, correspondence with insurers',
  manager: 'reads their unit and its sub-units; changes nothing',
  consultant: "reads their own records and their downline's, their own accruals and acts",
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Whether a role may use a route that declares `permission` ('public' and 'authenticated': everyone). */
export function roleAllows(role: Role, permission: RoutePermission): boolean {
  if (permission === 'public' || permission === 'authenticated') return true;
  return ROLE_PERMISSIONS[role].includes(permission);
}
