/**
 * An exchange message that came by e-mail: the message store keeps the raw mail (RFC 822); the file
 * its mapping reads is the attachment its message type names (`mail.attachment`), and the facts a
 * mapping may read with `fromMail` are the mail's subject, Message-ID, In-Reply-To, sender and date.
 */
import type { MessageTypeConfig } from '../adapter-config';
import { ExchangeError } from '../errors';
import type { MailFact } from '../mapping';
import { parseMail, type ParsedMail } from '../transports/email';

/** Default largest attachment read (channels.email.maxAttachmentBytes). */
export const DEFAULT_MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

export interface OpenedMail {
  mail: ParsedMail;
  /** The attachment the mapping reads, and its decoded file name. */
  fileName: string;
  content: Buffer;
  facts: Record<MailFact, string | null>;
}

/** Angle brackets off: `<a@b>` and `a@b` are the same Message-ID. */
export function bareMessageId(id: string | null | undefined): string | null {
  if (!id) return null;
  const s = id.trim().replace(/^<|>$/g, '');
  return s || null;
}

export function mailFacts(mail: ParsedMail): Record<MailFact, string | null> {
  return {
    subject: mail.subject,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    from: mail.from[0] ?? null,
    date: mail.date ? mail.date.toISOString().slice(0, 10) : null,
  };
}

/**
 * The attachment `config.mail.attachment` names; refuses (ExchangeError) a mail with none, with more
 * than one, or with one over the size limit, each naming the mail.
 */
export async function openMail(
  raw: Buffer,
  config: MessageTypeConfig,
  what: string,
  maxAttachmentBytes = DEFAULT_MAX_ATTACHMENT_BYTES,
): Promise<OpenedMail> {
  const mail = await parseMail(raw);
  const pattern = config.mail?.attachment ? new RegExp(config.mail.attachment) : null;
  const files = mail.attachments.filter((a) => (pattern ? pattern.test(a.filename ?? '') : !!a.filename));
  const named = mail.attachments.map((a) => a.filename ?? '(no name)').join(', ') || 'none';
  if (files.length === 0)
    throw new ExchangeError({
      kind: 'parse',
      file: what,
      field: 'attachment',
      message: `the mail '${mail.subject}' has no attachment${pattern ? ` matching ${pattern.source}` : ''} (attachments: ${named})`,
    });
  if (files.length > 1)
    throw new ExchangeError({
      kind: 'parse',
      file: what,
      field: 'attachment',
      message: `the mail '${mail.subject}' has ${files.length} attachments matching ${pattern?.source ?? 'a file'}, one is expected (${named})`,
    });
  const [file] = files;
  if (file.content.length > maxAttachmentBytes)
    throw new ExchangeError({
      kind: 'parse',
      file: file.filename ?? what,
      field: 'attachment',
      message: `the attachment ${file.filename} is ${file.content.length} bytes, over the limit of ${maxAttachmentBytes}`,
    });
  return { mail, fileName: file.filename!, content: file.content, facts: mailFacts(mail) };
}
