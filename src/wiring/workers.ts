// The workers: the job queue's handlers and the outbox relay (seed module
// 13). They run inside the web process with WORKERS=inline (the default: one
// process does everything), or in processes of their own with `npm run
// worker` (worker.ts), when WORKERS=off keeps the web instances to
// requests. Either way they are built here, from the same config, so an
// event is handled the same wherever it is.
//
// The caller builds the queue (engines.ts) — the web process needs
// it even without workers, for replays and the jobs dashboard.
//
// Shutdown order (the lifecycle closes in reverse): the relay and the
// scheduler stop first (they enqueue), then — registered earlier by the
// caller — the queue (its running handlers finish or give their jobs back),
// the mailer and the database they use.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import { BACKUP_QUEUE, backupDir, startScheduledBackups } from '../platform/scheduled-backups.ts';
import {
  onSignedOutEverywhere,
  SIGN_OUT_QUEUE,
  type SessionRevoker,
} from '../modules/auth/sign-out-everywhere.ts';
import { registerMailConsumers } from '../modules/auth/welcome-consumer.ts';
import { EVENTS_QUEUE } from '../modules/events/outbox.ts';
import { EventHandlers } from '../modules/events/registry.ts';
import { createOutboxRelay, type OutboxRelay } from '../modules/events/relay.ts';
import { ALLOCATE_QUEUE, allocateJob } from '../modules/orders/flow-steps.ts';
import {
  ORDER_COMPLETE_QUEUE,
  RECEIPT_QUEUE,
  receiptJob,
  registerOrderCompleteFlow,
  settleJob,
} from '../modules/orders/complete.ts';
import { CAPTURE_QUEUE, captureJob } from '../modules/orders/flow-steps.ts';
import { WEBHOOKS_QUEUE } from '../modules/webhooks/delivery.ts';
import { deliveryQueue } from '../modules/webhooks/jobs.ts';
import { startWebhookWorkers } from '../modules/webhooks/workers.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { accountLinks } from './mail.ts';
import { createLockManager } from './engines.ts';
import type { ServiceJobQueue } from './engines.ts';
import { createScheduler, type Scheduler } from '../platform/scheduler.ts';
import type { SharedState } from './engines.ts';
import { EXPIRE_QUEUE, PRUNE_QUEUE, SIGN_OUTS_QUEUE, startMaintenance } from './maintenance.ts';
import { createSecretBox } from '../platform/secret-box.ts';
import type { Mailer } from '../ports/mailer.ts';
import type { SqlDatabase } from '../ports/sql.ts';

export interface WorkerDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Registered on the lifecycle by the caller, before the workers. */
  readonly queue: ServiceJobQueue;
  /** For the scheduler's lock: Redis when configured, else the database. */
  readonly shared: SharedState;
  /** Closed by the caller after the workers (register it on the lifecycle first). */
  readonly mailer: Mailer;
  /** Where sign-outs whose first try failed are finished (engines.ts). */
  readonly sessions: SessionRevoker;
  /** Opens the webhook signing secrets (platform/data-key.ts). */
  readonly dataKey: Buffer;
  /** The embedded database's snapshot, for scheduled backups; absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
}

export interface Workers {
  readonly handlers: EventHandlers;
  readonly relay: OutboxRelay;
  readonly scheduler: Scheduler;
}

/** Every queue the workers take jobs from: the jobs dashboard's list, and what is pruned. */
export const WORKED_QUEUES: readonly string[] = [
  EVENTS_QUEUE,
  CAPTURE_QUEUE,
  RECEIPT_QUEUE,
  ALLOCATE_QUEUE,
  ORDER_COMPLETE_QUEUE,
  WEBHOOKS_QUEUE,
  SIGN_OUT_QUEUE,
  PRUNE_QUEUE,
  SIGN_OUTS_QUEUE,
  EXPIRE_QUEUE,
  BACKUP_QUEUE,
];

/**
 * How long a sign-out's job waits before repeating the request's own try:
 * ten times the Redis command timeout, comfortably more than the few
 * commands that try takes, and at least a second.
 */
function signOutRetryDelayMs(config: Config): number {
  return Math.max(1000, 10 * config.redis.commandTimeoutMs);
}

/** Events handled at once per process. */
const EVENT_CONCURRENCY = 4;
/**
 * Per step of the order-complete flow: captures contend for the escrow and
 * merchant wallet rows, so more at once only queue on the database.
 */
const ORDER_STEP_CONCURRENCY = 2;

export function startWorkers(config: Config, deps: WorkerDeps): Workers {
  const { logger, lifecycle, sql, queue } = deps;
  const handlers = new EventHandlers();
  registerMailConsumers(handlers, { sql, mailer: deps.mailer, links: accountLinks(config) });
  onSignedOutEverywhere(handlers, {
    sql,
    sessions: deps.sessions,
    queue,
    retryDelayMs: signOutRetryDelayMs(config),
  });
  registerOrderCompleteFlow(handlers, queue);
  startWebhookWorkers({
    handlers,
    deliveries: deliveryQueue(queue, config.queue.backend === 'postgres'),
    queue,
    sql,
    box: createSecretBox(deps.dataKey),
    logger,
    settings: config.webhooks,
  });
  queue.process(EVENTS_QUEUE, handlers.jobHandler(), { concurrency: EVENT_CONCURRENCY });
  const orderSteps = { concurrency: ORDER_STEP_CONCURRENCY };
  queue.process(CAPTURE_QUEUE, captureJob(sql), orderSteps);
  queue.process(
    RECEIPT_QUEUE,
    receiptJob({ sql, mailer: deps.mailer, links: accountLinks(config) }),
    orderSteps,
  );
  queue.process(ALLOCATE_QUEUE, allocateJob(sql), orderSteps);
  queue.process(ORDER_COMPLETE_QUEUE, settleJob(sql), orderSteps);
  const relay = createOutboxRelay({
    sql,
    enqueue: (trx, name, payload, options) => queue.enqueueWithin(trx, name, payload, options),
    logger: logger.child({ component: 'outbox' }),
    intervalMs: config.workers.outboxPollIntervalMs,
  });
  relay.start();
  lifecycle.add({ name: 'outbox relay', close: () => relay.stop() });
  const scheduler = createScheduler({
    queue,
    locks: createLockManager({ sql, shared: deps.shared, lifecycle }),
    // The scheduler names itself (`component: scheduler`); a child here would
    // put the key on every line twice.
    logger,
    tickMs: config.scheduler.tickMs,
    misfireGraceMs: config.scheduler.misfireGraceMs,
  });
  startMaintenance({
    queue,
    scheduler,
    sql,
    sessions: deps.sessions,
    logger: logger.child({ component: 'maintenance' }),
    queues: WORKED_QUEUES,
    retentionMs: config.queue.retentionMs,
  });
  if (deps.snapshot !== undefined && config.backup.schedule !== undefined) {
    startScheduledBackups({
      queue,
      scheduler,
      logger: logger.child({ component: 'backup' }),
      snapshot: deps.snapshot,
      cron: config.backup.schedule,
      dir: backupDir(config),
      keep: config.backup.keep,
    });
  }
  scheduler.start();
  lifecycle.add({ name: 'scheduler', close: () => scheduler.stop() });
  return { handlers, relay, scheduler };
}
