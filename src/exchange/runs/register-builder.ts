/**
 * Application registers: the pending applications of an insurer, gathered into a register in the
 * insurer's format (numbered by the day's sequence, trailer, signature where required), stored as an
 * outbound message, then delivered. Building and delivering are separate steps so that a register
 * that could not be delivered is delivered later as it was built, not built again.
 */
import type { Kysely } from 'kysely';
import { type Database, type DB, decimalFromKopiyky, kopiykyFromDecimal } from '../../db';
import { type LoadedAdapter, type MessageTypeConfig, resolveSecret } from '../adapter-config';
import type { CanonicalApplication, CanonicalPerson, PaymentFrequency } from '../canonical';
import { renderMessageFile } from '../mapping';
import { readPayload, setMessageStatus, storeMessage } from '../message-store';
import type { ExchangeDeps } from '../pipeline';
import { signXml } from '../signature';
import { composeRegisterMail } from './email-register';
import { lockApplications, markApplicationsSent, returnApplicationsToPending } from '../../policy-records';

export interface RegisterPreview {
  fileName: string;
  applications: string[];
  premiumTotalKop: number;
  payload: Buffer;
}

export interface BuiltRegister extends RegisterPreview {
  registerId: number;
  messageId: number;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The adapter's outbound register message type. */
export function registerMessage(adapter: LoadedAdapter): [string, MessageTypeConfig] | null {
  return (
    Object.entries(adapter.messages).find(
      ([name, m]) => m.direction === 'out' && (m.record ?? name) === 'register',
    ) ?? null
  );
}

function fileNameFor(template: string, day: string, sequence: number): string {
  const [yyyy, mm, dd] = day.split('-');
  return template
    .replace('{yyyymmdd}', `${yyyy}${mm}${dd}`)
    .replace('{yyyy}', yyyy)
    .replace('{mm}', mm)
    .replace('{dd}', dd)
    .replace('{nnn}', String(sequence).padStart(3, '0'));
}

/** Rows per statement that names applications or persons by id: Oracle takes at most 1000 in one IN list. */
const ID_BATCH = 1000;

function* batches<T>(items: readonly T[], size = ID_BATCH): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** The policyholders and insured of the applications, read a thousand at a time. */
async function persons(db: Kysely<DB>, ids: number[]): Promise<Map<number, CanonicalPerson>> {
  const found = new Map<number, CanonicalPerson>();
  for (const part of batches([...new Set(ids)])) {
    const rows = await db
      .selectFrom('person')
      .select(['id', 'person_kind', 'full_name', 'tax_number', 'birth_date'])
      .where('id', 'in', part)
      .execute();
    for (const p of rows)
      found.set(Number(p.id), {
        kind: p.person_kind,
        fullName: p.full_name,
        taxNumber: p.tax_number,
        birthDate: p.birth_date,
      });
  }
  return found;
}

/** The insurer's pending applications in number order; all of them unless `limit` says how many. */
async function pendingApplications(database: Database, insurerId: number, limit: number | undefined) {
  const query = database.db
    .selectFrom('application as a')
    .innerJoin('product as p', 'p.id', 'a.product_id')
    .innerJoin('consultant as c', 'c.id', 'a.consultant_id')
    .select([
      'a.id',
      'a.number',
      'a.signed_on',
      'a.sum_insured',
      'a.premium',
      'a.payment_frequency',
      'a.policyholder_id',
      'a.insured_person_id',
      'a.details',
      'p.code as product_code',
      'c.code as agent_code',
    ])
    .where('a.insurer_id', '=', insurerId)
    .where('a.status', '=', 'pending')
    .orderBy('a.number');
  return (limit === undefined ? query : query.offset(0).fetch(limit)).execute();
}

async function canonicalApplications(
  database: Database,
  rows: Awaited<ReturnType<typeof pendingApplications>>,
) {
  const people = await persons(
    database.db,
    rows.flatMap((r) =>
      r.insured_person_id === null
        ? [Number(r.policyholder_id)]
        : [Number(r.policyholder_id), Number(r.insured_person_id)],
    ),
  );
  const records: CanonicalApplication[] = [];
  for (const r of rows) {
    const holder = people.get(Number(r.policyholder_id))!;
    const insured = r.insured_person_id === null ? null : people.get(Number(r.insured_person_id))!;
    records.push({
      applicationNumber: r.number,
      signedOn: r.signed_on,
      productCode: r.product_code,
      policyholder: holder,
      insured: insured ?? holder,
      sumInsuredKop: kopiykyFromDecimal(r.sum_insured),
      premiumKop: kopiykyFromDecimal(r.premium),
      paymentFrequency: Number(r.payment_frequency) as PaymentFrequency,
      agentCode: r.agent_code,
      details: database.dialect.readJson<Record<string, unknown>>(r.details),
    });
  }
  return records;
}

async function nextSequence(database: Database, insurerId: number, day: string): Promise<number> {
  const row = await database.db
    .selectFrom('application_register')
    .select((eb) => eb.fn.max('sequence_no').as('n'))
    .where('insurer_id', '=', insurerId)
    .where('register_date', '=', day)
    .executeTakeFirst();
  return Number(row?.n ?? 0) + 1;
}

/** Renders (and signs, where the insurer wants it) a register of the pending applications. */
export async function previewRegister(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  insurerId: number,
  day: string,
  options: { limit?: number; now?: Date } = {},
): Promise<(RegisterPreview & { applicationIds: number[]; sequence: number }) | null> {
  const message = registerMessage(adapter);
  if (!message) return null;
  const [name, config] = message;
  const rows = await pendingApplications(deps.database, insurerId, options.limit);
  if (!rows.length) return null;
  const records = await canonicalApplications(deps.database, rows);
  const sequence = await nextSequence(deps.database, insurerId, day);
  const fileName = fileNameFor(
    config.fileNameTemplate ?? `register-{yyyymmdd}-{nnn}.${config.format}`,
    day,
    sequence,
  );
  let payload = await renderMessageFile(adapter.insurer.code, name, records, {
    fileName,
    adaptersDir: deps.adaptersDir,
    params: {
      ...config.params,
      createdAt: (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    },
  });
  if (config.signed) {
    const secrets = { secretsDir: deps.secretsDir, env: deps.env };
    const signWith = adapter.signature?.signWith;
    if (!signWith)
      throw new Error(
        `${adapter.file}: registers are signed, but the adapter names no key (signature.signWith)`,
      );
    payload = Buffer.from(
      signXml(payload.toString('utf8'), {
        privateKeyPem: resolveSecret(signWith, secrets),
        certificatePem: adapter.signature?.signCertificate
          ? resolveSecret(adapter.signature.signCertificate, secrets)
          : undefined,
      }),
      'utf8',
    );
  }
  return {
    fileName,
    sequence,
    applications: records.map((r) => r.applicationNumber),
    applicationIds: rows.map((r) => Number(r.id)),
    premiumTotalKop: records.reduce((sum, r) => sum + r.premiumKop, 0),
    payload,
  };
}

/** How many times a register is built again when its applications changed while it was built. */
const BUILD_ATTEMPTS = 5;

/**
 * The applications a register was built from are no longer all pending when it is to mark them
 * sent: one was withdrawn (or taken by another build) after the builder read the pending list.
 */
export class RegisterOutdatedError extends Error {
  constructor(
    readonly fileName: string,
    readonly changed: string[],
  ) {
    super(
      `register ${fileName}: application${changed.length === 1 ? '' : 's'} ${changed.join(', ')} ` +
        'stopped being pending while it was built (withdrawn or taken by another register); nothing was sent',
    );
    this.name = 'RegisterOutdatedError';
  }
}

/**
 * Builds the register and stores it, in one transaction; its applications leave the pending list.
 * The transaction first marks them sent, but only those still pending: when one was withdrawn after
 * the pending list was read (the withdrawal committed while the register was being built), nothing
 * is kept and the register is built again from what is pending now, so a withdrawn application is
 * never sent. A second builder of the same insurer at once meets the same: it finds the first one's
 * applications sent, and builds from what is left, or nothing.
 */
export async function buildRegister(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  insurerId: number,
  day: string,
  options: { limit?: number; now?: Date } = {},
): Promise<BuiltRegister | null> {
  for (let attempt = 1; ; attempt++) {
    const preview = await previewRegister(deps, adapter, insurerId, day, options);
    if (!preview) return null;
    try {
      return await storeRegister(deps, adapter, insurerId, day, preview, options.now ?? new Date());
    } catch (error) {
      if (!(error instanceof RegisterOutdatedError) || attempt >= BUILD_ATTEMPTS) throw error;
    }
  }
}

async function storeRegister(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  insurerId: number,
  day: string,
  preview: RegisterPreview & { applicationIds: number[]; sequence: number },
  now: Date,
): Promise<BuiltRegister> {
  return deps.database.db.transaction().execute(async (trx) => {
    const scoped = { ...deps.database, db: trx };
    const writer = { trx, dialect: deps.database.dialect };
    // The applications as they are now, locked: a withdrawal still in flight is waited for, and one
    // committed after the pending list was read shows here.
    const current = await lockApplications(writer, preview.applicationIds);
    const changed = preview.applications.filter(
      (_, i) => current.get(preview.applicationIds[i]) !== 'pending',
    );
    if (changed.length) throw new RegisterOutdatedError(preview.fileName, changed);
    // Only rows still pending are marked sent; fewer than the register holds and nothing is kept.
    const taken = await markApplicationsSent(writer, preview.applicationIds, now);
    if (taken !== preview.applicationIds.length)
      throw new RegisterOutdatedError(preview.fileName, preview.applications);
    const registerId = await deps.database.dialect.insertReturningId(
      trx,
      'application_register',
      {
        insurer_id: insurerId,
        register_no: preview.fileName,
        register_date: day,
        sequence_no: preview.sequence,
        status: 'built',
        item_count: preview.applications.length,
        premium_total: decimalFromKopiyky(preview.premiumTotalKop),
        external_id: null,
        outbound_message_id: null,
        created_at: now,
        sent_at: null,
      },
      { insurer_id: insurerId, register_no: preview.fileName },
    );
    // The one bulk path (COPY on PostgreSQL): a register of any size is one upload, never a
    // multi-row INSERT that would pass PostgreSQL's 65,535 bind parameters (9,362 items of 7 columns).
    await deps.database.dialect.bulkInsert(
      trx,
      'application_register_item',
      preview.applicationIds.map((applicationId, i) => ({
        register_id: registerId,
        application_id: applicationId,
        row_no: i + 1,
        status: 'queued' as const,
        reason: null,
        policy_number: null,
        answered_at: null,
      })),
    );
    const [, config] = registerMessage(adapter)!;
    // By e-mail, the register's outbound message is the whole mail, with the Message-ID its answer names.
    const byMail = !adapter.channels.sftp && !adapter.channels.rest && !!adapter.channels.email;
    let mail: { raw: Buffer; messageId: string } | null = null;
    if (byMail) {
      const count = await trx
        .selectFrom('application_register')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('insurer_id', '=', insurerId)
        .executeTakeFirstOrThrow();
      mail = await composeRegisterMail(adapter, config, {
        registerId,
        number: Number(count.n),
        day,
        fileName: preview.fileName,
        payload: preview.payload,
      });
    }
    const { message } = await storeMessage(scoped, {
      insurerCode: adapter.insurer.code,
      channel: adapter.channels.sftp ? 'sftp' : adapter.channels.rest ? 'rest' : 'email',
      direction: 'outbound',
      messageType: 'register',
      externalName: preview.fileName,
      payload: mail?.raw ?? preview.payload,
      externalId: mail?.messageId ?? null,
      contentType: mail
        ? 'message/rfc822'
        : config.format === 'xml'
          ? 'application/xml'
          : config.format === 'xlsx'
            ? XLSX_TYPE
            : 'text/csv; charset=windows-1251',
      idempotencyKey: `${adapter.insurer.code}:register:${preview.fileName}`,
    });
    await trx
      .updateTable('application_register')
      .set({ outbound_message_id: message.id })
      .where('id', '=', registerId)
      .execute();
    return { ...preview, registerId, messageId: message.id };
  });
}

export interface DeliveryOutcome {
  registerNo: string;
  applications: number;
  status: 'sent' | 'failed' | 'waiting';
  externalId: string | null;
  error: string | null;
}

/**
 * Delivers every built register of the insurer with `send`. A failure the channel may overcome
 * (the server did not answer) leaves the register built for the next run; one it cannot (the
 * insurer refused the document) fails the register and returns its applications to the pending
 * list with the reason.
 */
export async function deliverBuiltRegisters(
  deps: ExchangeDeps,
  insurerId: number,
  send: (fileName: string, payload: Buffer) => Promise<{ externalId: string }>,
): Promise<DeliveryOutcome[]> {
  const { db } = deps.database;
  const built = await db
    .selectFrom('application_register')
    .select(['id', 'register_no', 'item_count', 'outbound_message_id'])
    .where('insurer_id', '=', insurerId)
    .where('status', '=', 'built')
    .orderBy('id')
    .execute();
  const outcomes: DeliveryOutcome[] = [];
  for (const register of built) {
    const payload = await readPayload(deps.database, Number(register.outbound_message_id));
    try {
      const { externalId } = await send(register.register_no, payload);
      await db.transaction().execute(async (trx) => {
        const at = new Date();
        await trx
          .updateTable('application_register')
          .set({ status: 'sent', sent_at: at, external_id: externalId })
          .where('id', '=', register.id)
          .execute();
        await trx
          .updateTable('application_register_item')
          .set({ status: 'sent' })
          .where('register_id', '=', register.id)
          .where('status', '=', 'queued')
          .execute();
        await trx
          .updateTable('exchange_message')
          .set({ external_id: externalId })
          .where('id', '=', Number(register.outbound_message_id))
          .execute();
        await setMessageStatus(
          { ...deps.database, db: trx },
          Number(register.outbound_message_id),
          'sent',
          { externalId },
          at,
        );
      });
      outcomes.push({
        registerNo: register.register_no,
        applications: Number(register.item_count),
        status: 'sent',
        externalId,
        error: null,
      });
    } catch (error) {
      const e = error as { retryable?: boolean; message?: string };
      const reason = e?.message ?? String(error);
      if (e?.retryable) {
        outcomes.push({
          registerNo: register.register_no,
          applications: Number(register.item_count),
          status: 'waiting',
          externalId: null,
          error: reason,
        });
        continue;
      }
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('application_register')
          .set({ status: 'failed' })
          .where('id', '=', register.id)
          .execute();
        const items = await trx
          .selectFrom('application_register_item')
          .select('application_id')
          .where('register_id', '=', register.id)
          .execute();
        await returnApplicationsToPending(
          { trx, dialect: deps.database.dialect },
          items.map((i) => Number(i.application_id)),
          `register ${register.register_no} was refused: ${reason}`,
          new Date(),
        );
        await setMessageStatus(
          { ...deps.database, db: trx },
          Number(register.outbound_message_id),
          'failed',
          { error: reason },
        );
      });
      outcomes.push({
        registerNo: register.register_no,
        applications: Number(register.item_count),
        status: 'failed',
        externalId: null,
        error: reason,
      });
    }
  }
  return outcomes;
}
