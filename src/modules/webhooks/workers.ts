// The webhook side of the workers (src/wiring/workers.ts): the fan-out consumer of
// every domain event, and the delivery job's handler.

import type { WebhooksDatabase } from './tables.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventHandlers } from '../events/registry.ts';
import type { BreakerFamily } from '../../platform/breakers.ts';
import {
  createDeliveryHandler,
  WEBHOOKS_QUEUE,
  type DeliveryOutcome,
  type DeliverySettings,
} from './delivery.ts';
import { registerWebhookFanOut } from './fan-out.ts';
import type { DeliveryQueue } from './jobs.ts';

export interface WebhookWorkerDeps {
  readonly handlers: EventHandlers;
  /** Where delivery jobs are enqueued (jobs.ts) … */
  readonly deliveries: DeliveryQueue;
  /** … and handled. */
  readonly queue: Pick<JobQueue, 'process'>;
  readonly sql: SqlDatabase<WebhooksDatabase>;
  readonly box: SecretBox;
  readonly logger: Logger;
  readonly settings: DeliverySettings & { readonly concurrency: number };
  readonly hosts?: BreakerFamily;
  readonly outcomes?: (outcome: DeliveryOutcome) => void;
}

export function startWebhookWorkers(deps: WebhookWorkerDeps): void {
  const { sql, settings } = deps;
  registerWebhookFanOut(deps.handlers, { sql, queue: deps.deliveries, settings });
  const handler = createDeliveryHandler({
    sql,
    box: deps.box,
    logger: deps.logger.child({ component: 'webhooks' }),
    settings,
    ...(deps.hosts === undefined ? {} : { hosts: deps.hosts }),
    ...(deps.outcomes === undefined ? {} : { outcomes: deps.outcomes }),
    requeue: (job, options) => deps.deliveries.enqueue(WEBHOOKS_QUEUE, { ...job }, options),
  });
  deps.queue.process(WEBHOOKS_QUEUE, handler, { concurrency: settings.concurrency });
}
