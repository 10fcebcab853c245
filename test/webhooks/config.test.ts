// The webhook settings: the retry schedule in human durations, and the
// development-only switch for http endpoints refused in production.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';

const load = (env: Record<string, string>) => loadConfig({ argv: [], env });

test('defaults: 1m, 5m, 30m, 6h, 24h, a 24 h overlap, https only', () => {
  const { webhooks } = load({});
  assert.deepEqual(webhooks.retrySchedule, [60_000, 300_000, 1_800_000, 21_600_000, 86_400_000]);
  assert.equal(webhooks.secretOverlapSeconds, 86_400);
  assert.equal(webhooks.allowHttp, false);
  assert.deepEqual(webhooks.allowHosts, []);
  assert.equal(webhooks.concurrency, 4);
});

test('schedules and allow-lists from the environment', () => {
  const { webhooks } = load({
    WEBHOOK_RETRY_SCHEDULE: '50ms, 5s,1m,6h',
    WEBHOOK_ALLOW_HOSTS: 'hooks.internal, 10.0.0.8',
  });
  assert.deepEqual(webhooks.retrySchedule, [50, 5000, 60_000, 21_600_000]);
  assert.deepEqual(webhooks.allowHosts, ['hooks.internal', '10.0.0.8']);
});

test('a schedule that is not durations is refused at start-up', () => {
  for (const schedule of ['1m,soon', '1.5h', '5', '1m,,5m']) {
    assert.throws(() => load({ WEBHOOK_RETRY_SCHEDULE: schedule }), ConfigError, schedule);
  }
});

test('WEBHOOK_ALLOW_HTTP is refused in production', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_SIGNING_KEYS: '[]',
    DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  };
  assert.throws(
    () => load({ ...production, WEBHOOK_ALLOW_HTTP: 'true' }),
    (error: unknown) => error instanceof ConfigError && /WEBHOOK_ALLOW_HTTP/.test(error.message),
  );
  assert.equal(load({ ...production, WEBHOOK_ALLOW_HTTP: 'false' }).webhooks.allowHttp, false);
});
