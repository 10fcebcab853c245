// Operations in the composition root: the audit trail every module writes
// to, outgoing mail (started here because requests and workers both send),
// and the operators' views — cache counters, the jobs dashboard, the audit
// log, the mail outbox and suppression list.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import type { App } from '../http/app.ts';
import type { JsonObject } from '../modules/audit/chain.ts';
import { registerAuditRoutes } from '../modules/audit/routes.ts';
import { createAuditService, type AuditService } from '../modules/audit/service.ts';
import type { AuditSink } from '../ports/audit.ts';
import type { Product } from '../modules/catalog/schemas.ts';
import { registerMailRoutes } from '../modules/mail/routes.ts';
import { createSuppressionStore } from '../modules/mail/suppressions.ts';
import { registerJobsRoutes } from '../modules/ops/jobs-routes.ts';
import { registerOpsRoutes } from '../modules/ops/routes.ts';
import { BackgroundTasks } from '../platform/background.ts';
import type { CacheAside } from '../platform/cache/cache-aside.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { createMailer, type ServiceMailer } from './mail.ts';
import type { ServiceJobQueue } from './engines.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import { WORKED_QUEUES } from './workers.ts';

export interface Audit {
  readonly log: AuditService;
  /** What services record to. */
  readonly sink: AuditSink;
}

export function createAudit(sql: SqlDatabase<Database>): Audit {
  const log = createAuditService({ sql });
  return {
    log,
    sink: {
      async record(entry) {
        await log.record({ ...entry, details: entry.details as JsonObject | undefined });
      },
    },
  };
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

export interface OperationsDeps {
  readonly logger: Logger;
  readonly sql: SqlDatabase<Database>;
  readonly audit: Audit;
  readonly mailer: ServiceMailer;
  readonly queue: ServiceJobQueue;
  readonly productCache: CacheAside<Product> | undefined;
}

export function registerOperations(app: App, config: Config, deps: OperationsDeps): void {
  const { audit, productCache } = deps;
  registerOpsRoutes(app, { caches: productCache === undefined ? {} : { products: productCache } });
  registerAuditRoutes(app, audit.log);
  registerJobsRoutes(app, { queue: deps.queue, queues: WORKED_QUEUES, audit: audit.sink });
  registerMailRoutes(app, {
    store: createSuppressionStore(deps.sql),
    outbox: deps.mailer.outbox,
    eventsSecret: config.mail.eventsSecret,
    audit: audit.sink,
    logger: deps.logger,
  });
}
