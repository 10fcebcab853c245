// The workers: every module's job handlers, event consumers and the outbox
// relay (their `workers` hooks, wiring/modules.ts), plus the root's
// maintenance schedules and scheduled backups. They run inside the web process with WORKERS=inline (the default: one
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
import type { SessionRevoker } from '../modules/auth/sign-out-everywhere.ts';
import { EventHandlers } from '../modules/events/registry.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import { createLockManager } from './engines.ts';
import type { ServiceJobQueue } from './engines.ts';
import { createScheduler, type Scheduler } from '../platform/scheduler.ts';
import type { SharedState } from './engines.ts';
import { EXPIRE_QUEUE, PRUNE_QUEUE, SIGN_OUTS_QUEUE, startMaintenance } from './maintenance.ts';
import type { ServiceMailer } from './mail.ts';
import { MODULE_QUEUES, startModuleWorkers } from './modules.ts';
import type { SearchEngine } from '../ports/search.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { ProductCache } from '../modules/catalog/product-cache.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { ServiceStats } from './service-stats.ts';

export interface WorkerDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  /** Registered on the lifecycle by the caller, before the workers. */
  readonly queue: ServiceJobQueue;
  /** For the scheduler's lock: Redis when configured, else the database. */
  readonly shared: SharedState;
  /** Closed by the caller after the workers (register it on the lifecycle first). */
  readonly mailer: ServiceMailer;
  /** Where sign-outs whose first try failed are finished (engines.ts). */
  readonly sessions: SessionRevoker;
  /** Opens the webhook signing secrets (platform/data-key.ts). */
  readonly dataKey: Buffer;
  /** The embedded database's snapshot, for scheduled backups; absent on PostgreSQL. */
  readonly snapshot?: () => Promise<Uint8Array>;
  /** The search engine; one with its own index is kept in step by the product events. */
  readonly search: SearchEngine;
  /** What the jobs and deliveries count, and the webhook hosts' breakers (service-stats.ts). */
  readonly stats: ServiceStats;
  /** Where product images are kept (wiring/blobs.ts). */
  readonly blobs: BlobStore;
  /** Told of product versions the workers make (a processed image); undefined with CACHE_ENABLED=false. */
  readonly productCache: ProductCache | undefined;
}

export interface Workers {
  readonly handlers: EventHandlers;
  readonly scheduler: Scheduler;
}

/** Every queue the workers take jobs from: the jobs dashboard's list, and what is pruned. */
export const WORKED_QUEUES: readonly string[] = [
  ...MODULE_QUEUES,
  PRUNE_QUEUE,
  SIGN_OUTS_QUEUE,
  EXPIRE_QUEUE,
  BACKUP_QUEUE,
];

export function startWorkers(config: Config, deps: WorkerDeps): Workers {
  const { logger, lifecycle, sql, queue } = deps;
  const handlers = new EventHandlers();
  // Before any handler is registered: every job is timed and counted.
  deps.stats.jobs.instrument(queue);
  const scheduler = createScheduler({
    queue,
    locks: createLockManager({ sql, shared: deps.shared, lifecycle }),
    // The scheduler names itself (`component: scheduler`); a child here would
    // put the key on every line twice.
    logger,
    tickMs: config.scheduler.tickMs,
    misfireGraceMs: config.scheduler.misfireGraceMs,
  });
  // Event consumers, job handlers and schedules, each module its own; the
  // events module's relay starts last among them, once every consumer is in.
  startModuleWorkers({
    config,
    logger,
    lifecycle,
    sql,
    shared: deps.shared,
    dataKey: deps.dataKey,
    mailer: deps.mailer,
    queue,
    sessions: deps.sessions,
    handlers,
    scheduler,
    search: deps.search,
    webhookHosts: deps.stats.webhookHosts,
    webhookOutcomes: (outcome) => {
      deps.stats.webhookDeliveries.add([outcome]);
    },
    blobs: deps.blobs,
    productCache: deps.productCache,
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
  // Its lock may live on Redis: the first tick waits (boundedly) for the
  // connection start-up is still making, instead of reporting the lock store
  // down while it is only connecting. Redis really down is then reported.
  let closing = false;
  void deps.shared.connected().then(() => {
    if (!closing) scheduler.start();
  });
  lifecycle.add({
    name: 'scheduler',
    close: () => {
      closing = true;
      return scheduler.stop();
    },
  });
  return { handlers, scheduler };
}
