/**
 * The typed shape of the core tables (see migrations/0001_core.ts for what each column means).
 * Money columns are exact decimal text ('1234.50') at this edge; code converts them to kopiyky with
 * `money.ts`. Dates are 'yyyy-mm-dd' text; moments are Date.
 */
import type { Generated } from 'kysely';

type Id = Generated<number>;
/** Exact decimal text from NUMERIC(18,2), e.g. '2450.50'. */
export type Decimal = string;
/** A calendar date as yyyy-mm-dd. */
export type IsoDate = string;
/** A JSON column: an object when read from PostgreSQL, text when read from Oracle; text to write. */
type Json = unknown;

interface Bitemporal {
  valid_from: IsoDate;
  valid_to: IsoDate;
  recorded_at: Date;
  superseded_at: Date;
  recorded_by: string | null;
  reason: string | null;
}

export interface InsurerTable {
  id: Id;
  code: string;
  name: string;
  company_code: string | null;
  created_at: Date;
  /** Who to call at the insurer about the exchange and the agency agreement (migration 0610). */
  contact_person: string | null;
  contact_email: string | null;
  contact_phone: string | null;
  /** 1 while the hub works with the insurer, 0 once it no longer does. */
  active: Generated<number>;
  /** Last change through the catalogue; null until the first. */
  updated_at: Date | null;
}

export interface ProductTable {
  id: Id;
  insurer_id: number;
  code: string;
  name: string;
  product_group: string;
  term_years: number | null;
  first_year_rate_pct: Decimal | null;
  renewal_rate_pct: Decimal | null;
  /** The insurer's line of business, e.g. life, motor, property (migration 0610). */
  line_of_business: string | null;
  /** 1 while it is sold. */
  active: Generated<number>;
  /** First day it is sold; null when it always was. */
  valid_from: IsoDate | null;
  /** First day it is no longer sold (exclusive); null while open. */
  valid_to: IsoDate | null;
  updated_at: Date | null;
}

export interface UnitTable {
  id: Id;
  code: string;
  name: string;
  city: string | null;
  created_at: Date;
}

export interface ConsultantTable {
  id: Id;
  code: string;
  full_name: string;
  tax_number: string | null;
  legal_form: 'individual' | 'sole_proprietor';
  email: string | null;
  phone: string | null;
  /** Postal address (0620). */
  address: string | null;
  hired_on: IsoDate;
  terminated_on: IsoDate | null;
  created_at: Date;
}

export interface UnitStructureTable extends Bitemporal {
  id: Id;
  unit_id: number;
  parent_unit_id: number | null;
  manager_consultant_id: number | null;
  /** The unit's name from valid_from (0620); null: the name in `unit`. */
  name: string | null;
}

export interface ConsultantSponsorTable extends Bitemporal {
  id: Id;
  consultant_id: number;
  sponsor_id: number | null;
}

export interface ConsultantUnitTable extends Bitemporal {
  id: Id;
  consultant_id: number;
  unit_id: number;
}

export interface CareerLevelTable {
  id: Id;
  code: string;
  name: string;
  rank_order: number;
}

export type CareerSource = 'calculation' | 'manual' | 'import' | 'initial';

export interface ConsultantCareerTable extends Bitemporal {
  id: Id;
  consultant_id: number;
  level_code: string;
  source: CareerSource;
  approved_by: string | null;
  approved_at: Date | null;
}

export type ActivityStatus = 'active' | 'inactive' | 'suspended' | 'terminated';

export interface ConsultantActivityStatusTable extends Bitemporal {
  id: Id;
  consultant_id: number;
  status: ActivityStatus;
  source: 'derived' | 'manual' | 'initial';
}

export interface PersonTable {
  id: Id;
  person_kind: 'individual' | 'company';
  full_name: string;
  tax_number: string | null;
  company_code: string | null;
  birth_date: IsoDate | null;
  created_at: Date;
  /** Contact details kept by hand (migration 0630); null where nobody entered them. */
  email?: string | null;
  phone?: string | null;
  address?: string | null;
  /** When the contact details last changed (migration 0630). */
  updated_at?: Date | null;
}

export type ApplicationStatus = 'pending' | 'sent' | 'accepted' | 'rejected' | 'issued' | 'withdrawn';

