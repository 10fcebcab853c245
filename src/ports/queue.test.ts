// The port's shared rules, without a backend: the backoff curve and the
// checks every adapter applies to what it is asked to enqueue.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backoffDelay,
  checkQueueName,
  resolveEnqueueOptions,
  resolvePruneOptions,
} from './queue.ts';

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

test('an explicit schedule replaces the doubling; its last pause repeats, jittered alike', () => {
  const schedule = { ...backoff, delaysMs: [60_000, 300_000, 1_800_000] };
  const none = () => 0;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 50].map((attempt) => backoffDelay(attempt, schedule, none)),
    [60_000, 300_000, 1_800_000, 1_800_000, 1_800_000, 1_800_000],
  );
  assert.equal(
    backoffDelay(2, schedule, () => 1),
    240_000,
    'jittered like the doubling',
  );
  assert.equal(backoffDelay(0, schedule, none), 60_000, 'attempt numbers below 1 take the first');
  assert.equal(backoffDelay(3, { ...backoff, delaysMs: [] }, none), 400, 'empty: doubling');
  assert.deepEqual(
    resolveEnqueueOptions({ backoff: { delaysMs: [5, 10] } }).backoff.delaysMs,
    [5, 10],
  );
  assert.throws(() => resolveEnqueueOptions({ backoff: { delaysMs: [5, -1] } }), /delaysMs/);
  assert.throws(() => resolveEnqueueOptions({ backoff: { delaysMs: [Infinity] } }), /delaysMs/);
});

test('prune options: a limit of 1,000 by default, and what is refused', () => {
  assert.deepEqual(resolvePruneOptions({ olderThanMs: 0 }), { olderThanMs: 0, limit: 1000 });
  assert.deepEqual(resolvePruneOptions({ olderThanMs: 5, limit: 3 }), { olderThanMs: 5, limit: 3 });
  assert.throws(() => resolvePruneOptions({ olderThanMs: -1 }), /olderThanMs/);
  assert.throws(() => resolvePruneOptions({ olderThanMs: Number.NaN }), /olderThanMs/);
  assert.throws(() => resolvePruneOptions({ olderThanMs: 0, limit: 0 }), /limit/);
  assert.throws(() => resolvePruneOptions({ olderThanMs: 0, limit: 2.5 }), /limit/);
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
