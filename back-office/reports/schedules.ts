/**
 * Reports sent by e-mail on a schedule (migrations/0780_report_schedules.ts). A schedule names a
 * report (a management report or a consultant's), its filters with a range of periods relative to
 * the run ("the last 12 periods", "the previous period"), the formats (XLSX, PDF), the recipients,
 * a cron in Kyiv time, and its owner: the user whose scope the report is rendered with, never more
 * than that user may see today (a manager's schedule holds their unit tree only; an owner disabled
 * or without the right to the report gets nothing rendered, the delivery failed saying so).
 *
 * A run renders the report once, composes one mail per recipient (Ukrainian subject, the files
 * attached), STORES the exact bytes of each mail as a delivery first ("nothing is lost"), and only
 * then sends it over SMTP with the intermediary's mail settings (schedules-mail.ts). Each delivery
 * is sent, or failed with the server's answer, and a failed one can be sent again, byte for byte.
 *
 * Two processes at once send a run once: a due run is claimed by moving the schedule's next_run_at
 * with a conditional update (one of them wins), a delivery is claimed pending/failed → sending the
 * same way, and a unique index on (schedule, trigger, run, recipient) stops a second copy.
 */
import { createHash } from 'node:crypto';
import { Cron } from 'croner';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../src/audit';
import { findUserById, roleAllows, scopeOf, visibleConsultants } from '../../src/auth';
import type { Database, DB } from '../../src/db';
import { composeMail, SmtpSender } from '../../src/exchange/transports/email';
import { consultantReport } from './consultant';
import { reportPdf, reportXlsx } from './exports';
import { isManagementReport, managementReport, MANAGEMENT_REPORTS } from './management';
import { type Report, ReportError, type ReportFilters, shiftPeriod } from './report';
import type { ReportMailSettings } from './schedules-mail';

export const SCHEDULE_TIMEZONE = 'Europe/Kyiv';
export const SCHEDULE_FORMATS = ['xlsx', 'pdf'] as const;
export type ScheduleFormat = (typeof SCHEDULE_FORMATS)[number];
export const SCHEDULED_REPORTS = [...MANAGEMENT_REPORTS, 'consultant'] as const;
export const MAX_RECIPIENTS = 50;