export interface ApplicationTable {
  id: Id;
  number: string;
  insurer_id: number;
  product_id: number;
  consultant_id: number;
  policyholder_id: number;
  insured_person_id: number | null;
  signed_on: IsoDate;
  sum_insured: Decimal;
  premium: Decimal;
  payment_frequency: number;
  status: ApplicationStatus;
  status_reason: string | null;
  policy_id: number | null;
  details: Json | null;
  created_at: Date;
  updated_at: Date;
  /** The cover start the client asks for (migration 0630); null on applications from before it. */
  start_on?: IsoDate | null;
  /** Who entered the application by hand (migration 0630). */
  entered_by?: string | null;
}

export interface ApplicationRegisterTable {
  id: Id;
  insurer_id: number;
  register_no: string;
  register_date: IsoDate;
  sequence_no: number;
  status: 'built' | 'sent' | 'acknowledged' | 'rejected' | 'failed';
  item_count: number;
  premium_total: Decimal;
  external_id: string | null;
  outbound_message_id: number | null;
  created_at: Date;
  sent_at: Date | null;
}

export interface ApplicationRegisterItemTable {
  id: Id;
  register_id: number;
  application_id: number;
  row_no: number;
  /** queued: in a register built but not yet delivered. */
  status: 'queued' | 'sent' | 'accepted' | 'rejected' | 'issued';
  reason: string | null;
  policy_number: string | null;
  answered_at: Date | null;
}

export interface PolicyTable {
  id: Id;
  insurer_id: number;
  number: string;
  product_id: number;
  application_id: number | null;
  created_at: Date;
}

export type PolicyStatus = 'in_force' | 'terminated' | 'expired' | 'suspended' | 'cancelled';

export interface PolicyVersionTable {
  id: Id;
  policy_id: number;
  version_no: number;
  /** The day this state takes effect; see migrations/0001_core.ts for how versions are read. */
  valid_from: IsoDate;
  recorded_at: Date;
  consultant_id: number | null;
  agent_code: string;
  policyholder_id: number;
  insured_person_id: number | null;
  issued_on: IsoDate;
  cover_start: IsoDate;
  cover_end: IsoDate;
  sum_insured: Decimal;
  annual_premium: Decimal;
  payment_frequency: number;
  status: PolicyStatus;
  status_date: IsoDate;
  amendment_id: number | null;
  source_message_id: number | null;
}

export type AmendmentKind =
  | 'sum_change'
  | 'premium_change'
  | 'frequency_change'
  | 'agent_change'
  | 'termination'
  | 'cancellation'
  | 'reinstatement';

export interface AmendmentTable {
  id: Id;
  policy_id: number;
  amendment_no: string;
  signed_on: IsoDate;
  effective_on: IsoDate;
  change_kind: AmendmentKind;
  new_value: string | null;
  details: Json | null;
  source_message_id: number | null;
  recorded_at: Date;
}

export interface PaymentScheduleTable {
  id: Id;
  policy_id: number;
  installment_no: number;
  due_on: IsoDate;
  amount: Decimal;
  policy_year: number;
}

export interface PremiumPaymentTable {
  id: Id;
  policy_id: number;
  paid_on: IsoDate;
  amount: Decimal;
  cover_from: IsoDate | null;
  cover_to: IsoDate | null;
  policy_year: number;
  external_key: string;
  source_message_id: number | null;
  source_row: number | null;
  recorded_at: Date;
  /** The insurer's id of the payment (migration 0660), when it sends one. */
  insurer_payment_id: string | null;
  /** The payment this row reverses and nets to zero against (a reversal by reference). */
  reverses_payment_id: number | null;
}

export interface CommissionStatementLineTable {
  id: Id;
  insurer_id: number;
  statement_month: string;
  policy_number: string;
  policy_id: number | null;
  paid_on: IsoDate | null;
  premium: Decimal;
  rate_pct: Decimal;
  commission: Decimal;
  external_key: string;
  source_message_id: number | null;
  source_row: number | null;
  recorded_at: Date;
}

export interface CorrespondenceMessageTable {
  id: Id;
  insurer_id: number | null;
  direction: 'inbound' | 'outbound';
  subject: string;
  sender: string;
  recipients: string;
  sent_at: Date;
  body_text: string | null;
  policy_id: number | null;
  application_id: number | null;
  thread_key: string | null;
  external_id: string | null;
  status: 'new' | 'awaiting_reply' | 'answered' | 'closed';
  exchange_message_id: number | null;
  created_at: Date;
}

export interface CorrespondenceAttachmentTable {
  id: Id;
  correspondence_id: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  content: Uint8Array;
}

export type CorrespondenceState = 'waiting_for_us' | 'waiting_for_insurer' | 'closed';

