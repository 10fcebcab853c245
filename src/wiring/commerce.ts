// Commerce in the composition root: the catalog (with its read cache), the
// wallets and ledger, orders, and the shop's webhook integrations that
// report what happens to them.

import type { Logger } from 'pino';
import type { Database } from './tables.ts';
import type { App } from '../http/app.ts';
import type { AuditSink } from '../ports/audit.ts';
import { createCursorCodec } from '../modules/catalog/cursor.ts';
import { registerCatalogRoutes } from '../modules/catalog/routes.ts';
import type { Product } from '../modules/catalog/schemas.ts';
import { createCatalogService } from '../modules/catalog/service.ts';
import type { recordEvent } from '../modules/events/outbox.ts';
import { registerOrdersRoutes } from '../modules/orders/routes.ts';
import { createOrdersService } from '../modules/orders/service.ts';
import { chargeOrder, refundOrder } from '../modules/payments/ledger.ts';
import { registerPaymentsRoutes } from '../modules/payments/routes.ts';
import { createPaymentsService } from '../modules/payments/service.ts';
import { deliveryQueue } from '../modules/webhooks/jobs.ts';
import { registerWebhooksRoutes } from '../modules/webhooks/routes.ts';
import { createWebhooksService } from '../modules/webhooks/service.ts';
import { CacheAside } from '../platform/cache/cache-aside.ts';
import type { Config } from '../platform/config.ts';
import { deriveKey } from '../platform/data-key.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { ServiceJobQueue } from './engines.ts';
import { createSecretBox } from '../platform/secret-box.ts';
import type { SharedState } from './engines.ts';
import type { SqlDatabase } from '../ports/sql.ts';

/**
 * The product read cache on the shared state (in process, or Redis with
 * REDIS_URL), listening for other instances' invalidations from start-up.
 */
export function createProductCache(
  config: Config,
  deps: { shared: SharedState; logger: Logger; lifecycle: Lifecycle },
): CacheAside<Product> {
  const cache = new CacheAside<Product>({
    kv: deps.shared.kv,
    pubsub: deps.shared.pubsub,
    namespace: 'products',
    ttlMs: config.cache.productTtlMs,
    staleMs: config.cache.staleMs,
    localTtlMs: config.cache.localTtlMs,
    versionOf: (product) => product.version,
    logger: deps.logger,
  });
  void cache.start();
  deps.lifecycle.add({ name: 'product cache', close: () => cache.stop() });
  return cache;
}

export interface CommerceDeps {
  readonly sql: SqlDatabase<Database>;
  readonly audit: AuditSink;
  readonly queue: ServiceJobQueue;
  readonly dataKey: Buffer;
  readonly productCache: CacheAside<Product> | undefined;
  /** How orders record `order.placed`; the outbox when absent (bench/orders replaces it). */
  readonly recordOrderEvent?: typeof recordEvent | undefined;
}

export function registerCommerce(app: App, config: Config, deps: CommerceDeps): void {
  const { sql, audit, productCache } = deps;
  registerCatalogRoutes(
    app,
    createCatalogService({ sql, cache: productCache }),
    createCursorCodec(deriveKey(deps.dataKey, 'catalog-cursor')),
  );
  registerPaymentsRoutes(app, createPaymentsService({ sql, audit }));
  registerOrdersRoutes(
    app,
    createOrdersService({
      sql,
      audit,
      payments: { chargeOrder, refundOrder },
      recordEvent: deps.recordOrderEvent,
      // Stock is part of a product's representation: orders invalidate it too.
      productsChanged: async (changes) => {
        for (const { id, version } of changes) await productCache?.invalidate(id, version);
      },
    }),
  );
  registerWebhooksRoutes(
    app,
    createWebhooksService({
      sql,
      box: createSecretBox(deps.dataKey),
      audit,
      queue: deliveryQueue(deps.queue, config.queue.backend === 'postgres'),
      settings: config.webhooks,
    }),
  );
}
