// Composition: the key-value store and pub/sub the service gets from config —
// in process without REDIS_URL, on Redis with it (keys and channels under
// REDIS_KEY_PREFIX, a `redis` check in /readyz that reports without gating,
// closed on shutdown) — and the real process booting and stopping cleanly on
// Redis.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { isRedisUnavailable } from '../../src/adapters/redis/errors.ts';
import { ReadinessChecks } from '../../src/modules/health/readiness.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createSharedState } from '../../src/wiring/engines.ts';
import { eventually } from '../support/eventually.ts';
import { collector } from '../../src/ports/pubsub.contract.ts';
import { httpRequest } from '../support/clients.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { listeningUrl, spawnMain } from '../support/process.ts';
import {
  REDIS_URL,
  redisSkip,
  redisTarget,
  redisUrlVia,
  removeKeys,
  uniquePrefix,
} from '../support/redis.ts';
import { silentLogger, startService } from '../support/start.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

function compose(env: Record<string, string>) {
  const config = loadConfig({ argv: [], env });
  const logger = silentLogger();
  const lifecycle = new Lifecycle(logger);
  const readiness = new ReadinessChecks(() => 'ready');
  const shared = createSharedState(config, { logger, lifecycle, readiness });
  return { shared, lifecycle, readiness };
}

const readinessOf = async (readiness: ReadinessChecks) =>
  (await readiness.run(new AbortController().signal)).checks;

describe('shared state without REDIS_URL', () => {
  test('is in process, adds no readiness check, and closes on shutdown', async () => {
    const { shared, lifecycle, readiness } = compose({ KV_MEMORY_MAX_ENTRIES: '2' });
    assert.equal(shared.redis, undefined);
    assert.equal(await shared.connected(), true);
    assert.deepEqual(Object.keys(await readinessOf(readiness)), ['lifecycle']);

    // The configured bound applies.
    await shared.kv.set('a', '1');
    await shared.kv.set('b', '2');
    await shared.kv.set('c', '3');
    assert.deepEqual(await shared.kv.getMany(['a', 'b', 'c']), [undefined, '2', '3']);
    const inbox = collector();
    await shared.pubsub.subscribe('news', inbox.handler);
    await shared.pubsub.publish('news', 'hello');
    assert.deepEqual(await inbox.received(1), ['hello']);

    await lifecycle.stop('test');
    await assert.rejects(shared.kv.get('b'), /closed/);
    await assert.rejects(shared.pubsub.publish('news', 'late'), /closed/);
  });

  test('the service starts and is ready with nothing but Node', async () => {
    const service = await startService();
    try {
      const res = await fetch(`${service.url}/readyz`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { checks: Record<string, unknown> };
      assert.equal('redis' in body.checks, false);
    } finally {
      await service.close();
    }
  });
});

describe('shared state on Redis', { skip: redisSkip }, () => {
  test('keys and channels live under REDIS_KEY_PREFIX; readiness checks Redis; shutdown closes', async () => {
    const keyPrefix = uniquePrefix();
    const { shared, lifecycle, readiness } = compose({
      REDIS_URL: REDIS_URL!,
      REDIS_KEY_PREFIX: keyPrefix,
    });
    try {
      assert.ok(shared.redis);
      assert.equal(shared.redis.keyPrefix, keyPrefix);
      assert.equal(await shared.connected(), true);
      assert.deepEqual(await readinessOf(readiness), {
        lifecycle: { status: 'ok' },
        redis: { status: 'ok' },
      });

      await shared.kv.set('cache:x', 'v', { ttlMs: 60_000 });
      assert.equal(await shared.redis.commands.client.get(`${keyPrefix}cache:x`), 'v');
      const inbox = collector();
      await shared.pubsub.subscribe('news', inbox.handler);
      await shared.redis.commands.client.publish(`${keyPrefix}news`, 'from outside');
      assert.deepEqual(await inbox.received(1), ['from outside']);
    } finally {
      await lifecycle.stop('test');
      await removeKeys(keyPrefix);
    }
    assert.equal(shared.redis.commands.client.status, 'end');
    assert.equal(shared.redis.subscriber.client.status, 'end');
  });

  test('readiness reports Redis unreachable, without failing over it, and recovers', async () => {
    const proxy = await startTcpProxy(redisTarget());
    const { shared, lifecycle, readiness } = compose({
      REDIS_URL: redisUrlVia(proxy.port),
      REDIS_KEY_PREFIX: 'throughline-test:readiness:',
    });
    const report = () => readiness.run(new AbortController().signal);
    try {
      assert.equal(await shared.connected(), true);
      assert.equal((await report()).checks.redis?.status, 'ok');
      proxy.cut();
      await eventually('the redis check fails', async () => {
        return (await report()).checks.redis?.status === 'failing';
      });
      // The features on Redis degrade rather than stop: the instance stays in rotation.
      assert.equal((await report()).status, 'ready');
      await assert.rejects(shared.kv.get('k'), (error) => isRedisUnavailable(error));
      proxy.restore();
      await eventually(
        'the redis check recovers',
        async () => (await report()).checks.redis?.status === 'ok',
        { timeoutMs: 10_000 },
      );
    } finally {
      proxy.restore();
      await lifecycle.stop('test');
      await proxy.close();
    }
  });

  test(
    'the process boots on Redis, reports it ready, and exits 0 on SIGTERM',
    { timeout: 60_000 },
    async (t) => {
      const dir = await mkdtemp(join(tmpdir(), 'throughline-boot-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      await preparePgliteDataDir(dir);
      const main = spawnMain({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dir,
        LOG_LEVEL: 'info',
        REDIS_URL: REDIS_URL!,
        REDIS_KEY_PREFIX: 'throughline-test:boot:',
      });
      t.after(async () => {
        if (main.child.exitCode === null && main.child.signalCode === null) {
          main.child.kill('SIGKILL');
          await main.exited;
        }
      });
      const url = await listeningUrl(main);
      const ready = await httpRequest(url, { path: '/readyz' });
      assert.equal(ready.status, 200);
      const { checks } = JSON.parse(ready.body) as { checks: Record<string, unknown> };
      assert.deepEqual(checks.database, { status: 'ok' });
      assert.deepEqual(checks.redis, { status: 'ok' });

      main.child.kill('SIGTERM');
      assert.deepEqual(await main.exited, { code: 0, signal: null });
      const closed = main.logs.filter((record) => record.msg === 'closed').map((r) => r.resource);
      assert.ok(closed.includes('shared state (redis)'), JSON.stringify(closed));
      const errors = main.logs.filter((record) => record.level === 'error');
      assert.deepEqual(errors, [], 'no error logged from start to exit');
    },
  );
});
