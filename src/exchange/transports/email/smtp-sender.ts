/**
 * Mail to an insurer over SMTP (nodemailer). A message is composed first (`composeMail`: MIME with
 * attachments, Cyrillic subjects and file names encoded as the standards say), so the caller can
 * keep the exact bytes in the message store before anything leaves; `send` then delivers those
 * bytes unchanged. Replies carry In-Reply-To and References, so the insurer's mail client threads them.
 */
import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { TransportError } from '../transport-error';

export interface OutgoingMail {
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  text?: string;
  attachments?: { filename: string; content: Buffer; contentType?: string }[];
  /** The Message-ID this answers, e.g. `<abc@insurer.ua>`. */
  inReplyTo?: string;
  references?: string[];
  /** Default: a new `<uuid@sender's domain>`. */
  messageId?: string;
}

export interface ComposedMail {
  messageId: string;
  /** The whole message as it will go out: what the message store keeps. */
  raw: Buffer;
  envelope: { from: string; to: string[] };
}

export async function composeMail(mail: OutgoingMail): Promise<ComposedMail> {
  const domain = /@([^>\s]+)>?\s*$/.exec(mail.from)?.[1] ?? 'ecspert.local';
  const messageId = mail.messageId ?? `<${randomUUID()}@${domain}>`;
  const raw = await new MailComposer({
    from: mail.from,
    to: mail.to,
    cc: mail.cc,
    subject: mail.subject,
    text: mail.text ?? '',
    messageId,
    inReplyTo: mail.inReplyTo,
    references: mail.references,
    date: new Date(),
    attachments: mail.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
    })),
  })
    .compile()
    .build();
  const address = (text: string) => /<([^>]+)>/.exec(text)?.[1] ?? text.trim();
  return {
    messageId,
    raw,
    envelope: { from: address(mail.from), to: [...mail.to, ...(mail.cc ?? [])].map(address) },
  };
}

export interface SmtpSenderOptions {
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when the server offers it. */
  secure?: boolean;
  user?: string;
  password?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface SmtpReceipt {
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's last answer, e.g. `250 2.0.0 Ok: queued as …`. */
  response: string;
}

export class SmtpSender {
  private readonly transporter: Transporter;

  constructor(private readonly options: SmtpSenderOptions) {
    const timeout = options.timeoutMs ?? 30_000;
    this.transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: options.secure ?? false,
      auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  /** Delivers a composed message byte for byte; refused recipients are an error naming them. */
  async send(mail: ComposedMail): Promise<SmtpReceipt> {
    const target = `smtp://${this.options.host}:${this.options.port}`;
    let info: { accepted?: unknown[]; rejected?: unknown[]; response?: string };
    try {
      info = await this.transporter.sendMail({ envelope: mail.envelope, raw: mail.raw });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: string }).code;
      throw new TransportError(
        'email',
        code === 'ETIMEDOUT' ? 'timeout' : code === 'ECONNECTION' || code === 'EAUTH' ? 'connect' : 'io',
        `cannot send ${mail.messageId} through ${target}: ${message}`,
        { target, cause: error },
      );
    }
    const list = (values: unknown[]) =>
      values.map((v) => (typeof v === 'string' ? v : String((v as { address?: string }).address)));
    const rejected = list(info.rejected ?? []);
    if (rejected.length)
      throw new TransportError(
        'email',
        'protocol',
        `${target} refused ${rejected.join(', ')} for ${mail.messageId}`,
        {
          target,
          retryable: false,
        },
      );
    return {
      messageId: mail.messageId,
      accepted: list(info.accepted ?? []),
      rejected,
      response: info.response ?? '',
    };
  }

  close(): void {
    this.transporter.close();
  }
}
