/**
 * Receiving an e-mail: the raw mail is stored first (channel `email`, its Message-ID as the
 * external id, its subject as the name), then typed by the adapter's configuration (`mail` of each
 * incoming message type: sender, subject pattern, In-Reply-To naming a message we sent, attachment
 * name). Mail no message type claims is a letter (correspondence, for a person); mail from a sender
 * outside the insurer's (`channels.email.allowedSenders` and their domains) is `unknown-sender`,
 * kept and quarantined with the reason; nothing is dropped.
 */
import type { Database } from '../../db';
import { type AdapterConfig, loadAdapter } from '../adapter-config';
import { findMessage, setMessageStatus, storeMessage } from '../message-store';
import { parseMail, type ParsedMail } from '../transports/email';
import type { ExchangeDeps } from './deps';
import type { Received } from './receive';

/** Message types of mail that is not part of the exchange. */
export const LETTER = 'letter';
export const UNKNOWN_SENDER = 'unknown-sender';

export interface MailTypingResult {
  messageType: string;
  /** Why the mail is kept aside, when it is. */
  quarantine: string | null;
}

const address = (text: string | undefined | null) => {
  const m = /<([^>]+)>/.exec(text ?? '');
  return (m ? m[1] : (text ?? '')).trim().toLowerCase();
};
const domainOf = (a: string) => a.slice(a.lastIndexOf('@') + 1);

async function answersOurs(
  database: Database,
  insurerId: number | null,
  inReplyTo: string,
): Promise<boolean> {
  const sent = await database.db
    .selectFrom('exchange_message')
    .select('id')
    .where('direction', '=', 'outbound')
    .where('external_id', '=', inReplyTo)
    .executeTakeFirst();
  if (sent) return true;
  let register = database.db
    .selectFrom('application_register')
    .select('id')
    .where('external_id', '=', inReplyTo);
  if (insurerId !== null) register = register.where('insurer_id', '=', insurerId);
  return !!(await register.executeTakeFirst());
}

/** Which message type a mail is, by the adapter's `mail` conditions (first match in adapter order). */
export async function typeMail(
  database: Database,
  adapter: AdapterConfig,
  mail: ParsedMail,
): Promise<MailTypingResult> {
  const email = adapter.channels.email ?? {};
  const sender = mail.from[0] ?? '';
  const allowed = (email.allowedSenders ?? []).map((a) => a.toLowerCase());
  const ours = address(email.from);
  if (sender && ours && sender === ours)
    return {
      messageType: UNKNOWN_SENDER,
      quarantine: `mail loop: the mail comes from our own address ${ours}; it is not processed again`,
    };
  const insurer = await database.db
    .selectFrom('insurer')
    .select('id')
    .where('code', '=', adapter.insurer.code)
    .executeTakeFirst();
  for (const [name, message] of Object.entries(adapter.messages)) {
    const rule = message.mail;
    if (message.direction !== 'in' || !rule || message.partOf) continue;
    const senders = (rule.from ?? allowed).map((a) => a.toLowerCase());
    if (!senders.includes(sender)) continue;
    if (rule.subject && !new RegExp(rule.subject).test(mail.subject)) continue;
    if (rule.inReplyTo) {
      if (!mail.inReplyTo) continue;
      if (!(await answersOurs(database, insurer ? Number(insurer.id) : null, mail.inReplyTo))) continue;
    }
    if (rule.attachment) {
      const pattern = new RegExp(rule.attachment);
      if (!mail.attachments.some((a) => pattern.test(a.filename ?? ''))) {
        // The subject says what it is: a missing file is this message's problem, not a letter.
        if (rule.subject)
          return {
            messageType: name,
            quarantine: `the mail '${mail.subject}' is a ${name} by its subject but has no attachment matching ${rule.attachment}`,
          };
        continue;
      }
    }
    return { messageType: name, quarantine: null };
  }
  const domains = new Set(allowed.map(domainOf));
  if (sender && (allowed.includes(sender) || domains.has(domainOf(sender))))
    return { messageType: LETTER, quarantine: null };
  return {
    messageType: UNKNOWN_SENDER,
    quarantine: `the sender ${sender || '(none)'} is not among ${adapter.insurer.code}'s senders (${allowed.join(', ') || 'none configured'}): kept for a person, not processed`,
  };
}

/** Stores one raw mail of the insurer's mailbox and types it; a mail stored before is not stored again. */
export async function receiveMail(
  deps: ExchangeDeps,
  insurerCode: string,
  raw: Buffer,
  options: { externalId?: string | null } = {},
): Promise<Received & { typing: MailTypingResult }> {
  const adapter = loadAdapter(insurerCode, { adaptersDir: deps.adaptersDir });
  let mail: ParsedMail | null = null;
  let typing: MailTypingResult;
  try {
    mail = await parseMail(raw);
    typing = await typeMail(deps.database, adapter, mail);
  } catch (error) {
    typing = {
      messageType: UNKNOWN_SENDER,
      quarantine: `the mail cannot be read: ${(error as Error)?.message ?? String(error)}`,
    };
  }
  const stored = await storeMessage(deps.database, {
    insurerCode: adapter.insurer.code,
    channel: 'email',
    direction: 'inbound',
    messageType: typing.messageType,
    externalName: (mail?.subject ?? '').slice(0, 500) || null,
    externalId: mail?.messageId ?? options.externalId ?? null,
    payload: raw,
    contentType: 'message/rfc822',
  });
  if (stored.duplicate) return { ...stored, typing };
  const id = stored.message.id;
  if (typing.quarantine) {
    await setMessageStatus(deps.database, id, 'quarantined', {
      errors: [
        { kind: 'mail', file: mail?.subject ?? null, row: null, field: null, message: typing.quarantine },
      ],
    });
  } else if (typing.messageType === LETTER) {
    // Correspondence, not exchange: nothing to apply; the correspondence files it as a letter.
    await setMessageStatus(deps.database, id, 'applied', {
      letter: true,
      message: 'not part of the exchange: filed as correspondence for a person',
    });
  }
  return { message: (await findMessage(deps.database, id))!, duplicate: false, typing };
}