/** back-office/correspondence: a conversation with an insurer (migrations/0740_correspondence.ts). */
export interface CorrespondenceThreadTable {
  id: Id;
  insurer_id: number | null;
  subject: string;
  subject_key: string | null;
  policy_id: number | null;
  policy_number: string | null;
  application_id: number | null;
  application_number: string | null;
  consultant_id: number | null;
  consultant_code: string | null;
  state: CorrespondenceState;
  opened_by_message_id: number;
  created_at: Date;
  last_letter_at: Date;
}

/** One e-mail of a thread; the raw mail is the stored message `message_id`. */
export interface CorrespondenceLetterTable {
  id: Id;
  thread_id: number;
  message_id: number;
  direction: 'inbound' | 'outbound';
  insurer_id: number | null;
  mail_message_id: string | null;
  in_reply_to: string | null;
  mail_references: string | null;
  subject: string;
  sender: string;
  recipients: string;
  written_at: Date;
  filed_at: Date;
  sender_queue: 'pending' | 'assigned' | 'dismissed' | null;
  queue_reason: string | null;
  queue_by: string | null;
  queue_at: Date | null;
  send_status: 'not_sent' | 'sending' | 'sent' | null;
  send_error: string | null;
  send_attempts: Generated<number>;
  author: string | null;
}

export interface CorrespondenceLetterAttachmentTable {
  id: Id;
  letter_id: number;
  position: number;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
}

export interface CorrespondenceFilingLockTable {
  name: string;
}

export type PeriodStatus = 'open' | 'calculated' | 'closed';

export interface ProductionPeriodTable {
  id: Id;
  code: string;
  starts_on: IsoDate;
  ends_on: IsoDate;
  status: PeriodStatus;
  calculated_at: Date | null;
  closed_at: Date | null;
  closed_by: string | null;
}

export interface AppRoleTable {
  code: string;
  name: string;
}

export interface AppUserTable {
  id: Id;
  login: string;
  full_name: string;
  email: string | null;
  password_hash: string | null;
  consultant_id: number | null;
  status: 'active' | 'blocked';
  created_at: Date;
}

export interface AppUserRoleTable {
  user_id: number;
  role_code: string;
}

export interface AuditLogTable {
  id: Id;
  occurred_at: Date;
  actor: string;
  action: string;
  entity_kind: string;
  entity_id: string;
  before_state: Json | null;
  after_state: Json | null;
  reason: string | null;
}

export type ExchangeMessageStatus =
  'received' | 'parsed' | 'mapped' | 'applied' | 'quarantined' | 'failed' | 'sent' | 'built';

export interface ExchangeMessageTable {
  id: Id;
  insurer_id: number | null;
  channel: 'sftp' | 'rest' | 'email' | 'manual';
  direction: 'inbound' | 'outbound';
  message_type: string;
  external_name: string | null;
  external_id: string | null;
  idempotency_key: string;
  sha256: string;
  size_bytes: number;
  content_type: string | null;
  /** The bytes, when they fit one chunk; null when they are in exchange_message_chunk (0800). */
  payload: Uint8Array | null;
  status: ExchangeMessageStatus;
  status_reason: Json | null;
  replay_of_id: number | null;
  attempts: number;
  received_at: Date;
  processed_at: Date | null;
}

export type MismatchKind =
  | 'unknown_policy'
  | 'payment_unknown_policy'
  | 'premium_differs'
  | 'status_differs'
  | 'consultant_code_unknown'
  | 'commission_differs'
  | 'commission_rate_differs'
  | 'commission_amount_differs'
  | 'accepted_no_contract'
  | 'contract_without_application'
  | 'application_rejected_but_issued'
  | 'other';

export interface MismatchTable {
  id: Id;
  insurer_id: number;
  kind: MismatchKind;
  policy_number: string | null;
  policy_id: number | null;
  field: string | null;
  insurer_value: string | null;
  our_value: string | null;
  details: string | null;
  source_message_id: number | null;
  source_row: number | null;
  dedupe_key: string;
  status: 'open' | 'resolved' | 'ignored';
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
  created_at: Date;
  /** What was done (migration 0750): accept_insurer, keep_ours, link_application, … */
  action?: string | null;
  application_id?: number | null;
  consultant_id?: number | null;
  /** The message whose import removed the difference (migration 0750). */
  resolved_by_message_id?: number | null;
}

