// The cached baseline: Fastify 5 serving the product read from the service's
// own cache code — a CacheAside<Product> over the in-process key-value store
// and pub/sub, with the service's default cache settings, in front of the
// catalog's own findProductById on a Kysely pool of the service's default
// size (10 connections). So the cached throughline contender and this one run
// the same cache, the same loader and the same JSON, and what differs is the
// HTTP stack around them.
//
// Like the uncached baseline it answers the version ETag and the cache
// headers, and validates the id with Fastify's own params schema.
//
// FASTIFY_PIPELINE=matched makes it the feature-matched contender: the same
// route behind the official plugins that match Throughline's production
// pipeline (../../servers/fastify-plugins.ts: security headers, CORS, rate
// limit, bearer check, compression, an access-log line per request), with
// @fastify/etag on the route (it keeps the version ETag the route sets, as
// ours keeps a route's own). Without it, bare Fastify: no plugins, no log. Its cache
// counters are at GET /api/v1/admin/cache (no authentication: a benchmark
// server on loopback), in the service's shape, so the runner reads both the
// same way.

import etag from '@fastify/etag';
import { fastify, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createMemoryKeyValueStore } from '../../../src/adapters/kv/memory.ts';
import { createMemoryPubSub } from '../../../src/adapters/pubsub/memory.ts';
import { createPostgresDatabase } from '../../../src/adapters/sql/postgres.ts';
import type { Database } from '../../../src/wiring/tables.ts';
import { findProductById } from '../../../src/modules/catalog/repo.ts';
import type { Product } from '../../../src/modules/catalog/schemas.ts';
import { productEtag } from '../../../src/modules/catalog/service.ts';
import { CacheAside } from '../../../src/platform/cache/cache-aside.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { createMatchedFastify } from '../../servers/fastify-plugins.ts';
import { exitOnSignal } from '../../servers/listen.ts';
import { PRODUCT_ID_PARAMS } from './product-id-params.ts';

const databaseUrl = process.env['DATABASE_URL'];
if (databaseUrl === undefined) throw new Error('DATABASE_URL is required');

// The defaults the service runs with (TTLs, L1 size, kv bounds), not copies of them.
const config = loadConfig({ argv: [], env: { NODE_ENV: 'test', LOG_LEVEL: 'warn' } });
const logger = createLogger({ level: config.log.level, destination: pino.destination(2) });
const sql = createPostgresDatabase<Database>({
  url: databaseUrl,
  poolSize: config.database.poolSize,
  logger,
});
const kv = createMemoryKeyValueStore({
  maxEntries: config.kv.memoryMaxEntries,
  maxBytes: config.kv.memoryMaxBytes,
});
const pubsub = createMemoryPubSub({ logger });
const cache = new CacheAside<Product>({
  kv,
  pubsub,
  namespace: 'products',
  ttlMs: config.cache.productTtlMs,
  staleMs: config.cache.staleMs,
  localTtlMs: config.cache.localTtlMs,
  versionOf: (product) => product.version,
  logger,
});
await cache.start();

function registerProductRead(app: FastifyInstance): void {
  app.get<{ Params: { id: string } }>(
    '/api/v1/products/:id',
    {
      schema: { params: PRODUCT_ID_PARAMS },
    },
    async (request, reply) => {
      const { id } = request.params;
      const product = await cache.get(id, () => findProductById(sql.reader, id));
      if (product === undefined) {
        return reply.code(404).send({ error: 'not found' });
      }
      void reply.header('etag', productEtag(product)).header('cache-control', 'public, max-age=60');
      return product;
    },
  );
}

const pipeline = process.env['FASTIFY_PIPELINE'];
if (pipeline !== undefined && pipeline !== 'matched') {
  throw new Error('FASTIFY_PIPELINE must be "matched" or unset');
}
const matched = pipeline === 'matched' ? await createMatchedFastify('fastify-db') : undefined;
const app = matched?.app ?? fastify({ logger: false });

if (matched === undefined) {
  registerProductRead(app);
} else {
  await app.register(async (gets) => {
    await gets.register(etag);
    registerProductRead(gets);
  });
}

app.get('/api/v1/admin/cache', (_request, reply) => {
  void reply.header('cache-control', 'no-store');
  return { products: { ...cache.stats } };
});

exitOnSignal(() => {
  void app.close();
  matched?.log.remove();
  void cache.stop();
  void sql.close();
});

await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
process.stdout.write(`${JSON.stringify({ port: address.port, pid: process.pid })}\n`);
