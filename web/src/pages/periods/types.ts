/** What the periods' API answers (src/api/routes/back-office/schemas.ts and screens.ts); money in kopiyky. */

export interface PeriodSummary {
  code: string;
  startsOn: string;
  endsOn: string;
  status: 'open' | 'calculated' | 'closed';
  calculatedAt: string | null;
  closedAt: string | null;
  closedBy: string | null;
  pendingRequests: number;
}

export interface Blocker {
  kind: string;
  message: string;
  ref?: number | string;
  facts?: Record<string, string | null>;
}

export interface CalculationFigures {
  runId: number | null;
  preview: boolean;
  periodCode: string;
  planCode: string;
  planVersion: string;
  fingerprint: string;
  lineCount: number;
  totalKop: number;
  byKind: Record<string, number>;
  missing: { kind: string; reason: string }[];
  careerDecisions: unknown[];
}

export interface CalculationJob {
  id: string;
  periodCode: string;
  preview: boolean;
  status: 'running' | 'done' | 'failed';
  /** The job record's state (a queued calculation): queued, running, succeeded, failed, cancelled. */
  state?: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedBy?: string | null;
  done?: number | null;
  total?: number | null;
  startedAt: string;
  finishedAt: string | null;
  elapsedMs: number;
  stages: string[];
  stage: string | null;
  stageIndex: number;
  stageCount: number;
  error: { error: string; message: string } | null;
  result: CalculationFigures | null;
}

export interface EngineLine {
  lineNo: number;
  consultantId: number;
  kind: string;
  rule: string;
  baseKop: number;
  rate: string;
  amountKop: number;
  explanation: string;
}

export interface LedgerLine extends EngineLine {
  id: number;
  consultantCode: string;
  correctsPeriod: string | null;
  stornoOfAccrualId: number | null;
  cause: string | null;
}

export interface AccrualTotals {
  lines: number;
  totalKop: number;
  byKind: { kind: string; lines: number; totalKop: number }[];
}

export interface RegisterRow {
  number: string;
  date: string;
  consultantCode: string;
  fullName: string;
  grossKop: number;
  pdfoKop: number;
  militaryLevyKop: number;
  netKop: number;
}

export interface ActsRegister {
  period: string;
  rows: RegisterRow[];
  totals: { acts: number; grossKop: number; pdfoKop: number; militaryLevyKop: number; netKop: number };
}

export interface PendingRequest {
  id: number;
  periodCode: string;
  effectiveOn: string;
  causeKind: string;
  causeRef: string;
  createdAt: string;
}

export interface CorrectionLine {
  correctsPeriod: string;
  postedIn: string;
  kind: 'storno' | 'additional';
  consultantCode: string;
  rule: string;
  amountKop: number;
  stornoOfAccrualId: number | null;
  explanation: string;
  cause: string;
}

export interface CorrectionReport {
  preview: boolean;
  postedIn: string | null;
  requests: { id: number; periodCode: string; causeKind: string; description: string }[];
  periods: {
    period: string;
    runId: number | null;
    lines: CorrectionLine[];
    stornoKop: number;
    additionalKop: number;
    careerAdjustments: {
      consultantCode: string;
      validFrom: string;
      fromLevel: string | null;
      toLevel: string;
      why: string;
    }[];
  }[];
  byConsultant: { consultantCode: string; stornoKop: number; additionalKop: number; netKop: number }[];
  stornoKop: number;
  additionalKop: number;
  netKop: number;
}

/** A background job's record (GET /api/jobs/:id). */
export interface JobRecord {
  id: string;
  kind: string;
  subject: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  stage: string | null;
  done: number | null;
  total: number | null;
  requestedBy: string | null;
  error: string | null;
  /** Of a period's acts job that succeeded: its counts and whether the acts equal the ledger. */
  outcome?: {
    issued: number;
    alreadyIssued: number;
    nothingToPay: number;
    balanced: boolean;
    differences: number;
  } | null;
}

/** POST /api/periods/:code/acts/jobs: the acts job, with its stages. */
export interface ActsJob extends JobRecord {
  stages: string[];
  duplicate?: boolean;
}

/** GET /api/periods/:code */
export interface PeriodWithJob {
  code: string;
  status: string;
  calculationJob: JobRecord | null;
}
