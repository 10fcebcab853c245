// Mail: the suppression list every send checks (hard bounces, complaints),
// the provider's signed delivery events that feed it, and the
// administrators' views of the list and of the disk outbox.

import type { Config } from '../../platform/config.ts';
import type { LiveConfig } from '../../platform/live-config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { MailOutbox } from '../../ports/mailer.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import { mailErrors } from './errors.ts';
import { registerMailRoutes } from './routes.ts';
import { createSuppressionStore } from './suppressions.ts';
import type { MailTables } from './tables.ts';

export const mailModule = defineModule({
  name: 'mail',
  errors: mailErrors,
  routes(
    app,
    context: {
      readonly config: Config;
      readonly live: LiveConfig;
      readonly logger: Logger;
      readonly sql: SqlDatabase<MailTables>;
      readonly audit: AuditSink;
      /** The disk outbox behind the mailer; undefined with SMTP. */
      readonly mailer: { readonly outbox: MailOutbox | undefined };
    },
  ) {
    registerMailRoutes(app, {
      store: createSuppressionStore(context.sql),
      outbox: context.mailer.outbox,
      // Read per event: a reload (SIGHUP) may rotate it.
      eventsSecret: () => context.live.current().mail.eventsSecret,
      audit: context.audit,
      logger: context.logger,
    });
  },
});
