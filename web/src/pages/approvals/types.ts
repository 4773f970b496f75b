/** A change request as GET /api/approvals answers it. */
export interface ChangeRequest {
  id: number;
  kind: 'career_change' | 'sponsor_change' | 'unit_change' | 'transfer';
  consultantCode: string;
  effectiveOn: string;
  closedPeriod: string;
  change: Record<string, unknown>;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  proposedBy: string;
  proposedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  result: Record<string, unknown> | null;
}

export const CHANGE_KINDS = ['transfer', 'sponsor_change', 'unit_change', 'career_change'] as const;
export const REQUEST_STATUSES = ['pending', 'approved', 'rejected'] as const;
