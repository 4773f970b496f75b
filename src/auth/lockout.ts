/**
 * Lockout after repeated failures, kept in the database so it holds across processes: 5 failed
 * logins within 15 minutes lock the login for 15 minutes from the fifth. Attempts while locked are
 * refused without checking the password and are not counted, so the lock ends on time. A successful
 * login clears the failures. Logins that do not exist are counted too (nothing tells them apart).
 */
import { type AuthStore, authDb } from './tables';

export const LOCKOUT = { failures: 5, windowMs: 15 * 60_000, lockMs: 15 * 60_000 } as const;

/** Seconds until `login` takes attempts again; 0 when it is not locked. */
export async function lockedFor(store: AuthStore, login: string, now: Date): Promise<number> {
  const recent = await authDb(store)
    .selectFrom('auth_login_failure')
    .select('failed_at')
    .where('login', '=', login)
    .where('failed_at', '>', new Date(now.getTime() - LOCKOUT.windowMs - LOCKOUT.lockMs))
    .orderBy('failed_at', 'desc')
    .orderBy('id', 'desc')
    .offset(0)
    .fetch(LOCKOUT.failures)
    .execute();
  if (recent.length < LOCKOUT.failures) return 0;
  const newest = new Date(recent[0].failed_at).getTime();
  const oldest = new Date(recent[recent.length - 1].failed_at).getTime();
  if (newest - oldest > LOCKOUT.windowMs) return 0;
  const until = newest + LOCKOUT.lockMs;
  return until > now.getTime() ? Math.ceil((until - now.getTime()) / 1000) : 0;
}

export async function recordLoginFailure(
  store: AuthStore,
  login: string,
  address: string | null,
  now: Date,
): Promise<void> {
  const db = authDb(store);
  await db.insertInto('auth_login_failure').values({ login, failed_at: now, address }).execute();
  // What no lock can need any more.
  await db
    .deleteFrom('auth_login_failure')
    .where('login', '=', login)
    .where('failed_at', '<', new Date(now.getTime() - 2 * (LOCKOUT.windowMs + LOCKOUT.lockMs)))
    .execute();
}

export async function clearLoginFailures(store: AuthStore, login: string): Promise<void> {
  await authDb(store).deleteFrom('auth_login_failure').where('login', '=', login).execute();
}
