/** The audit trail lives in src/audit (its one writer); the network's files and its index pass it on. */
export { recordAudit, type AuditEntry } from '../../src/audit';
