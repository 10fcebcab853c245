// The product read cache through the whole service: hits after the first
// read, writes and orders never leave an old product behind, one database
// load for a burst of concurrent cold reads, and — on Redis — reads that
// keep working while Redis is gone and a cache that comes back with it.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { CacheStats } from '../../src/platform/cache/cache-aside.ts';
import { apiClient, type ApiClient } from '../support/api.ts';
import {
  REDIS_URL,
  redisSkip,
  redisTarget,
  redisUrlVia,
  removeKeys,
  uniquePrefix,
} from '../support/redis.ts';
import { startService, type StartedService } from '../support/start.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

interface ProductBody {
  id: string;
  version: number;
  stock: number;
  title: string;
}

const BACKENDS = [
  { name: 'in process', skip: false as string | false, env: (): Record<string, string> => ({}) },
  {
    name: 'Redis',
    skip: redisSkip,
    env: (): Record<string, string> => ({
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: uniquePrefix(),
    }),
  },
];

async function statsOf(api: ApiClient, token: string): Promise<CacheStats> {
  const res = await api.call('/api/v1/admin/cache', { token });
  assert.equal(res.status, 200);
  return ((await res.json()) as { products: CacheStats }).products;
}

for (const backend of BACKENDS) {
  describe(`product cache, ${backend.name}`, { skip: backend.skip }, () => {
    let service: StartedService;
    let api: ApiClient;
    let admin: string;
    let env: Record<string, string>;

    before(async () => {
      env = backend.env();
      service = await startService({ env });
      api = apiClient(service.url);
      admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
        .accessToken;
    });

    after(async () => {
      await service.close();
      if (env.REDIS_KEY_PREFIX !== undefined) await removeKeys(env.REDIS_KEY_PREFIX);
    });

    const read = async (id: string) => {
      const res = await api.call(`/api/v1/products/${id}`);
      assert.equal(res.status, 200);
      return { body: (await res.json()) as ProductBody, etag: res.headers.get('etag')! };
    };

    test('the second read is a hit', async () => {
      const before = await statsOf(api, admin);
      await read('11');
      await read('11');
      const after = await statsOf(api, admin);
      assert.equal(after.loads - before.loads, 1);
      assert.equal(after.hits - before.hits, 1);
    });

    test('200 concurrent reads of a cold product load it once', async () => {
      const before = await statsOf(api, admin);
      const bodies = await Promise.all(Array.from({ length: 200 }, () => read('12')));
      const after = await statsOf(api, admin);
      assert.equal(after.loads - before.loads, 1);
      assert.ok(bodies.every(({ body }) => body.id === '12'));
    });

    test('a write is visible on the next read', async () => {
      const { etag } = await read('13');
      const title = `Renamed ${randomUUID().slice(0, 8)}`;
      const res = await api.call('/api/v1/products/13', {
        method: 'PATCH',
        token: admin,
        json: { title },
        headers: { 'content-type': 'application/merge-patch+json', 'if-match': etag },
      });
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await read('13')).body.title, title);
    });

    test('an order changes the cached stock at once', async () => {
      const before = (await read('14')).body;
      const res = await api.call('/api/v1/orders', {
        method: 'POST',
        token: admin,
        json: { items: [{ productId: '14', quantity: 1 }] },
        headers: { 'idempotency-key': randomUUID() },
      });
      assert.equal(res.status, 201, await res.clone().text());
      const after = (await read('14')).body;
      assert.equal(after.stock, before.stock - 1);
      assert.ok(after.version > before.version);
    });
  });
}

describe('product cache when Redis goes away', { skip: redisSkip }, () => {
  let proxy: TcpProxy;
  let service: StartedService;
  let api: ApiClient;
  let admin: string;
  const prefix = uniquePrefix();

  before(async () => {
    proxy = await startTcpProxy(redisTarget());
    service = await startService({
      env: {
        REDIS_URL: redisUrlVia(proxy.port),
        REDIS_KEY_PREFIX: prefix,
        REDIS_COMMAND_TIMEOUT_MS: '500',
      },
    });
    api = apiClient(service.url);
    admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password)).accessToken;
  });

  after(async () => {
    await service.close();
    await proxy.close();
    await removeKeys(prefix);
  });

  test('reads keep coming from the database, and the cache recovers', async () => {
    assert.equal((await api.call('/api/v1/products/21')).status, 200);
    proxy.cut();
    for (const id of ['22', '23', '24']) {
      assert.equal((await api.call(`/api/v1/products/${id}`)).status, 200, `product ${id}`);
    }
    const during = await statsOf(api, admin);
    assert.ok(during.errors > 0, 'the outage was noticed');
    proxy.restore();
    // Reconnection is asynchronous: poll (bounded) until a read is served from Redis again.
    const deadline = Date.now() + 10_000;
    let recovered = false;
    while (!recovered && Date.now() < deadline) {
      const before = await statsOf(api, admin);
      await api.call('/api/v1/products/25');
      await api.call('/api/v1/products/25');
      const after = await statsOf(api, admin);
      recovered = after.errors === before.errors && after.hits > before.hits;
      if (!recovered) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(recovered, 'the cache works again once Redis is back');
  });
});
