/**
 * The e-mail channel of an exchange run, from the adapter's `channels.email`: the mailbox (IMAP,
 * position kept in the database, nothing deleted unless `imap.deleteAfterImport`) and the SMTP
 * sender, credentials from the secrets folder or the environment. Overrides point them at the
 * sandbox insurer's servers.
 */
import type { Database } from '../../db';
import { type LoadedAdapter, resolveSecret } from '../adapter-config';
import { type ExchangeDeps, receiveMail } from '../pipeline';
import { pullNew } from '../transports/transport';
import { ImapMailbox, SmtpSender } from '../transports/email';
import { DatabaseFetchedRegistry, ExchangeCursors } from './state';

export interface EmailOverrides {
  imap?: { host?: string; port?: number; secure?: boolean; user?: string; password?: string };
  smtp?: { host?: string; port?: number; secure?: boolean; user?: string; password?: string };
}

export function openMailbox(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  insurerId: number,
  overrides: EmailOverrides = {},
): ImapMailbox | null {
  const config = adapter.channels.email?.imap;
  if (!config) return null;
  const o = overrides.imap ?? {};
  return new ImapMailbox({
    host: o.host ?? config.host,
    port: o.port ?? config.port,
    secure: o.secure ?? config.secure,
    user: o.user ?? config.user,
    password: o.password ?? resolveSecret(config.password, { secretsDir: deps.secretsDir, env: deps.env }),
    mailbox: config.mailbox,
    afterStore: config.deleteAfterImport ? { delete: true } : undefined,
    maxMessageBytes: adapter.channels.email?.maxMessageBytes,
    registry: new DatabaseFetchedRegistry(deps.database as Database, insurerId, 'email'),
    positions: new ExchangeCursors(deps.database, insurerId),
  });
}

export function openSmtp(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  overrides: EmailOverrides = {},
): SmtpSender | null {
  const config = adapter.channels.email?.smtp;
  if (!config) return null;
  const o = overrides.smtp ?? {};
  const password =
    o.password ??
    (config.password
      ? resolveSecret(config.password, { secretsDir: deps.secretsDir, env: deps.env })
      : undefined);
  return new SmtpSender({
    host: o.host ?? config.host,
    port: o.port ?? config.port,
    secure: o.secure ?? config.secure,
    user: o.user ?? config.user,
    password,
  });
}

/** Takes in every new mail: stored raw first, then typed; a mail that fails is fetched again next time. */
export async function pullMailbox(
  deps: ExchangeDeps,
  adapter: LoadedAdapter,
  mailbox: ImapMailbox,
  onStored: (name: string, messageId: number, duplicate: boolean) => void = () => undefined,
) {
  return pullNew(mailbox, async (item) => {
    const received = await receiveMail(deps, adapter.insurer.code, Buffer.from(item.bytes), {
      externalId: item.externalId,
    });
    onStored(received.message.externalName ?? item.name, received.message.id, received.duplicate);
  });
}
