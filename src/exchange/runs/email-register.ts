/**
 * Registers by e-mail (Polissia): the register's file goes out attached to a mail with the subject
 * its message type configures (`mail.subjectTemplate`, e.g. `Реєстр заяв AG0042 від {dd.mm.yyyy}
 * №{n}`). The whole mail, with its Message-ID, is what the message store keeps as the register's
 * outbound message, stored when the register is built and before anything is sent: the insurer's
 * answer names that Message-ID in In-Reply-To, and a send repeated after a crash sends the same
 * bytes with the same Message-ID (never a second, different register mail).
 */
import type { LoadedAdapter, MessageTypeConfig } from '../adapter-config';
import { composeMail, type ComposedMail, type SmtpReceipt } from '../transports/email';

export interface RegisterMailFacts {
  registerId: number;
  /** The register's running number with this insurer (№ in the subject). */
  number: number;
  /** yyyy-mm-dd */
  day: string;
  fileName: string;
  payload: Buffer;
}

const address = (text: string) => (/<([^>]+)>/.exec(text)?.[1] ?? text).trim();

export function registerSubject(config: MessageTypeConfig, facts: Pick<RegisterMailFacts, 'day' | 'number'>) {
  const [yyyy, mm, dd] = facts.day.split('-');
  return (config.mail?.subjectTemplate ?? 'Register {dd.mm.yyyy} №{n}')
    .replace('{dd.mm.yyyy}', `${dd}.${mm}.${yyyy}`)
    .replace('{yyyymmdd}', `${yyyy}${mm}${dd}`)
    .replace('{n}', String(facts.number));
}

/** The register's mail, composed once; its Message-ID names the insurer and the register. */
export async function composeRegisterMail(
  adapter: LoadedAdapter,
  config: MessageTypeConfig,
  facts: RegisterMailFacts,
): Promise<ComposedMail> {
  const email = adapter.channels.email;
  if (!email?.from || !email.to)
    throw new Error(
      `${adapter.file}: registers go by e-mail, but channels.email names no from or to address`,
    );
  const domain = address(email.from).split('@')[1] ?? 'ecspert.local';
  const subject = registerSubject(config, facts);
  return composeMail({
    from: email.from,
    to: [email.to],
    subject,
    text: `${subject}: ${facts.fileName} у вкладенні.`,
    messageId: `<register-${adapter.insurer.code.toLowerCase()}-${facts.registerId}@${domain}>`,
    attachments: [
      {
        filename: facts.fileName,
        content: facts.payload,
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
    ],
  });
}

/** The Message-ID of a stored raw mail (its header). */
export function messageIdOf(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const m = /^message-id:\s*(<[^>\r\n]+>)/im.exec(end === -1 ? head : head.slice(0, end));
  return m ? m[1] : null;
}

/** Sends a stored register mail byte for byte; the insurer's desk is the adapter's `channels.email.to`. */
export function mailRegisterSender(
  adapter: LoadedAdapter,
  smtp: { send(mail: ComposedMail): Promise<SmtpReceipt> },
): (fileName: string, payload: Buffer) => Promise<{ externalId: string }> {
  return async (fileName, payload) => {
    const email = adapter.channels.email!;
    const messageId = messageIdOf(payload);
    if (!messageId) throw new Error(`register ${fileName}: the stored mail has no Message-ID`);
    await smtp.send({
      messageId,
      raw: payload,
      envelope: { from: address(email.from ?? ''), to: [address(email.to ?? '')] },
    });
    return { externalId: messageId };
  };
}
