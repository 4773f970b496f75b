/** Every change to users, passwords and tokens goes to the audit log (src/audit). */
import { recordAudit } from '../audit';
import type { Database } from '../db';
import type { AuthStore } from './tables';

export async function auditUserChange(
  store: AuthStore,
  entry: {
    actor: string;
    action: string;
    login: string;
    before: unknown;
    after: unknown;
    reason?: string | null;
  },
): Promise<void> {
  await recordAudit(store.db, store as unknown as Database, {
    actor: entry.actor,
    action: entry.action,
    entityKind: 'user',
    entityId: entry.login,
    before: entry.before,
    after: entry.after,
    reason: entry.reason ?? null,
  });
}
