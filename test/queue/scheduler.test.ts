// The cron scheduler over real queues and locks: the postgres queue with the
// database lock manager (PGlite, and PostgreSQL with DATABASE_URL), and
// BullMQ with the Redis lock manager (with REDIS_URL). Time is a clock the
// tests move by hand, so hours of schedule pass in milliseconds; ticks are
// called directly except where the timer itself is under test.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createPostgresLockManager } from '../../src/adapters/lock/postgres.ts';
import { createRedisLockManager } from '../../src/adapters/lock/redis.ts';
import { createBullmqQueue } from '../../src/adapters/queue/bullmq.ts';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { InvalidCronError } from '../../src/platform/cron.ts';
import { createScheduler, type SchedulerOptions } from '../../src/platform/scheduler.ts';
import { eventually } from '../support/eventually.ts';
import type { LockManager } from '../../src/ports/lock.ts';
import type { JobQueue, JsonValue } from '../../src/ports/queue.ts';
import { ENGINES } from '../support/engines.ts';
import {
  openConnection,
  REDIS_URL,
  redisSkip,
  removeKeys,
  uniquePrefix,
} from '../support/redis.ts';
import { captureLogger, silentLogger } from '../support/start.ts';

interface Instance {
  readonly queue: JobQueue;
  readonly locks: LockManager;
}

