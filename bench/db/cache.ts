// What the benchmark runners need around the product cache: its counters
// (GET /api/v1/admin/cache, as the seeded admin on the service; without
// authentication on the Fastify baseline), a pass that warms every product
// so the measured requests are hits, and a Redis key prefix of the run's own,
// removed afterwards.

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { CacheCounters } from './summary.ts';

/** How a server shows its cache counters: behind the admin login, or openly. */
export type CountersAccess = 'admin' | 'open';

const COUNTERS_PATH = '/api/v1/admin/cache';

/** Reads one server's product-cache counters; signs in as the seeded admin when it must. */
export function cacheCounters(origin: string, access: CountersAccess) {
  let token: string | undefined;

  async function signIn(): Promise<string> {
    const response = await fetch(`${origin}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DEMO_ACCOUNTS.admin),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`admin login → ${response.status} ${text}`);
    return (JSON.parse(text) as { accessToken: string }).accessToken;
  }

  async function fetchCounters(): Promise<Response> {
    if (access === 'open') return fetch(`${origin}${COUNTERS_PATH}`);
    token ??= await signIn();
    return fetch(`${origin}${COUNTERS_PATH}`, { headers: { authorization: `Bearer ${token}` } });
  }

  return async function read(): Promise<CacheCounters> {
    let response = await fetchCounters();
    if (response.status === 401 && access === 'admin') {
      // The access token expired during a long run.
      await response.body?.cancel();
      token = undefined;
      response = await fetchCounters();
    }
    const text = await response.text();
    if (response.status !== 200) throw new Error(`${COUNTERS_PATH} → ${response.status} ${text}`);
    const products = (JSON.parse(text) as { products?: CacheCounters }).products;
    if (products === undefined) throw new Error(`${COUNTERS_PATH}: no product cache (is it on?)`);
    const { hits, localHits, misses, staleServed, coalesced, loads, errors } = products;
    return { hits, localHits, misses, staleServed, coalesced, loads, errors };
  };
}

/**
 * Reads every path once, `concurrency` at a time, and fails on anything but
 * 200: afterwards each product is in both tiers (or refreshing).
 */
export async function readAll(
  origin: string,
  paths: readonly string[],
  concurrency = 32,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++]!;
      const response = await fetch(`${origin}${path}`);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`warming ${path} → ${response.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Waits until `loads` stops moving (the background refreshes a warming pass
 * started have finished), at most `maxMs`; returns the last reading.
 */
export async function settled(
  read: () => Promise<CacheCounters>,
  { intervalMs = 250, maxMs = 10_000 } = {},
): Promise<CacheCounters> {
  const deadline = performance.now() + maxMs;
  let last = await read();
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    const now = await read();
    if (now.loads === last.loads) return now;
    last = now;
  }
  return last;
}

/** A Redis key prefix no other run shares, in REDIS_KEY_PREFIX's alphabet. */
export function benchKeyPrefix(): string {
  return `throughline-bench-${randomBytes(4).toString('hex')}:`;
}

/** Throws (with the client's reason) when Redis does not answer PING within a few seconds. */
export async function checkRedis(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix`; returns how many there were. */
export async function removeKeys(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000 });
  let removed = 0;
  try {
    await redis.connect();
    const pattern = `${prefix.replaceAll(/[*?[\]\\]/g, (c) => `\\${c}`)}*`;
    let cursor = '0';
    do {
      const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = nextCursor;
      if (keys.length > 0) removed += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
