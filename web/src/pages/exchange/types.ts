/** What the exchange API answers, as the screens read it. */
export interface InsurerDesk {
  code: string;
  name: string;
  schedules: { name: string; cron: string; nextRunAt: string | null }[];
  nextRunAt: string | null;
  lastRunStartedAt: string | null;
  lastReceivedAt: string | null;
  counts: { total: number; quarantined: number; failed: number; pending: number; applied: number };
  openMismatches: number;
  recentMessages: {
    id: number;
    externalName: string | null;
    messageType: string;
    direction: string;
    status: string;
    receivedAt: string;
  }[];
}

export interface ExchangeMessage {
  id: number;
  insurerCode: string | null;
  channel: string;
  direction: 'inbound' | 'outbound';
  messageType: string;
  externalName: string | null;
  externalId: string | null;
  sha256: string;
  sizeBytes: number;
  status: string;
  statusReason: unknown;
  replayOfId: number | null;
  attempts: number;
  receivedAt: string;
  processedAt: string | null;
}

export interface Mismatch {
  id: number;
  insurerCode: string;
  kind: string;
  policyNumber: string | null;
  field: string | null;
  insurerValue: string | null;
  ourValue: string | null;
  details: string | null;
  sourceMessageId: number | null;
  sourceRow: number | null;
  status: 'open' | 'resolved' | 'ignored';
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  createdAt: string;
}
