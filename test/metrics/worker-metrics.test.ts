// The worker process's metrics listener (WORKER_METRICS_PORT): off unless
// configured, the scrape token required when one is set, and the work's
// families — jobs, queues, outbox, webhooks, mail, breakers — in it; and the
// probes on the same port, without the token, ready once the worker is.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/platform/config.ts';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { createJobQueue } from '../../src/wiring/engines.ts';
import { createServiceStats } from '../../src/wiring/service-stats.ts';
import { startWorkerMetrics } from '../../src/wiring/worker-metrics.ts';
import { openTestDatabase, type TestDatabase } from '../support/database.ts';
import { checkScrape } from '../support/prometheus.ts';
import { silentLogger } from '../support/start.ts';

const TOKEN = 'worker-scrape-token-0123';

describe('the worker metrics listener', () => {
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase({ seeded: false });
  });
  after(async () => {
    await database.close();
  });

  const start = async (env: Record<string, string>) => {
    const config = loadConfig({ argv: [], env: { NODE_ENV: 'test', ...env } });
    const lifecycle = new Lifecycle(silentLogger());
    const queue = createJobQueue(config, { logger: silentLogger(), lifecycle, sql: database.sql });
    const stats = createServiceStats(config);
    const server = await startWorkerMetrics(config, {
      logger: silentLogger(),
      lifecycle,
      sql: database.sql,
      queue,
      stats,
    });
    return { server, lifecycle, stop: () => lifecycle.stop('test over') };
  };

  test('is off by default', async () => {
    const { server, stop } = await start({});
    assert.equal(server, undefined);
    await stop();
  });

  test('serves the work metrics behind the token', async () => {
    const { server, stop } = await start({
      WORKER_METRICS_PORT: '0',
      WORKER_METRICS_HOST: '127.0.0.1',
      METRICS_TOKEN: TOKEN,
    });
    try {
      assert.ok(server !== undefined);
      const refused = await fetch(`${server.url}/metrics`);
      assert.equal(refused.status, 401);
      await refused.text();
      const response = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(response.status, 200);
      const body = await response.text();
      for (const family of [
        'job_duration_seconds histogram',
        'job_attempts_total counter',
        'queue_jobs gauge',
        'queue_oldest_due_age_seconds gauge',
        'outbox_lag_seconds gauge',
        'webhook_deliveries_total counter',
        'mail_messages_total counter',
        'circuit_breaker_state gauge',
        'db_query_duration_seconds histogram',
      ]) {
        assert.match(body, new RegExp(`^# TYPE ${family}$`, 'm'));
      }
      assert.match(body, /^queue_jobs{queue="webhooks.deliver",state="pending"} 0$/m);
      assert.match(body, /^process_cpu_user_seconds_total /m);
      await checkScrape(body);
    } finally {
      await stop();
    }
  });

  test('answers the probes without the token: live, and ready once the worker is', async () => {
    const { server, lifecycle, stop } = await start({
      WORKER_METRICS_PORT: '0',
      WORKER_METRICS_HOST: '127.0.0.1',
      METRICS_TOKEN: TOKEN,
    });
    try {
      assert.ok(server !== undefined);
      const live = await fetch(`${server.url}/livez`);
      assert.equal(live.status, 200);
      assert.deepEqual(await live.json(), { status: 'ok' });
      const starting = await fetch(`${server.url}/readyz`);
      assert.equal(starting.status, 503, 'not ready before the workers run');
      await starting.text();
      lifecycle.markReady();
      const ready = await fetch(`${server.url}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');
    } finally {
      await stop();
    }
  });
});
