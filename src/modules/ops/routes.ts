// Operational views for administrators. Cache counters show whether the
// cache earns its keep (hit ratio), whether single-flight is absorbing
// stampedes (coalesced) and whether its backend is failing (errors).

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { CacheStats } from '../../platform/cache/cache-aside.ts';

const counter = z.number().int().min(0);

const cacheStats = z
  .strictObject({
    hits: counter.meta({ description: 'Served fresh from either tier' }),
    localHits: counter.meta({ description: 'Of those, from the in-process tier' }),
    misses: counter,
    staleServed: counter.meta({ description: 'Served stale while one request refreshed it' }),
    coalesced: counter.meta({ description: 'Requests that joined a load already running' }),
    loads: counter.meta({ description: 'Reads that went to the database' }),
    invalidations: counter,
    errors: counter.meta({
      description: 'Backend (kv, pub/sub) failures, answered from the source',
    }),
  })
  .meta({ id: 'CacheStats' });

export function registerOpsRoutes(
  app: App,
  deps: { caches: Readonly<Record<string, { readonly stats: CacheStats }>> },
): void {
  app.route({
    method: 'GET',
    path: '/api/v1/admin/cache',
    permissions: ['ops:read'],
    tags: ['admin'],
    operationId: 'getCacheStats',
    summary: 'Cache counters',
    description:
      'For each cache, the counters of this instance since it started: hits, misses, stale answers, coalesced loads, invalidations and backend errors. Other instances count their own.',
    schema: {
      responses: {
        200: z.record(z.string(), cacheStats).meta({
          example: {
            products: {
              hits: 48210,
              localHits: 39877,
              misses: 1204,
              staleServed: 87,
              coalesced: 342,
              loads: 1291,
              invalidations: 415,
              errors: 0,
            },
          },
        }),
      },
    },
    handler: (c) => {
      c.set('cache-control', cacheControl.noStore);
      return Object.fromEntries(
        Object.entries(deps.caches).map(([name, cache]) => [name, { ...cache.stats }]),
      );
    },
  });
}
