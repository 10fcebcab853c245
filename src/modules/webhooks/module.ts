// Webhooks: endpoints that receive the shop's public events, signed, with a
// delivery log, retries on a schedule and dead letters.

import type { BreakerFamily } from '../../platform/breakers.ts';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import { createSecretBox } from '../../platform/secret-box.ts';
import type { AuditSink } from '../../ports/audit.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventHandlers } from '../events/registry.ts';
import { defineModule } from '../contract.ts';
import { WEBHOOKS_QUEUE, type DeliveryOutcome } from './delivery.ts';
import { webhooksErrors } from './errors.ts';
import { deliveryQueue, type DeliveryQueue } from './jobs.ts';
import { registerWebhooksRoutes } from './routes.ts';
import { createWebhooksService } from './service.ts';
import type { WebhooksDatabase } from './tables.ts';
import { startWebhookWorkers } from './workers.ts';

/** The job queue as deliveries use it: enqueued within a transaction where the backend can. */
type TransactionalQueue = Pick<DeliveryQueue, 'enqueue' | 'enqueueWithin'>;

function deliveries(config: Config, queue: TransactionalQueue): DeliveryQueue {
  return deliveryQueue(queue, config.queue.backend === 'postgres');
}

export const webhooksModule = defineModule({
  name: 'webhooks',
  errors: webhooksErrors,
  queues: [WEBHOOKS_QUEUE],
  routes(
    app,
    context: {
      readonly config: Config;
      readonly sql: SqlDatabase<WebhooksDatabase>;
      readonly audit: AuditSink;
      readonly queue: TransactionalQueue;
      readonly dataKey: Buffer;
    },
  ) {
    registerWebhooksRoutes(
      app,
      createWebhooksService({
        sql: context.sql,
        box: createSecretBox(context.dataKey),
        audit: context.audit,
        queue: deliveries(context.config, context.queue),
        settings: context.config.webhooks,
      }),
    );
  },
  workers(context: {
    readonly config: Config;
    readonly logger: Logger;
    readonly sql: SqlDatabase<WebhooksDatabase>;
    readonly queue: TransactionalQueue & Pick<JobQueue, 'process'>;
    readonly handlers: EventHandlers;
    readonly dataKey: Buffer;
    readonly webhookHosts?: BreakerFamily;
    readonly webhookOutcomes?: (outcome: DeliveryOutcome) => void;
  }) {
    startWebhookWorkers({
      handlers: context.handlers,
      deliveries: deliveries(context.config, context.queue),
      queue: context.queue,
      sql: context.sql,
      box: createSecretBox(context.dataKey),
      logger: context.logger,
      settings: context.config.webhooks,
      ...(context.webhookHosts === undefined ? {} : { hosts: context.webhookHosts }),
      ...(context.webhookOutcomes === undefined ? {} : { outcomes: context.webhookOutcomes }),
    });
  },
});
