// The mailer the service gets from config: SMTP when SMTP_URL is set;
// otherwise the disk outbox in DATA_DIR/mail. Either way every send first
// checks the suppression list (modules/mail/suppressing-mailer.ts): an
// address that bounced hard or complained gets nothing more. Production without SMTP_URL
// starts, with a warning, instead of refusing: a deployment may legitimately
// send no mail yet (an internal or staging instance, where operators read the
// outbox), and production configurations that predate mail keep starting.
// Until it is set, no user receives a verification or reset email. Used by
// the web process and by `npm run worker` alike.

import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { createDiskOutbox, type DiskOutbox } from '../adapters/mail/disk-outbox.ts';
import { createSmtpMailer } from '../adapters/mail/smtp.ts';
import type { Database } from '../db/schema.ts';
import type { AccountLinks } from '../modules/auth/account-mail.ts';
import { suppressingMailer } from '../modules/mail/suppressing-mailer.ts';
import { createSuppressionStore } from '../modules/mail/suppressions.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Config } from './config.ts';

export interface ServiceMailer extends Mailer {
  /** The disk outbox behind the mailer (the admin listing reads it); undefined with SMTP. */
  readonly outbox: DiskOutbox | undefined;
}

/** Product name in the subjects and footers of the service's mail. */
export const MAIL_SENDER_NAME = 'Throughline';

export function createMailer(
  config: Config,
  logger: Logger,
  sql: SqlDatabase<Database>,
): ServiceMailer {
  const from = config.mail.from;
  let transport: Mailer;
  let outbox: DiskOutbox | undefined;
  if (config.mail.smtpUrl !== undefined) {
    transport = createSmtpMailer({ url: config.mail.smtpUrl, from });
  } else {
    const dir = join(resolve(config.dataDir), 'mail');
    if (config.nodeEnv === 'production') {
      logger.warn({ dir }, 'SMTP_URL is not set: emails are written to the disk outbox, not sent');
    }
    transport = outbox = createDiskOutbox({ dir, from });
  }
  const mailer = suppressingMailer(transport, createSuppressionStore(sql), logger);
  return { send: (message) => mailer.send(message), close: () => mailer.close(), outbox };
}

/** Where the links in account mail point (PUBLIC_URL, or this instance), and its layout. */
export function accountLinks(config: Config): AccountLinks {
  return {
    baseUrl:
      config.http.publicUrl ??
      `${config.tls.enabled ? 'https' : 'http'}://localhost:${config.http.port}`,
    layout: { senderName: MAIL_SENDER_NAME, postalAddress: config.mail.postalAddress },
  };
}
