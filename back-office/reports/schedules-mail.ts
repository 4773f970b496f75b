/**
 * The intermediary's own mail settings for reports sent by e-mail (not an insurer's channel):
 *
 * - `ECSPERT_REPORT_SMTP_URL`: `smtp://user:password@host:port` (STARTTLS when the server offers
 *   it) or `smtps://…` (TLS from the first byte); user and password optional, URL-encoded;
 * - `ECSPERT_REPORT_MAIL_FROM`: the From of the mail, e.g. `Агенція <reports@agency.example>`.
 *
 * Unset: no settings; a run still renders and stores every mail, and each delivery is kept failed
 * saying what to set, so it can be sent again once the settings are there.
 */
import { ConfigError } from '../../src/config';
import type { SmtpSenderOptions } from '../../src/exchange/transports/email';

export interface ReportMailSettings {
  smtp: SmtpSenderOptions;
  from: string;
}

export function reportMailFromEnv(env: NodeJS.ProcessEnv = process.env): ReportMailSettings | null {
  const raw = env.ECSPERT_REPORT_SMTP_URL?.trim();
  const from = env.ECSPERT_REPORT_MAIL_FROM?.trim();
  if (!raw && !from) return null;
  if (!raw) throw new ConfigError('ECSPERT_REPORT_SMTP_URL', 'is needed with ECSPERT_REPORT_MAIL_FROM');
  if (!from) throw new ConfigError('ECSPERT_REPORT_MAIL_FROM', 'is needed with ECSPERT_REPORT_SMTP_URL');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('ECSPERT_REPORT_SMTP_URL', 'is not a URL like smtp://user:password@host:587');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new ConfigError('ECSPERT_REPORT_SMTP_URL', `'${url.protocol}' is not smtp: or smtps:`);
  const secure = url.protocol === 'smtps:';
  const port = url.port ? Number(url.port) : secure ? 465 : 587;
  return {
    smtp: {
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port,
      secure,
      user: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
    },
    from,
  };
}
