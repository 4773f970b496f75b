/**
 * An insurer's e-mail settings for a reply: the SMTP server, our From address and the insurer's
 * desk, read from its adapter (`channels.email` in adapters/<insurer>/adapter.yaml, EMAIL.md).
 * The adapter-config types of `channels.email` belong to the e-mail channel (mailchannel branch);
 * until they are merged this module reads the few fields it needs itself, and checks them here.
 */
import { loadAdapter, resolveSecret } from '../../src/exchange/adapter-config';
import type { SmtpSenderOptions } from '../../src/exchange/transports/email';
import { CorrespondenceError } from './errors';

export interface InsurerMailSettings {
  smtp: SmtpSenderOptions;
  /** Our address, e.g. `Агенція <registers@agency.example>`. */
  from: string;
  /** The insurer's desk, used when the letter answered has no sender to answer. */
  to: string | null;
}

/** Answers the settings of an insurer (by code); throws CorrespondenceError when it has none. */
export type MailSettingsSource = (insurerCode: string) => InsurerMailSettings | Promise<InsurerMailSettings>;

export interface AdapterSettingsOptions {
  secretsDir: string;
  adaptersDir?: string;
  env?: NodeJS.ProcessEnv;
}

function unusable(insurer: string, field: string, what: string): CorrespondenceError {
  return new CorrespondenceError(
    'unavailable',
    `adapter of ${insurer}: channels.email.${field} ${what}; a reply cannot be sent`,
    `channels.email.${field}`,
  );
}

/** Settings from the adapters' `channels.email` (passwords as `secret:`/`env:` references). */
export function mailSettingsFromAdapters(options: AdapterSettingsOptions): MailSettingsSource {
  return (insurerCode) => {
    let email: Record<string, unknown> | undefined;
    try {
      email = loadAdapter(insurerCode, { adaptersDir: options.adaptersDir }).channels.email as
        Record<string, unknown> | undefined;
    } catch (error) {
      throw new CorrespondenceError(
        'unavailable',
        `no usable adapter for ${insurerCode}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (!email || typeof email !== 'object') throw unusable(insurerCode, 'smtp', 'is not configured');
    const smtp = email.smtp as Record<string, unknown> | undefined;
    if (!smtp || typeof smtp !== 'object') throw unusable(insurerCode, 'smtp', 'is not configured');
    if (typeof smtp.host !== 'string' || !smtp.host) throw unusable(insurerCode, 'smtp.host', 'is missing');
    if (typeof smtp.port !== 'number' || !Number.isInteger(smtp.port))
      throw unusable(insurerCode, 'smtp.port', 'is not a whole number');
    if (typeof email.from !== 'string' || !email.from) throw unusable(insurerCode, 'from', 'is missing');
    let password: string | undefined;
    if (typeof smtp.password === 'string')
      password = /^(secret|env|file):/.test(smtp.password)
        ? resolveSecret(smtp.password, { secretsDir: options.secretsDir, env: options.env })
        : smtp.password;
    return {
      smtp: {
        host: smtp.host,
        port: smtp.port,
        secure: smtp.secure === true,
        user: typeof smtp.user === 'string' ? smtp.user : undefined,
        password,
      },
      from: email.from,
      to: typeof email.to === 'string' ? email.to : null,
    };
  };
}
