// The service's modules, in one list: what `createService` registers routes
// for (in this order, which is also the OpenAPI document's), what the
// workers start, and where the error catalog and the queue list come from.
// Adding a module is a folder under modules/ with its `module.ts`, a line
// here, and its migrations (README, "Adding a module").
//
// Each module asks for the parts it needs by type; `ServiceContext` and
// `WorkerContext` are what the root hands all of them, so the compiler
// checks below that every module gets what it asks for.

import type { Logger } from 'pino';
import type { App } from '../http/app.ts';
import type { GrpcService } from '../grpc/unary.ts';
import type { RateLimitMiddleware } from '../http/middleware/rate-limit/rate-limit.ts';
import type { SecurityHeaders } from '../http/middleware/security-headers/policy.ts';
import { apiKeysModule } from '../modules/api-keys/module.ts';
import { auditModule } from '../modules/audit/module.ts';
import type { AuditService } from '../modules/audit/service.ts';
import { authModule } from '../modules/auth/module.ts';
import { blobsModule } from '../modules/blobs/module.ts';
import type { SessionRevoker } from '../modules/auth/session-store.ts';
import type { KeyRing } from '../modules/auth/tokens/signing-keys.ts';
import { catalogModule } from '../modules/catalog/module.ts';
import { consoleModule } from '../modules/console/module.ts';
import type { ProductCache } from '../modules/catalog/product-cache.ts';
import type { ProductTextSearch } from '../modules/catalog/text-search.ts';
import { eventsModule } from '../modules/events/module.ts';
import type { recordEvent } from '../modules/events/outbox.ts';
import type { EventHandlers } from '../modules/events/registry.ts';
import type { FeatureFlags } from '../modules/flags/feature-flags.ts';
import { flagsModule } from '../modules/flags/module.ts';
import { healthModule } from '../modules/health/module.ts';
import type { ReadinessChecks } from '../modules/health/readiness.ts';
import { inventoryModule } from '../modules/inventory/module.ts';
import { mailModule } from '../modules/mail/module.ts';
import { metricsModule } from '../modules/metrics/module.ts';
import { opsModule } from '../modules/ops/module.ts';
import { ordersModule } from '../modules/orders/module.ts';
import { paymentsModule } from '../modules/payments/module.ts';
import { realtimeModule } from '../modules/realtime/module.ts';
import { productImagesModule } from '../modules/product-images/module.ts';
import { searchModule } from '../modules/search/module.ts';
import { usersModule } from '../modules/users/module.ts';
import type { SignOutEverywhere } from '../modules/users/ports.ts';
import { webhooksModule } from '../modules/webhooks/module.ts';
import type { BackgroundTasks } from '../platform/background.ts';
import type { Config } from '../platform/config.ts';
import type { LiveConfig } from '../platform/live-config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { ServiceMetrics } from '../platform/metrics/metrics.ts';
import type { BreakerFamily } from '../platform/breakers.ts';
import type { DeliveryOutcome } from '../modules/webhooks/delivery.ts';
import type { Scheduler } from '../platform/scheduler.ts';
import type { AuditSink } from '../ports/audit.ts';
import type { BlobStore, SelfServedBlobs } from '../ports/blob-store.ts';
import type { SearchEngine } from '../ports/search.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { ServiceJobQueue, SharedState } from './engines.ts';
import type { ServiceMailer } from './mail.ts';
import type { Database } from './tables.ts';
import type { Credentials } from './trust.ts';

export const MODULES = [
  healthModule,
  metricsModule,
  authModule,
  usersModule,
  apiKeysModule,
  catalogModule,
  productImagesModule,
  searchModule,
  paymentsModule,
  ordersModule,
  realtimeModule,
  inventoryModule,
  webhooksModule,
  flagsModule,
  opsModule,
  auditModule,
  mailModule,
  eventsModule,
  blobsModule,
  consoleModule,
] as const;

/** What every module's routes are built from: the parts the root builds once. */
export interface ServiceContext {
  readonly config: Config;
  /** The configuration after the reloads (SIGHUP) so far; for settings read when used. */
  readonly live: LiveConfig;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  readonly readiness: ReadinessChecks;
  readonly shared: SharedState;
  readonly keys: KeyRing;
  readonly dataKey: Buffer;
  readonly audit: AuditSink;
  readonly auditLog: AuditService;
  readonly mailer: ServiceMailer;
  readonly background: BackgroundTasks;
  readonly queue: ServiceJobQueue;
  /** Every queue the workers take jobs from (MODULE_QUEUES and the root's own). */
  readonly queues: readonly string[];
  readonly credentials: Credentials;
  readonly signOut: SignOutEverywhere;
  readonly signInLimits: readonly RateLimitMiddleware[];
  readonly productCache: ProductCache | undefined;
  readonly search: SearchEngine;
  /** The product list's `q`, answered by `search` (modules/search/product-search.ts). */
  readonly productSearch: ProductTextSearch;
  /** Undefined when METRICS_ENABLED=false. */
  readonly metrics: ServiceMetrics | undefined;
  readonly recordOrderEvent?: typeof recordEvent | undefined;
  readonly blobs: BlobStore;
  /** The blob store when the service serves its presigned URLs (local disk). */
  readonly selfServedBlobs: SelfServedBlobs | undefined;
  /** The browser hardening policy; pages served by modules take their CSP from it. */
  readonly security: SecurityHeaders;
  /** Feature flags, evaluated through OpenFeature (modules/flags/). */
  readonly flags: FeatureFlags;
}

/** What every module's workers are built from, in the web process or in `npm run worker`. */
export interface WorkerContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
  readonly shared: SharedState;
  readonly dataKey: Buffer;
  readonly mailer: ServiceMailer;
  readonly queue: ServiceJobQueue;
  readonly sessions: SessionRevoker;
  readonly handlers: EventHandlers;
  readonly scheduler: Scheduler;
  /** The same engine the routes search; its `index`, if any, is kept in step by events. */
  readonly search: SearchEngine;
  /** A circuit breaker per webhook host (service-stats.ts). */
  readonly webhookHosts: BreakerFamily;
  /** Counts each webhook delivery attempt's outcome for the metrics. */
  readonly webhookOutcomes: (outcome: DeliveryOutcome) => void;
  readonly blobs: BlobStore;
  readonly productCache: ProductCache | undefined;
}

export function registerModuleRoutes(app: App, context: ServiceContext): void {
  for (const module of MODULES) module.routes?.(app, context);
}

/** Every module's gRPC services (wiring/grpc.ts serves them when GRPC_PORT is set). */
export function moduleGrpcServices(context: ServiceContext): GrpcService[] {
  return MODULES.flatMap((module) => module.grpc?.(context) ?? []);
}

export function startModuleWorkers(context: WorkerContext): void {
  for (const module of MODULES) module.workers?.(context);
}

/** The queues the modules' workers take jobs from. */
export const MODULE_QUEUES: readonly string[] = MODULES.flatMap((module) => module.queues ?? []);