interface Backend {
  readonly name: string;
  readonly skip: string | false;
  /** Two instances of the service on one store; `rows` counts a queue's jobs where it can. */
  open(): Promise<{ a: Instance; b: Instance; close(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  ...ENGINES.map((engine): Backend => ({
    name: `postgres on ${engine.name}`,
    skip: engine.skip,
    async open() {
      const database = await engine.open();
      const instance = (): Instance => ({
        queue: createPostgresQueue({
          sql: database.sql,
          logger: silentLogger(),
          pollIntervalMs: 20,
        }),
        locks: createPostgresLockManager({ sql: database.sql }),
      });
      const [a, b] = [instance(), instance()];
      return {
        a,
        b,
        async close() {
          await Promise.all([a.queue.stop(), b.queue.stop()]);
          await database.close();
        },
      };
    },
  })),
  {
    name: 'bullmq',
    skip: redisSkip,
    async open() {
      const keyPrefix = uniquePrefix();
      const connections = [await openConnection(), await openConnection()];
      const [a, b] = connections.map((connection): Instance => ({
        queue: createBullmqQueue({
          url: REDIS_URL!,
          prefix: `${keyPrefix}jobs`,
          logger: silentLogger(),
        }),
        locks: createRedisLockManager({ connection, keyPrefix }),
      })) as [Instance, Instance];
      return {
        a,
        b,
        async close() {
          await Promise.all([a.queue.stop(), b.queue.stop()]);
          await Promise.all(connections.map((connection) => connection.close()));
          await removeKeys(keyPrefix);
        },
      };
    },
  },
];

/** A clock the test sets. */
function manualClock(iso: string) {
  let time = new Date(iso).getTime();
  return {
    now: () => new Date(time),
    set(next: string) {
      time = new Date(next).getTime();
    },
  };
}

/** Runs a queue's jobs, recording each job's id and payload. */
function record(queue: JobQueue, name: string) {
  const jobs: { id: string; payload: JsonValue }[] = [];
  queue.process(name, (job) => {
    jobs.push({ id: job.id, payload: job.payload });
    return Promise.resolve();
  });
  return jobs;
}

const queueName = (label: string) => `cron-${randomUUID().slice(0, 8)}.${label}`;
const fireOf = (time: Date) => ({ fireTime: time.toISOString() });
const fired = (jobs: { payload: JsonValue }[]) =>
  jobs.map((job) => (job.payload as { fireTime: string }).fireTime).sort();

for (const backend of BACKENDS) {
  describe(`scheduler on ${backend.name}`, { skip: backend.skip }, () => {
    // One store per backend, shared by the cases: each uses queues of its own.
    let opened: Awaited<ReturnType<Backend['open']>> | undefined;
    let opening: Promise<unknown> | undefined;
    before(async () => {
      opening = (async () => {
        opened = await backend.open();
      })();
      await opening;
    });
    after(async () => {
      await opening?.catch(() => undefined);
      await opened?.close();
    });
    const withBackend = async (fn: (a: Instance, b: Instance) => Promise<void>) => {
      assert.ok(opened, 'the backend opens in before()');
      await fn(opened.a, opened.b);
    };
    const scheduler = (
      instance: Instance,
      clock: { now: () => Date },
      extra: Partial<SchedulerOptions> = {},
    ) =>
      createScheduler({
        queue: instance.queue,
        locks: instance.locks,
        logger: silentLogger(),
        now: clock.now,
        ...extra,
      });

    test('enqueues each fire once, when it is due, keyed by its fire time', async () => {
      await withBackend(async (a) => {
        const name = queueName('hourly');
        const jobs = record(a.queue, name);
        const clock = manualClock('2024-05-01T09:59:30Z');
        const { logger, records } = captureLogger();
        const cron = scheduler(a, clock, { logger });
        cron.add({ name, cron: '0 * * * *', payload: fireOf });
        try {
          // 09:00 is an hour late when the schedule is added: not run.
          assert.deepEqual((await cron.tick()).enqueued, []);
          // From before this instance started: an info line, not a warning.
          assert.deepEqual(
            records.filter((line) => /skipped/.test(line.msg)).map((line) => line.level),
            ['info'],
          );
          clock.set('2024-05-01T10:00:00.500Z');
          const first = await cron.tick();
          assert.equal(first.leading, true);
          assert.deepEqual(
            first.enqueued.map((fire) => [fire.name, fire.fireTime.toISOString()]),
            [[name, '2024-05-01T10:00:00.000Z']],
          );
          // Later ticks within the same hour add nothing.
          clock.set('2024-05-01T10:00:01Z');
          assert.deepEqual((await cron.tick()).enqueued, []);
          clock.set('2024-05-01T10:59:59Z');
          assert.deepEqual((await cron.tick()).enqueued, []);
          clock.set('2024-05-01T11:00:02Z');
          const second = await cron.tick();
          assert.equal(second.enqueued.length, 1);
          assert.notEqual(second.enqueued[0]!.jobId, first.enqueued[0]!.jobId);
          await eventually('both jobs ran', () => jobs.length === 2);
          assert.deepEqual(fired(jobs), ['2024-05-01T10:00:00.000Z', '2024-05-01T11:00:00.000Z']);
          // Enqueueing the same fire again (a second instance, a restart) finds the same job.
          const again = await a.queue.enqueue(name, null, {
            idempotencyKey: `cron:${name}:2024-05-01T11:00:00.000Z`,
          });
          assert.equal(again, second.enqueued[0]!.jobId);
        } finally {
          await cron.stop();
        }
      });
    });

    test('after downtime only the latest missed fire runs, and only within the grace', async () => {
      await withBackend(async (a) => {
        const name = queueName('catchup');
        const jobs = record(a.queue, name);
        const clock = manualClock('2024-05-01T10:00:05Z');
        const { logger, records } = captureLogger();
        const cron = scheduler(a, clock, { misfireGraceMs: 10 * 60_000, logger });
        cron.add({ name, cron: '0 * * * *', payload: fireOf });
        // A schedule with a grace of its own: two minutes.
        const strict = queueName('strict');
        const strictJobs = record(a.queue, strict);
        cron.add({ name: strict, cron: '0 * * * *', payload: fireOf, misfireGraceMs: 2 * 60_000 });
        try {
          assert.equal((await cron.tick()).enqueued.length, 2);
          // Down from 10:00 to 13:05: 11:00, 12:00 and 13:00 were missed.
          clock.set('2024-05-01T13:05:00Z');
          const after = await cron.tick();
          assert.deepEqual(
            after.enqueued.map((fire) => [fire.name, fire.fireTime.toISOString()]),
            [[name, '2024-05-01T13:00:00.000Z']],
          );
          // Down past the grace: 16:00 is skipped, 17:00 runs.
          clock.set('2024-05-01T16:30:00Z');
          assert.deepEqual((await cron.tick()).enqueued, []);
          // Missed while this instance was running, each a warning: the strict
          // schedule's 13:00, then 16:00 of both.
          assert.deepEqual(
            records.filter((line) => /skipped/.test(line.msg)).map((line) => line.level),
            ['warn', 'warn', 'warn'],
          );
          clock.set('2024-05-01T17:00:00Z');
          assert.equal((await cron.tick()).enqueued.length, 2);
          await eventually('the jobs ran', () => jobs.length === 3 && strictJobs.length === 2);
          assert.deepEqual(fired(jobs), [
            '2024-05-01T10:00:00.000Z',
            '2024-05-01T13:00:00.000Z',
            '2024-05-01T17:00:00.000Z',
          ]);
          assert.deepEqual(fired(strictJobs), [
            '2024-05-01T10:00:00.000Z',
            '2024-05-01T17:00:00.000Z',
          ]);
        } finally {
          await cron.stop();
        }
      });
    });

    test('two schedulers on one queue: one ticks under the lock, each fire is enqueued once', async () => {
      await withBackend(async (a, b) => {
        const name = queueName('pair');
        const jobs = record(a.queue, name);
        const clock = manualClock('2024-05-01T10:00:00Z');
        const [first, second] = [scheduler(a, clock), scheduler(b, clock)];
        for (const cron of [first, second])
          cron.add({ name, cron: '*/5 * * * *', payload: fireOf });
        try {
          const ids = new Map<string, Set<string>>();
          for (let minute = 0; minute < 30; minute += 1) {
            clock.set(new Date(Date.UTC(2024, 4, 1, 10, minute, 1)).toISOString());
            const results = await Promise.all([first.tick(), second.tick()]);
            assert.equal(results.filter((result) => result.leading).length, 1, `minute ${minute}`);
            for (const fire of results.flatMap((result) => result.enqueued)) {
              const key = fire.fireTime.toISOString();
              ids.set(key, (ids.get(key) ?? new Set()).add(fire.jobId));
            }
          }
          assert.equal(ids.size, 6);
          await eventually('every fire ran', () => jobs.length === 6);
          assert.deepEqual(fired(jobs), [...ids.keys()].sort());
          // The leader stops: the other takes over at once (the lock was released).
          await first.stop();
          clock.set('2024-05-01T10:30:01Z');
          const takeover = await second.tick();
          assert.equal(takeover.leading, true);
          assert.equal(takeover.enqueued.length, 1);
          await eventually('the fire after the takeover ran', () => jobs.length === 7);
        } finally {
          await first.stop();
          await second.stop();
        }
      });
    });

    test('two schedulers both ticking, with skewed clocks: still once per fire', async () => {
      await withBackend(async (a, b) => {
        const name = queueName('skew');
        const jobs = record(a.queue, name);
        const clock = manualClock('2024-05-01T10:00:00Z');
        const behind = { now: () => new Date(clock.now().getTime() - 20_000) };
        // Different lock names: as if each had lost the lock to the other mid-tick.
        const first = scheduler(a, clock, { lockName: 'scheduler-a' });
        const second = scheduler(b, behind, { lockName: 'scheduler-b' });
        for (const cron of [first, second]) cron.add({ name, cron: '* * * * *', payload: fireOf });
        try {
          const ids = new Map<string, Set<string>>();
          for (let second_ = 0; second_ < 5 * 60; second_ += 10) {
            clock.set(new Date(Date.UTC(2024, 4, 1, 10, 0, second_)).toISOString());
            const results = await Promise.all([first.tick(), second.tick()]);
            assert.ok(results.every((result) => result.leading));
            for (const fire of results.flatMap((result) => result.enqueued)) {
              const key = fire.fireTime.toISOString();
              ids.set(key, (ids.get(key) ?? new Set()).add(fire.jobId));
            }
          }
          // 09:59 (seen by the clock behind) through 10:04, each under one job id.
          assert.equal(ids.size, 6);
          for (const [fireTime, jobIds] of ids) assert.equal(jobIds.size, 1, fireTime);
          await eventually('every fire ran', () => jobs.length === 6);
          assert.deepEqual(fired(jobs), [...ids.keys()].sort());
        } finally {
          await first.stop();
          await second.stop();
        }
      });
    });

    test('start ticks on a timer; stop releases the lock', async () => {
      await withBackend(async (a, b) => {
        const name = queueName('timer');
        const jobs = record(a.queue, name);
        const clock = manualClock('2024-05-01T10:00:03Z');
        const cron = scheduler(a, clock, { tickMs: 20 });
        cron.add({ name, cron: '@hourly', payload: fireOf, enqueueOptions: { maxAttempts: 2 } });
        cron.start();
        try {
          await eventually('the fire ran', () => jobs.length === 1);
          clock.set('2024-05-01T11:00:00Z');
          await eventually('the next fire ran', () => jobs.length === 2);
          assert.equal(await b.locks.acquire('scheduler', { ttlMs: 60_000 }), undefined);
        } finally {
          await cron.stop();
        }
        const lease = await b.locks.acquire('scheduler', { ttlMs: 60_000 });
        assert.ok(lease, 'stop did not release the lock');
        await lease.release();
        assert.throws(() => {
          cron.start();
        }, /stopped/);
      });
    });

    test('a failed enqueue is tried again on the next tick', async () => {
      await withBackend(async (a) => {
        const name = queueName('retry');
        const jobs = record(a.queue, name);
        let failNext = true;
        const flaky: Pick<JobQueue, 'enqueue'> = {
          enqueue(...args) {
            if (!failNext) return a.queue.enqueue(...args);
            failNext = false;
            return Promise.reject(new Error('store unavailable'));
          },
        };
        const clock = manualClock('2024-05-01T10:00:00Z');
        const cron = scheduler(a, clock, { queue: flaky });
        cron.add({ name, cron: '0 10 * * *', payload: fireOf });
        try {
          assert.deepEqual((await cron.tick()).enqueued, []);
          clock.set('2024-05-01T10:00:01Z');
          assert.equal((await cron.tick()).enqueued.length, 1);
          await eventually('the job ran', () => jobs.length === 1);
        } finally {
          await cron.stop();
        }
      });
    });
  });
}

describe('scheduler definitions', () => {
  test('refuses invalid expressions, queue names and duplicates', async () => {
    const database = await ENGINES[0]!.open();
    const queue = createPostgresQueue({ sql: database.sql, logger: silentLogger() });
    const cron = createScheduler({
      queue,
      locks: createPostgresLockManager({ sql: database.sql }),
      logger: silentLogger(),
    });
    try {
      assert.throws(() => {
        cron.add({ name: 'reports.daily', cron: '0 0 30 2 *' });
      }, InvalidCronError);
      assert.throws(() => {
        cron.add({ name: 'Reports:daily', cron: '@daily' });
      }, TypeError);
      cron.add({ name: 'reports.daily', cron: '@daily' });
      assert.throws(() => {
        cron.add({ name: 'reports.daily', cron: '@hourly' });
      }, /already added/);
      assert.throws(
        () =>
          createScheduler({
            queue,
            locks: createPostgresLockManager({ sql: database.sql }),
            logger: silentLogger(),
            tickMs: -1,
          }),
        RangeError,
      );
    } finally {
      await cron.stop();
      await queue.stop();
      await database.close();
    }
  });
});
