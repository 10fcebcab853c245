// The mailer the service gets from config: SMTP when SMTP_URL is set;
// otherwise the disk outbox in DATA_DIR/mail. Production without SMTP_URL
// starts, with a warning, instead of refusing: a deployment may legitimately
// send no mail yet (an internal or staging instance, where operators read the
// outbox), and production configurations that predate mail keep starting.
// Until it is set, no user receives a verification or reset email. Used by
// the web process and by `npm run worker` alike.

import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createDiskOutbox } from '../adapters/mail/disk-outbox.ts';
import { createSmtpMailer } from '../adapters/mail/smtp.ts';
import type { AccountLinks } from '../modules/auth/account-mail.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { Config } from './config.ts';

export function createMailer(config: Config, logger: Logger): Mailer {
  const from = config.mail.from;
  if (config.mail.smtpUrl !== undefined) {
    return createSmtpMailer({ url: config.mail.smtpUrl, from });
  }
  const dir = join(resolve(config.dataDir), 'mail');
  if (config.nodeEnv === 'production') {
    logger.warn({ dir }, 'SMTP_URL is not set: emails are written to the disk outbox, not sent');
  }
  return createDiskOutbox({ dir, from });
}

/** Where the links in account mail point: PUBLIC_URL, or this instance. */
export function accountLinks(config: Config): AccountLinks {
  return {
    baseUrl:
      config.http.publicUrl ??
      `${config.tls.enabled ? 'https' : 'http'}://localhost:${config.http.port}`,
  };
}
