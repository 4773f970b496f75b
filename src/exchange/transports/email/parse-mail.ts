/**
 * A stored e-mail read back (mailparser): the headers threads are built from, the text, and each
 * attachment with its file name decoded (RFC 2231 and encoded words, Cyrillic included) and its bytes
 * as they were after the transfer encoding; bodies in charsets other than UTF-8 (windows-1251,
 * koi8-u) come out as text.
 */
import { type AddressObject, simpleParser } from 'mailparser';

export interface MailAttachment {
  filename: string | null;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface ParsedMail {
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  subject: string;
  from: string[];
  to: string[];
  date: Date | null;
  text: string;
  attachments: MailAttachment[];
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list
    .flatMap((group) => group.value.map((a) => a.address ?? '').filter(Boolean))
    .map((a) => a.toLowerCase());
}

export async function parseMail(raw: Buffer): Promise<ParsedMail> {
  const mail = await simpleParser(raw, { skipHtmlToText: false, skipImageLinks: true });
  const references = Array.isArray(mail.references)
    ? mail.references
    : mail.references
      ? mail.references.split(/\s+/)
      : [];
  return {
    messageId: mail.messageId ?? null,
    inReplyTo: mail.inReplyTo ?? null,
    references: references.filter(Boolean),
    subject: mail.subject ?? '',
    from: addresses(mail.from),
    to: addresses(mail.to),
    date: mail.date ?? null,
    text: mail.text ?? '',
    attachments: mail.attachments.map((a) => ({
      filename: a.filename ?? null,
      contentType: a.contentType,
      size: a.size,
      content: a.content,
    })),
  };
}
