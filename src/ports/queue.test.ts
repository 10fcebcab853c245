// The port's shared rules, without a backend: the backoff curve and the
// checks every adapter applies to what it is asked to enqueue.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay, checkQueueName, resolveEnqueueOptions } from './queue.ts';

const backoff = { baseMs: 100, maxMs: 1000, jitter: 0.2 };

test('backoff doubles from the base, is capped, and jitters downwards only', () => {
  const none = () => 0;
  const most = () => 1;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, backoff, none)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.deepEqual(
    [1, 2, 5].map((attempt) => backoffDelay(attempt, backoff, most)),
    [80, 160, 800],
  );
  assert.equal(backoffDelay(10_000, backoff, none), 1000, 'no overflow on huge attempts');
  assert.equal(backoffDelay(3, { ...backoff, jitter: 0 }), 400);
});

test('enqueue options: defaults, delays, and what is refused', () => {
  const now = Date.UTC(2030, 0, 1);
  const defaults = resolveEnqueueOptions({}, now);
  assert.equal(defaults.maxAttempts, 5);
  assert.equal(defaults.runAt.getTime(), now);
  assert.equal(defaults.idempotencyKey, undefined);
  assert.deepEqual(resolveEnqueueOptions({ backoff: { baseMs: 5 } }, now).backoff, {
    baseMs: 5,
    maxMs: 15 * 60 * 1000,
    jitter: 0.2,
  });
  assert.equal(resolveEnqueueOptions({ delayMs: 250 }, now).runAt.getTime(), now + 250);
  const runAt = new Date(now + 60_000);
  assert.equal(resolveEnqueueOptions({ runAt, delayMs: 5 }, now).runAt.getTime(), runAt.getTime());
  assert.throws(() => resolveEnqueueOptions({ maxAttempts: 0 }), /maxAttempts/);
  assert.throws(() => resolveEnqueueOptions({ maxAttempts: 1.5 }), /maxAttempts/);
  assert.throws(() => resolveEnqueueOptions({ idempotencyKey: '' }), /idempotencyKey/);
  assert.throws(() => resolveEnqueueOptions({ idempotencyKey: 'k'.repeat(256) }), /idempotencyKey/);
  assert.throws(() => resolveEnqueueOptions({ backoff: { jitter: 2 } }), /jitter/);
  assert.throws(() => resolveEnqueueOptions({ runAt: new Date(Number.NaN) }), /runAt/);
});

test('queue names: lowercase words with . _ -, never a colon', () => {
  assert.equal(checkQueueName('mail.send'), 'mail.send');
  assert.equal(checkQueueName('webhooks.deliver-v2'), 'webhooks.deliver-v2');
  for (const bad of ['', 'Mail', 'a:b', 'a b', '.leading', 'x'.repeat(101)]) {
    assert.throws(() => checkQueueName(bad), /invalid queue name/, bad);
  }
});
