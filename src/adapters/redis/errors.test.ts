// Which Redis failures are an outage (REDIS_UNAVAILABLE, 503 + Retry-After)
// and which are bugs that must stay visible as themselves.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplyError } from 'ioredis';
import { AppError } from '../../errors/index.ts';
import { isRedisUnavailable, redisCall, toRedisError } from './errors.ts';
import { describeRedisUrl, reconnectDelay } from './client.ts';

const errno = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });

test('no usable connection is REDIS_UNAVAILABLE, with Retry-After and the cause kept', () => {
  const maxRetries = Object.assign(new Error('Reached the max retries per request limit'), {
    name: 'MaxRetriesPerRequestError',
  });
  for (const cause of [
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    new Error('Connection is closed.'),
    new Error('Command timed out'),
    new Error("Socket timeout. Expecting data, but didn't receive any in 1000ms."),
    maxRetries,
    errno('ECONNREFUSED'),
    errno('ECONNRESET'),
  ]) {
    const mapped = toRedisError(cause);
    assert.ok(isRedisUnavailable(mapped), cause.message);
    assert.ok(mapped instanceof AppError);
    assert.equal(mapped.status, 503);
    assert.deepEqual(mapped.headers, { 'retry-after': '1' });
    assert.equal(mapped.cause, cause);
  }
});

test('Redis refusing for the time being is REDIS_UNAVAILABLE too', () => {
  for (const message of [
    "OOM command not allowed when used memory > 'maxmemory'.",
    'LOADING Redis is loading the dataset in memory',
    "READONLY You can't write against a read only replica.",
    'BUSY Redis is busy running a script.',
  ]) {
    assert.ok(isRedisUnavailable(toRedisError(new ReplyError(message))), message);
  }
});

test('a wrong call and a bad argument stay what they are', () => {
  const wrongType = new ReplyError(
    'WRONGTYPE Operation against a key holding the wrong kind of value',
  );
  const notInteger = new ReplyError('ERR value is not an integer or out of range');
  const badTtl = new RangeError('ttlMs must be a positive number of milliseconds, got 0');
  for (const error of [wrongType, notInteger, badTtl, new Error('the key-value store is closed')]) {
    assert.equal(toRedisError(error), error);
  }
});

test('redisCall maps what the call rejects with', async () => {
  await assert.rejects(
    redisCall(() => Promise.reject(errno('ECONNREFUSED'))),
    (error) => isRedisUnavailable(error),
  );
  assert.equal(await redisCall(() => Promise.resolve('PONG')), 'PONG');
});

test('reconnect delays grow from 50 ms, are capped, and are jittered', () => {
  for (let attempt = 1; attempt <= 30; attempt += 1) {
    const delay = reconnectDelay(attempt, 2000);
    const base = Math.min(2000, 50 * 2 ** (attempt - 1));
    assert.ok(delay >= base * 0.8 - 1 && delay <= base, `${attempt}: ${delay}`);
  }
});

test('log lines describe the server without credentials', () => {
  assert.equal(
    describeRedisUrl('redis://app:hunter2@cache.internal:6380/2'),
    'redis://cache.internal:6380/2',
  );
  assert.equal(describeRedisUrl('rediss://cache.internal'), 'rediss://cache.internal:6379/0');
});