export class ScheduleError extends Error {
  constructor(
    readonly kind: 'not_found' | 'forbidden' | 'invalid' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

interface ReportScheduleTable {
  id: number;
  name: string;
  report: string;
  consultant_code: string | null;
  filters: string;
  formats: string;
  recipients: string;
  cron: string;
  active: number;
  owner_user_id: number;
  owner_login: string;
  next_run_at: Date | null;
  last_run_at: Date | null;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
  removed_at: Date | null;
  removed_by: string | null;
}

interface ReportDeliveryTable {
  id: number;
  schedule_id: number;
  run_at: Date;
  run_trigger: 'schedule' | 'manual';
  recipient: string;
  subject: string;
  mail_message_id: string | null;
  payload: Buffer | null;
  sha256: string | null;
  size_bytes: number | null;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  error: string | null;
  attempts: number;
  requested_by: string;
  created_at: Date;
  sent_at: Date | null;
}

export interface ScheduleDB extends DB {
  report_schedule: ReportScheduleTable;
  report_delivery: ReportDeliveryTable;
}

const sdb = (database: Database) => database.db as unknown as Kysely<ScheduleDB>;

/** The filters a schedule keeps: codes, and the range of periods relative to the run. */
export interface ScheduleFilters {
  /** How many periods the report covers (1–120; default 12). */
  periods: number;
  /** How many periods before the run's own the range ends (0: the current period; default 1: the previous one). */
  periodsBack: number;
  unit: string | null;
  insurer: string | null;
  product: string | null;
  level: string | null;
}

export interface ReportSchedule {
  id: number;
  name: string;
  /** sales, network, persistency, remuneration, collections, exchange or consultant. */
  report: string;
  /** The consultant of a consultant report. */
  consultant: string | null;
  filters: ScheduleFilters;
  formats: ScheduleFormat[];
  recipients: string[];
  /** Five fields, Kyiv time. */
  cron: string;
  active: boolean;
  /** The user whose scope the report is rendered with. */
  owner: string;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface ScheduleInput {
  name: string;
  report: string;
  consultant?: string | null;
  periods?: number;
  periodsBack?: number;
  unit?: string | null;
  insurer?: string | null;
  product?: string | null;
  level?: string | null;
  formats: string[];
  recipients: string[];
  cron: string;
  active?: boolean;
}

export type SchedulePatch = Partial<ScheduleInput>;

export interface ReportDelivery {
  id: number;
  scheduleId: number;
  runAt: Date;
  trigger: 'schedule' | 'manual';
  recipient: string;
  subject: string;
  mailMessageId: string | null;
  sizeBytes: number | null;
  sha256: string | null;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  /** Why it failed: the SMTP server's answer, or why nothing could be rendered. */
  error: string | null;
  attempts: number;
  requestedBy: string;
  createdAt: Date;
  sentAt: Date | null;
}

/** A plain address (no display name): local@domain with a dot in the domain. */
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

/** The next run after `after` of a five-field cron in Kyiv time; throws ScheduleError when it is not one. */
export function nextRunOf(cron: string, after: Date = new Date()): Date {
  if (cron.trim().split(/\s+/).length !== 5)
    throw new ScheduleError('invalid', `cron '${cron}' needs five fields: minute hour day month weekday`);
  let next: Date | null;
  try {
    next = new Cron(cron.trim(), { timezone: SCHEDULE_TIMEZONE }).nextRun(after);
  } catch (error) {
    throw new ScheduleError('invalid', `cron '${cron}': ${(error as Error).message}`);
  }
  if (!next) throw new ScheduleError('invalid', `cron '${cron}' never runs again`);
  return next;
}

/** The production period (yyyy-mm) of a moment, in Kyiv. */
export function kyivPeriod(at: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: SCHEDULE_TIMEZONE,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}`;
}

/** The report filters of a run at `at`: the relative range made absolute. */
export function runFilters(filters: ScheduleFilters, at: Date): ReportFilters {
  const to = shiftPeriod(kyivPeriod(at), -filters.periodsBack);
  return {
    from: shiftPeriod(to, -(filters.periods - 1)),
    to,
    unit: filters.unit ?? undefined,
    insurer: filters.insurer ?? undefined,
    product: filters.product ?? undefined,
    level: filters.level ?? undefined,
  };
}

const code = (value: string | null | undefined, field: string): string | null => {
  if (value === undefined || value === null || value === '') return null;
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(value))
    throw new ScheduleError('invalid', `${field} '${value}' is not a code`);
  return value;
};

function checked(
  input: ScheduleInput,
): Omit<
  ReportSchedule,
  'id' | 'owner' | 'nextRunAt' | 'lastRunAt' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy'
> {
  const name = (input.name ?? '').trim();
  if (!name || name.length > 200)
    throw new ScheduleError('invalid', 'a schedule needs a name (1–200 characters)');
  if (!(SCHEDULED_REPORTS as readonly string[]).includes(input.report))
    throw new ScheduleError('invalid', `no report ${input.report}: one of ${SCHEDULED_REPORTS.join(', ')}`);
  const consultant = code(input.consultant, 'consultant');
  if (input.report === 'consultant' && !consultant)
    throw new ScheduleError('invalid', 'a consultant report needs the consultant');
  if (input.report !== 'consultant' && consultant)
    throw new ScheduleError('invalid', 'a consultant is named only for the consultant report');
  const periods = input.periods ?? 12;
  const periodsBack = input.periodsBack ?? 1;
  if (!Number.isInteger(periods) || periods < 1 || periods > 120)
    throw new ScheduleError('invalid', `periods ${periods}: a whole number from 1 to 120`);
  if (!Number.isInteger(periodsBack) || periodsBack < 0 || periodsBack > 120)
    throw new ScheduleError('invalid', `periodsBack ${periodsBack}: a whole number from 0 to 120`);
  const formats = [...new Set(input.formats ?? [])];
  if (!formats.length || formats.some((f) => !(SCHEDULE_FORMATS as readonly string[]).includes(f)))
    throw new ScheduleError('invalid', `formats: one or both of ${SCHEDULE_FORMATS.join(', ')}`);
  const recipients = [
    ...new Set((input.recipients ?? []).map((r) => r.trim().toLowerCase()).filter(Boolean)),
  ];
  if (!recipients.length) throw new ScheduleError('invalid', 'a schedule needs at least one recipient');
  if (recipients.length > MAX_RECIPIENTS)
    throw new ScheduleError('invalid', `at most ${MAX_RECIPIENTS} recipients`);
  const bad = recipients.filter((r) => !isEmailAddress(r));
  if (bad.length) throw new ScheduleError('invalid', `not an e-mail address: ${bad.join(', ')}`);
  const cron = (input.cron ?? '').trim().replace(/\s+/g, ' ');
  nextRunOf(cron);
  return {
    name,
    report: input.report,
    consultant,
    filters: {
      periods,
      periodsBack,
      unit: code(input.unit, 'unit'),
      insurer: code(input.insurer, 'insurer'),
      product: code(input.product, 'product'),
      level: input.report === 'consultant' ? null : code(input.level, 'level'),
    },
    formats: SCHEDULE_FORMATS.filter((f) => formats.includes(f)),
    recipients,
    cron,
    active: input.active ?? true,
  };
}

function toSchedule(row: ReportScheduleTable): ReportSchedule {
  const stored = JSON.parse(row.filters) as Partial<ScheduleFilters>;
  return {
    id: Number(row.id),
    name: row.name,
    report: row.report,
    consultant: row.consultant_code,
    filters: {
      periods: stored.periods ?? 12,
      periodsBack: stored.periodsBack ?? 1,
      unit: stored.unit ?? null,
      insurer: stored.insurer ?? null,
      product: stored.product ?? null,
      level: stored.level ?? null,
    },
    formats: row.formats.split(',') as ScheduleFormat[],
    recipients: row.recipients.split(','),
    cron: row.cron,
    active: Number(row.active) === 1,
    owner: row.owner_login,
    nextRunAt: row.next_run_at ? new Date(row.next_run_at) : null,
    lastRunAt: row.last_run_at ? new Date(row.last_run_at) : null,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    updatedAt: new Date(row.updated_at),
    updatedBy: row.updated_by,
  };
}

function toDelivery(row: Omit<ReportDeliveryTable, 'payload'>): ReportDelivery {
  return {
    id: Number(row.id),
    scheduleId: Number(row.schedule_id),
    runAt: new Date(row.run_at),
    trigger: row.run_trigger,
    recipient: row.recipient,
    subject: row.subject,
    mailMessageId: row.mail_message_id,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    sha256: row.sha256,
    status: row.status,
    error: row.error,
    attempts: Number(row.attempts),
    requestedBy: row.requested_by,
    createdAt: new Date(row.created_at),
    sentAt: row.sent_at ? new Date(row.sent_at) : null,
  };
}

const scheduleColumns = (s: ReturnType<typeof checked>) => ({
  name: s.name,
  report: s.report,
  consultant_code: s.consultant,
  filters: JSON.stringify(s.filters),
  formats: s.formats.join(','),
  recipients: s.recipients.join(','),
  cron: s.cron,
  active: s.active ? 1 : 0,
});

/** A schedule's state for the audit trail. */
const auditState = (s: ReportSchedule) => ({
  name: s.name,
  report: s.report,
  consultant: s.consultant,
  filters: s.filters,
  formats: s.formats,
  recipients: s.recipients,
  cron: s.cron,
  active: s.active,
  owner: s.owner,
});

/** Adds a schedule owned by `owner` (a user's login): the report is rendered with that user's scope. */
export async function createSchedule(
  database: Database,
  input: ScheduleInput,
  owner: string,
  actor: string = owner,
  now: Date = new Date(),
): Promise<ReportSchedule> {
  const s = checked(input);
  const user = await findUserOf(database, owner);
  if (!user) throw new ScheduleError('invalid', `no user ${owner} to own the schedule`);
  const values = {
    ...scheduleColumns(s),
    owner_user_id: user.id,
    owner_login: user.login,
    next_run_at: s.active ? nextRunOf(s.cron, now) : null,
    last_run_at: null,
    created_at: now,
    created_by: actor,
    updated_at: now,
    updated_by: actor,
    removed_at: null,
    removed_by: null,
  };
  const id = await database.db.transaction().execute(async (trx) => {
    const id = await database.dialect.insertReturningId(trx, 'report_schedule', values, {
      created_at: now,
      name: s.name,
      owner_user_id: user.id,
    });
    const created = await (trx as unknown as Kysely<ScheduleDB>)
      .selectFrom('report_schedule')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    await recordAudit(trx, database, {
      actor,
      action: 'report-schedule.created',
      entityKind: 'report_schedule',
      entityId: String(id),
      before: null,
      after: auditState(toSchedule(created)),
      reason: null,
    });
    return id;
  });
  return (await findSchedule(database, id))!;
}

async function findUserOf(database: Database, login: string) {
  const row = await (database.db as unknown as Kysely<any>)
    .selectFrom('auth_user')
    .select(['id', 'login'])
    .where('login', '=', login.trim().toLowerCase())
    .executeTakeFirst();
  return row ? { id: Number(row.id), login: String(row.login) } : null;
}

export async function findSchedule(database: Database, id: number): Promise<ReportSchedule | null> {
  const row = await sdb(database)
    .selectFrom('report_schedule')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
  return row ? toSchedule(row) : null;
}

async function requireSchedule(database: Database, id: number): Promise<ReportSchedule> {
  const found = await findSchedule(database, id);
  if (!found) throw new ScheduleError('not_found', `no report schedule ${id}`);
  return found;
}

export async function listSchedules(database: Database): Promise<ReportSchedule[]> {
  const rows = await sdb(database)
    .selectFrom('report_schedule')
    .selectAll()
    .where('removed_at', 'is', null)
    .orderBy('id')
    .execute();
  return rows.map(toSchedule);
}

/** Changes a schedule; a new cron or resuming it sets its next run from now, pausing clears it. */
export async function updateSchedule(
  database: Database,
  id: number,
  patch: SchedulePatch,
  actor: string,
  now: Date = new Date(),
): Promise<ReportSchedule> {
  const before = await requireSchedule(database, id);
  const s = checked({
    name: patch.name ?? before.name,
    report: patch.report ?? before.report,
    consultant: patch.consultant !== undefined ? patch.consultant : before.consultant,
    periods: patch.periods ?? before.filters.periods,
    periodsBack: patch.periodsBack ?? before.filters.periodsBack,
    unit: patch.unit !== undefined ? patch.unit : before.filters.unit,
    insurer: patch.insurer !== undefined ? patch.insurer : before.filters.insurer,
    product: patch.product !== undefined ? patch.product : before.filters.product,
    level: patch.level !== undefined ? patch.level : before.filters.level,
    formats: patch.formats ?? before.formats,
    recipients: patch.recipients ?? before.recipients,
    cron: patch.cron ?? before.cron,
    active: patch.active ?? before.active,
  });
  const rescheduled = s.cron !== before.cron || s.active !== before.active;
  await database.db.transaction().execute(async (trx) => {
    await (trx as unknown as Kysely<ScheduleDB>)
      .updateTable('report_schedule')
      .set({
        ...scheduleColumns(s),
        ...(rescheduled ? { next_run_at: s.active ? nextRunOf(s.cron, now) : null } : {}),
        updated_at: now,
        updated_by: actor,
      })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .execute();
    await recordAudit(trx, database, {
      actor,
      action: 'report-schedule.changed',
      entityKind: 'report_schedule',
      entityId: String(id),
      before: auditState(before),
      after: auditState({ ...before, ...s }),
      reason: null,
    });
  });
  return requireSchedule(database, id);
}

/** Removes a schedule: out of every list and never run again; it and its deliveries are kept, the audit says who. */
export async function removeSchedule(
  database: Database,
  id: number,
  actor: string,
  reason: string | null = null,
  now: Date = new Date(),
): Promise<void> {
  const before = await requireSchedule(database, id);
  await database.db.transaction().execute(async (trx) => {
    const done = await (trx as unknown as Kysely<ScheduleDB>)
      .updateTable('report_schedule')
      .set({
        active: 0,
        next_run_at: null,
        removed_at: now,
        removed_by: actor,
        updated_at: now,
        updated_by: actor,
      })
      .where('id', '=', id)
      .where('removed_at', 'is', null)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw new ScheduleError('not_found', `no report schedule ${id}`);
    await recordAudit(trx, database, {
      actor,
      action: 'report-schedule.removed',
      entityKind: 'report_schedule',
      entityId: String(id),
      before: auditState(before),
      after: null,
      reason,
    });
  });
}

export async function listDeliveries(
  database: Database,
  scheduleId: number,
  page: { offset?: number; limit?: number } = {},
): Promise<{ total: number; offset: number; items: ReportDelivery[] }> {
  await requireSchedule(database, scheduleId);
  const offset = page.offset ?? 0;
  const limit = page.limit ?? 50;
  const total = await sdb(database)
    .selectFrom('report_delivery')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirstOrThrow();
  const rows = await sdb(database)
    .selectFrom('report_delivery')
    .select(DELIVERY_COLUMNS)
    .where('schedule_id', '=', scheduleId)
    .orderBy('id', 'desc')
    // OFFSET … FETCH NEXT: what PostgreSQL and Oracle both take (Oracle has no LIMIT).
    .offset(offset)
    .fetch(limit)
    .execute();
  return { total: Number(total.n), offset, items: rows.map(toDelivery) };
}

const DELIVERY_COLUMNS = [
  'id',
  'schedule_id',
  'run_at',
  'run_trigger',
  'recipient',
  'subject',
  'mail_message_id',
  'sha256',
  'size_bytes',
  'status',
  'error',
  'attempts',
  'requested_by',
  'created_at',
  'sent_at',
] as const;

/** The stored bytes of a delivery's mail, exactly as they were (or will be) sent. */
export async function deliveryBytes(database: Database, deliveryId: number): Promise<Buffer | null> {
  const row = await sdb(database)
    .selectFrom('report_delivery')
    .select('payload')
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (!row?.payload) return null;
  return Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(row.payload);
}

export interface RenderedReport {
  subject: string;
  text: string;
  attachments: { filename: string; content: Buffer; contentType: string }[];
  sections: Report[];
}

const CONTENT_TYPES: Record<ScheduleFormat, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** Renders a schedule's report as of `at`, with its owner's scope today; the files, subject and text of the mail. */
export async function renderSchedule(
  database: Database,
  schedule: ReportSchedule,
  at: Date = new Date(),
): Promise<RenderedReport> {
  const row = await sdb(database)
    .selectFrom('report_schedule')
    .select('owner_user_id')
    .where('id', '=', schedule.id)
    .executeTakeFirstOrThrow();
  const owner = await findUserById(database, Number(row.owner_user_id));
  if (!owner)
    throw new ScheduleError('forbidden', `the owner ${schedule.owner} of the schedule no longer exists`);
  if (owner.disabled)
    throw new ScheduleError(
      'forbidden',
      `the owner ${owner.login} of the schedule is disabled: nothing is rendered`,
    );
  const needs = schedule.report === 'consultant' ? 'accruals.read' : 'reports.read';
  if (!roleAllows(owner.role, needs))
    throw new ScheduleError(
      'forbidden',
      `the owner ${owner.login} (${owner.role}) may not read the ${schedule.report} report`,
    );
  const visible = await visibleConsultants(database, scopeOf(owner));
  const filters = runFilters(schedule.filters, at);
  let sections: Report[];
  try {
    if (schedule.report === 'consultant')
      sections = (await consultantReport(database, schedule.consultant!, filters, visible)).sections;
    else if (isManagementReport(schedule.report))
      sections = [await managementReport(database, schedule.report, filters, visible)];
    else throw new ScheduleError('invalid', `no report ${schedule.report}`);
  } catch (error) {
    if (error instanceof ReportError) throw new ScheduleError(error.kind, error.message);
    throw error;
  }
  const f = sections[0].filters;
  const base = schedule.report === 'consultant' ? `consultant_${schedule.consultant}` : schedule.report;
  const attachments = [];
  for (const format of schedule.formats)
    attachments.push({
      filename: `${base}_${f.from}_${f.to}.${format}`,
      content: format === 'xlsx' ? await reportXlsx(sections) : await reportPdf(sections, at),
      contentType: CONTENT_TYPES[format],
    });
  const title =
    schedule.report === 'consultant' ? `Звіт консультанта ${schedule.consultant}` : sections[0].title;
  const range = f.from === f.to ? `період ${f.from}` : `періоди ${f.from} – ${f.to}`;
  const narrowed = [
    f.unit ? `підрозділ ${f.unit} з підпорядкованими` : null,
    f.insurer ? `страховик ${f.insurer}` : null,
    f.product ? `продукт ${f.product}` : null,
    f.level ? `рівень ${f.level}` : null,
  ].filter(Boolean);
  return {
    subject: `Звіт «${title}», ${range}`,
    text: [
      'Добрий день!',
      '',
      `У вкладенні звіт «${title}» за ${range}${narrowed.length ? ` (${narrowed.join('; ')})` : ''}, станом на ${f.asOf}.`,
      `Розсилка «${schedule.name}», надіслано від імені ${owner.displayName || owner.login}.`,
      '',
      'Лист надіслано автоматично системою eCSpert hub; відповідати на нього не потрібно.',
    ].join('\n'),
    attachments,
    sections,
  };
}

export interface RunOutcome {
  scheduleId: number;
  runAt: Date;
  deliveries: ReportDelivery[];
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 2000);

/**
 * One run of a schedule: renders once, stores one mail per recipient (the exact bytes) and sends
 * each. When nothing can be rendered, each recipient's delivery is kept failed with why.
 */
export async function runSchedule(
  database: Database,
  schedule: ReportSchedule,
  run: { at: Date; trigger: 'schedule' | 'manual'; requestedBy: string },
  settings: ReportMailSettings | null,
): Promise<RunOutcome> {
  const ids: number[] = [];
  const insert = async (values: Omit<ReportDeliveryTable, 'id'>) => {
    try {
      ids.push(
        await database.dialect.insertReturningId(database.db, 'report_delivery', values, {
          schedule_id: values.schedule_id,
          run_trigger: values.run_trigger,
          run_at: values.run_at,
          recipient: values.recipient,
        }),
      );
    } catch (error) {
      // Another process stored this run's mail to this recipient first: it sends it.
      if (!database.dialect.isUniqueViolation(error)) throw error;
    }
  };
  const common = {
    schedule_id: schedule.id,
    run_at: run.at,
    run_trigger: run.trigger,
    attempts: 0,
    requested_by: run.requestedBy,
    created_at: new Date(),
    sent_at: null,
  };
  let rendered: RenderedReport | null = null;
  let failure: string | null = null;
  try {
    rendered = await renderSchedule(database, schedule, run.at);
  } catch (error) {
    failure = `nothing rendered: ${errorText(error)}`;
  }
  for (const recipient of schedule.recipients) {
    if (!rendered) {
      await insert({
        ...common,
        recipient,
        subject: `Розсилка «${schedule.name}»`,
        mail_message_id: null,
        payload: null,
        sha256: null,
        size_bytes: null,
        status: 'failed',
        error: failure,
      });
      continue;
    }
    const composed = await composeMail({
      from: settings?.from ?? REPORT_MAIL_FALLBACK_FROM,
      to: [recipient],
      subject: rendered.subject,
      text: rendered.text,
      attachments: rendered.attachments,
    });
    await insert({
      ...common,
      recipient,
      subject: rendered.subject,
      mail_message_id: composed.messageId,
      payload: composed.raw,
      sha256: createHash('sha256').update(composed.raw).digest('hex'),
      size_bytes: composed.raw.byteLength,
      status: 'pending',
      error: null,
    });
  }
  for (const id of ids) await sendDelivery(database, id, settings);
  const rows = ids.length
    ? await sdb(database)
        .selectFrom('report_delivery')
        .select(DELIVERY_COLUMNS)
        .where('id', 'in', ids)
        .orderBy('id')
        .execute()
    : [];
  return { scheduleId: schedule.id, runAt: run.at, deliveries: rows.map(toDelivery) };
}

/** The From of report mail when the intermediary's mail settings are missing (the delivery fails saying so). */
export const REPORT_MAIL_FALLBACK_FROM = 'eCSpert hub <reports@ecspert.local>';

/**
 * Sends one stored delivery (pending, or failed: again), byte for byte; claimed first so two
 * senders send it once. Answers the delivery as it ends, or null when someone else has it.
 */
export async function sendDelivery(
  database: Database,
  deliveryId: number,
  settings: ReportMailSettings | null,
): Promise<ReportDelivery | null> {
  const row = await sdb(database)
    .selectFrom('report_delivery')
    .select(['id', 'status', 'attempts', 'payload', 'recipient', 'mail_message_id'])
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (!row) throw new ScheduleError('not_found', `no report delivery ${deliveryId}`);
  if (row.status !== 'pending' && row.status !== 'failed') return null;
  if (!row.payload) return null;
  const claimed = await sdb(database)
    .updateTable('report_delivery')
    .set({ status: 'sending', attempts: Number(row.attempts) + 1 })
    .where('id', '=', deliveryId)
    .where('status', '=', row.status)
    .where('attempts', '=', Number(row.attempts))
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) return null;
  const finish = async (status: 'sent' | 'failed', error: string | null) => {
    await sdb(database)
      .updateTable('report_delivery')
      .set({ status, error, sent_at: status === 'sent' ? new Date() : null })
      .where('id', '=', deliveryId)
      .execute();
  };
  if (!settings) {
    await finish(
      'failed',
      'the mail settings are missing: set ECSPERT_REPORT_SMTP_URL and ECSPERT_REPORT_MAIL_FROM',
    );
  } else {
    const raw = Buffer.isBuffer(row.payload) ? row.payload : Buffer.from(row.payload);
    const sender = new SmtpSender(settings.smtp);
    try {
      await sender.send({
        messageId: row.mail_message_id ?? `report-delivery-${deliveryId}`,
        raw,
        envelope: { from: envelopeAddress(settings.from), to: [row.recipient] },
      });
      await finish('sent', null);
    } catch (error) {
      await finish('failed', errorText(error));
    } finally {
      sender.close();
    }
  }
  const done = await sdb(database)
    .selectFrom('report_delivery')
    .select(DELIVERY_COLUMNS)
    .where('id', '=', deliveryId)
    .executeTakeFirstOrThrow();
  return toDelivery(done);
}

const envelopeAddress = (from: string) => /<([^>]+)>/.exec(from)?.[1] ?? from.trim();

/** Sends a schedule now (outside its cron), on behalf of `actor`. */
export async function sendScheduleNow(
  database: Database,
  id: number,
  actor: string,
  settings: ReportMailSettings | null,
  at: Date = new Date(),
): Promise<RunOutcome> {
  const schedule = await requireSchedule(database, id);
  return runSchedule(database, schedule, { at, trigger: 'manual', requestedBy: actor }, settings);
}

/** Sends a failed delivery of a schedule again: the same stored bytes, to the same recipient. */
export async function resendDelivery(
  database: Database,
  scheduleId: number,
  deliveryId: number,
  actor: string,
  settings: ReportMailSettings | null,
): Promise<ReportDelivery> {
  await requireSchedule(database, scheduleId);
  const row = await sdb(database)
    .selectFrom('report_delivery')
    .select(['id', 'status', 'payload', 'schedule_id'])
    .where('id', '=', deliveryId)
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirst();
  if (!row) throw new ScheduleError('not_found', `no delivery ${deliveryId} of schedule ${scheduleId}`);
  if (row.status !== 'failed')
    throw new ScheduleError(
      'conflict',
      `delivery ${deliveryId} is ${row.status}: only a failed one is sent again`,
    );
  if (!row.payload)
    throw new ScheduleError(
      'conflict',
      `delivery ${deliveryId} has no mail (nothing was rendered): send the schedule now instead`,
    );
  const done = await sendDelivery(database, deliveryId, settings);
  if (!done) throw new ScheduleError('conflict', `delivery ${deliveryId} is being sent by someone else`);
  await recordAudit(database.db, database, {
    actor,
    action: 'report-schedule.resent',
    entityKind: 'report_delivery',
    entityId: String(deliveryId),
    before: { status: 'failed' },
    after: { status: done.status, error: done.error },
    reason: null,
  });
  return done;
}

/**
 * The timer's work: every due schedule whose run this process claims (next_run_at moved on by a
 * conditional update: one process wins) is run; deliveries stored but left unsent by a process that
 * stopped (pending for `staleMs`) are sent.
 */
export async function runDueSchedules(
  database: Database,
  settings: ReportMailSettings | null,
  now: Date = new Date(),
  staleMs = 5 * 60_000,
): Promise<RunOutcome[]> {
  const due = await sdb(database)
    .selectFrom('report_schedule')
    .selectAll()
    .where('active', '=', 1)
    .where('removed_at', 'is', null)
    .where('next_run_at', '<=', now)
    .orderBy('next_run_at')
    .execute();
  const outcomes: RunOutcome[] = [];
  for (const row of due) {
    const schedule = toSchedule(row);
    const dueAt = new Date(row.next_run_at!);
    const claimed = await sdb(database)
      .updateTable('report_schedule')
      .set({ next_run_at: nextRunOf(schedule.cron, now), last_run_at: dueAt })
      .where('id', '=', schedule.id)
      .where('next_run_at', '=', dueAt)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    outcomes.push(
      await runSchedule(
        database,
        schedule,
        { at: dueAt, trigger: 'schedule', requestedBy: 'system:report-schedule' },
        settings,
      ),
    );
  }
  const stale = await sdb(database)
    .selectFrom('report_delivery')
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', new Date(now.getTime() - staleMs))
    .execute();
  for (const s of stale) await sendDelivery(database, Number(s.id), settings);
  return outcomes;
}

export interface ReportScheduler {
  stop(): Promise<void>;
}

/**
 * The timer in `ecspert start` / `serve` / `worker`: looks for due schedules every `intervalMs`
 * (default 30 s), one sweep at a time; errors are logged and the next sweep tries again.
 */
export function startReportScheduler(
  database: Database,
  options: {
    settings: () => ReportMailSettings | null;
    intervalMs?: number;
    logger?: { info(o: object, m: string): void; error(o: object, m: string): void };
  },
): ReportScheduler {
  let running: Promise<void> | null = null;
  let stopped = false;
  const sweep = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        const outcomes = await runDueSchedules(database, options.settings());
        for (const o of outcomes)
          options.logger?.info(
            {
              schedule: o.scheduleId,
              sent: o.deliveries.filter((d) => d.status === 'sent').length,
              failed: o.deliveries.filter((d) => d.status === 'failed').length,
            },
            'report schedule run',
          );
      } catch (error) {
        options.logger?.error({ err: error }, 'report schedules: sweep failed');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(sweep, options.intervalMs ?? 30_000);
  timer.unref();
  sweep();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
