// The mailer the service gets from config: the transport (SMTP, or the disk
// outbox: engines.ts) behind the suppression list
// (modules/mail/suppressing-mailer.ts), so an address that bounced hard or
// complained gets nothing more. Used by the web process and by `npm run
// worker` alike.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import { suppressingMailer } from '../modules/mail/suppressing-mailer.ts';
import { createSuppressionStore } from '../modules/mail/suppressions.ts';
import { BackgroundTasks } from '../platform/background.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { Mailer, MailOutbox } from '../ports/mailer.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { openMailTransport } from './engines.ts';

export interface ServiceMailer extends Mailer {
  /** The disk outbox behind the mailer (the admin listing reads it); undefined with SMTP. */
  readonly outbox: MailOutbox | undefined;
}

export function createMailer(
  config: Config,
  logger: Logger,
  sql: SqlDatabase<Database>,
): ServiceMailer {
  const { transport, outbox } = openMailTransport(config, logger);
  const mailer = suppressingMailer(transport, createSuppressionStore(sql), logger);
  return { send: (message) => mailer.send(message), close: () => mailer.close(), outbox };
}

export interface Mail {
  readonly mailer: ServiceMailer;
  /** Mail sent after its response went out; drained on shutdown. */
  readonly background: BackgroundTasks;
}

/**
 * The mailer (every send checks the suppression list) and the background
 * work that sends from requests. Register it before the listener (main.ts
 * does), so it closes after it: no request can start new mail once the
 * pending mail is being waited for.
 */
export function startMail(
  config: Config,
  deps: { logger: Logger; lifecycle: Lifecycle; sql: SqlDatabase<Database> },
): Mail {
  const background = new BackgroundTasks(deps.logger);
  const mailer = createMailer(config, deps.logger, deps.sql);
  deps.lifecycle.add({
    name: 'mail',
    close: async () => {
      await background.idle();
      await mailer.close?.();
    },
  });
  return { mailer, background };
}
