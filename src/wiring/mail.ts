// The mailer the service gets from config: the transport (SMTP, or the disk
// outbox: engines.ts) behind the suppression list
// (modules/mail/suppressing-mailer.ts), so an address that bounced hard or
// complained gets nothing more. Used by the web process and by `npm run
// worker` alike.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import type { AccountLinks } from '../modules/auth/account-mail.ts';
import { suppressingMailer } from '../modules/mail/suppressing-mailer.ts';
import { createSuppressionStore } from '../modules/mail/suppressions.ts';
import type { Config } from '../platform/config.ts';
import type { Mailer, MailOutbox } from '../ports/mailer.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { openMailTransport } from './engines.ts';

export interface ServiceMailer extends Mailer {
  /** The disk outbox behind the mailer (the admin listing reads it); undefined with SMTP. */
  readonly outbox: MailOutbox | undefined;
}

/** Product name in the subjects and footers of the service's mail. */
export const MAIL_SENDER_NAME = 'Throughline';

export function createMailer(
  config: Config,
  logger: Logger,
  sql: SqlDatabase<Database>,
): ServiceMailer {
  const { transport, outbox } = openMailTransport(config, logger);
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