/** An insurer's agent code that means one of our consultants (migration 0750, reconciliation). */
export interface AgentCodeAliasTable {
  id: Id;
  insurer_id: number;
  agent_code: string;
  consultant_id: number;
  created_by: string;
  created_at: Date;
  mismatch_id: number | null;
}

/** A piece of a stored payload larger than one chunk; the pieces in `seq` order are the payload. */
export interface ExchangeMessageChunkTable {
  message_id: number;
  seq: number;
  bytes: Uint8Array;
}

export interface ExchangeMessageEventTable {
  id: Id;
  message_id: number;
  occurred_at: Date;
  status: string;
  detail: string | null;
}

export type RowIssueKind = 'parse' | 'mapping' | 'validation' | 'reference';

export interface ExchangeRowIssueTable {
  id: Id;
  message_id: number;
  row_no: number | null;
  field: string | null;
  kind: RowIssueKind;
  message: string;
  raw: Json | null;
  status: 'open' | 'resolved' | 'dismissed';
  created_at: Date;
}

export interface RecalculationRequestTable {
  id: Id;
  period_code: string;
  effective_on: IsoDate;
  cause_kind: string;
  cause_ref: string;
  description: string;
  dedupe_key: string;
  status: 'pending' | 'done' | 'dismissed';
  created_at: Date;
  processed_at: Date | null;
}

export interface ExchangeCursorTable {
  id: Id;
  insurer_id: number;
  cursor_name: string;
  cursor_value: string;
  updated_at: Date;
}

export interface ExchangeFetchedItemTable {
  id: Id;
  insurer_id: number;
  channel: string;
  version_key: string;
  fetched_at: Date;
}

export interface SchemaMigrationTable {
  id: string;
  applied_at: Date;
}

/** One row (id 1): moves with every change of sponsor, unit membership or unit structure (0670). */
export interface NetworkGenerationTable {
  id: number;
  generation: number | string;
}

/** src/jobs: background work a person waits for, with its state and progress (migrations/0710). */
export interface JobRecordTable {
  id: string;
  kind: string;
  subject: string;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  stage: string | null;
  done_count: number | string | null;
  total_count: number | string | null;
  active_key: string | null;
  requested_by: string | null;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  worker: string | null;
  heartbeat_at: Date | null;
  attempts: Generated<number>;
  error: string | null;
  result: unknown;
  /** What the job was asked with (migrations/0770), JSON; null for jobs that need nothing more. */
  payload?: unknown;
}

export interface DB {
  insurer: InsurerTable;
  product: ProductTable;
  unit: UnitTable;
  consultant: ConsultantTable;
  unit_structure: UnitStructureTable;
  consultant_sponsor: ConsultantSponsorTable;
  consultant_unit: ConsultantUnitTable;
  network_generation: NetworkGenerationTable;
  career_level: CareerLevelTable;
  consultant_career: ConsultantCareerTable;
  consultant_activity_status: ConsultantActivityStatusTable;
  person: PersonTable;
  application: ApplicationTable;
  application_register: ApplicationRegisterTable;
  application_register_item: ApplicationRegisterItemTable;
  policy: PolicyTable;
  policy_version: PolicyVersionTable;
  amendment: AmendmentTable;
  payment_schedule: PaymentScheduleTable;
  premium_payment: PremiumPaymentTable;
  commission_statement_line: CommissionStatementLineTable;
  correspondence_message: CorrespondenceMessageTable;
  correspondence_attachment: CorrespondenceAttachmentTable;
  correspondence_thread: CorrespondenceThreadTable;
  correspondence_letter: CorrespondenceLetterTable;
  correspondence_letter_attachment: CorrespondenceLetterAttachmentTable;
  correspondence_filing_lock: CorrespondenceFilingLockTable;
  production_period: ProductionPeriodTable;
  app_role: AppRoleTable;
  app_user: AppUserTable;
  app_user_role: AppUserRoleTable;
  audit_log: AuditLogTable;
  exchange_message: ExchangeMessageTable;
  mismatch: MismatchTable;
  agent_code_alias: AgentCodeAliasTable;
  exchange_message_event: ExchangeMessageEventTable;
  exchange_message_chunk: ExchangeMessageChunkTable;
  exchange_row_issue: ExchangeRowIssueTable;
  recalculation_request: RecalculationRequestTable;
  exchange_cursor: ExchangeCursorTable;
  exchange_fetched_item: ExchangeFetchedItemTable;
  schema_migration: SchemaMigrationTable;
  job_record: JobRecordTable;
}
