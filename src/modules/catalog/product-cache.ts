// The product read cache: cache-aside over the shared state (in process, or
// Redis with REDIS_URL), listening for other instances' invalidations from
// start-up. Orders invalidate it too: stock is part of a product's
// representation.

import { CacheAside } from '../../platform/cache/cache-aside.ts';
import type { Config } from '../../platform/config.ts';
import type { Lifecycle } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { KeyValueStore } from '../../ports/kv.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import type { Product } from './schemas.ts';

export type ProductCache = CacheAside<Product>;

export function createProductCache(
  config: Config,
  deps: {
    readonly shared: { readonly kv: KeyValueStore; readonly pubsub: PubSub };
    readonly logger: Logger;
    readonly lifecycle: Lifecycle;
  },
): ProductCache {
  const cache = new CacheAside<Product>({
    kv: deps.shared.kv,
    pubsub: deps.shared.pubsub,
    // The namespace names the shape of the cached product: a new field (the
    // images) takes a new one, so entries of the old shape, written to Redis
    // before a deploy, are never served. During a rolling deploy, old and new
    // instances keep separate entries (each expires by its TTL).
    namespace: 'products.v2',
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
