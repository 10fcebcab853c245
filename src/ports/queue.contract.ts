// The JobQueue contract: one suite every adapter must pass, so a handler
// written against the Postgres queue behaves the same on BullMQ. An adapter's
// test file is a call: `runQueueContract('postgres on pglite', setup)`.
//
// Every case works on queues of its own (a random name), so cases and test
// processes can share one database or one Redis. Instances are opened with
// a short lease (LEASE_MS) and fast polling, so lease expiry and redelivery
// take a second, not a minute. Nothing is waited for by sleeping: cases poll
// for what must happen (`eventually`) and hold handlers on gates they open
// themselves. "It did not happen twice" is checked after `stop()`, which
// returns only once no handler of the instance runs any more.

import assert from 'node:assert/strict';
import { isDeepStrictEqual as isDeepEqual } from 'node:util';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eventually, within } from '../../test/support/eventually.ts';
import type { Flow, Job, JobHandler, JobQueue, JsonValue, QueueCounts } from './queue.ts';

/** The lease the suite's instances must be opened with. */
// Long enough that a renewal every third of it survives a loaded CI machine
// (a 1 s lease was once overtaken there, and a 2 s one with four suites and a
// browser running beside it), short enough to keep the suite quick.
export const LEASE_MS = 3000;

export interface QueueInstance {
  readonly queue: JobQueue;
  /**
   * Simulates the death of the instance's process: it stops at once, without
   * finishing or giving back the jobs it holds.
   */
  crash(): Promise<void>;
}

export interface QueueBackend {
  /** Opens another instance on the same backend, with a lease of LEASE_MS. */
  open(): Promise<QueueInstance>;
  /** Releases the backend (database, Redis keys). */
  close(): Promise<void>;
}

const WAIT = { timeoutMs: 10_000, intervalMs: 10 };

/** Counts with `waiting` parents and nothing else. */
const waitingOnly = (waiting: number): QueueCounts => ({
  waiting,
  pending: 0,
  running: 0,
  completed: 0,
  dead: 0,
});

/** A gate a handler waits on until the case opens it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

/** A handler that records every delivery. */
function recorder(behaviour: (job: Job) => Promise<void> = () => Promise.resolve()) {
  const deliveries: { job: Job; at: number }[] = [];
  const handler: JobHandler = async (job) => {
    deliveries.push({ job, at: Date.now() });
    await behaviour(job);
  };
  const count = (id: string) => deliveries.filter((delivery) => delivery.job.id === id).length;
  return { deliveries, handler, count };
}

export function runQueueContract(name: string, setup: () => Promise<QueueBackend>): void {
  void describe(`JobQueue contract: ${name}`, () => {
    let backend: QueueBackend | undefined;
    let opening: Promise<unknown> | undefined;
    const instances: QueueInstance[] = [];
    before(async () => {
      opening = (async () => {
        backend = await setup();
      })();
      await opening;
    });
    after(async () => {
      await opening?.catch(() => undefined);
      for (const instance of instances) await instance.queue.stop({ graceMs: 100 });
      await backend?.close();
    });

    const open = async (): Promise<JobQueue> => {
      assert.ok(backend, 'the backend opens in before()');
      const instance = await backend.open();
      instances.push(instance);
      return instance.queue;
    };
    const openInstance = async (): Promise<QueueInstance> => {
      assert.ok(backend, 'the backend opens in before()');
      const instance = await backend.open();
      instances.push(instance);
      return instance;
    };
    const queueName = (label: string) => `contract-${randomUUID().slice(0, 8)}.${label}`;

    void it('hands every job to the handler once, with its payload', async () => {
      const queue = await open();
      const name = queueName('once');
      const payloads: JsonValue[] = Array.from({ length: 20 }, (_unused, index) => ({
        index,
        text: 'Grüße ✓',
        nested: { list: [1, 'two', null, true] },
      }));
      const ids = await Promise.all(payloads.map((payload) => queue.enqueue(name, payload)));
      assert.equal(new Set(ids).size, ids.length, 'every job has an id of its own');
      const seen = recorder();
      queue.process(name, seen.handler, { concurrency: 4 });
      await eventually('every job was handled', () => seen.deliveries.length >= ids.length, WAIT);
      await queue.stop();
      assert.equal(seen.deliveries.length, ids.length);
      for (const [index, id] of ids.entries()) {
        const delivery = seen.deliveries.find((candidate) => candidate.job.id === id);
        assert.ok(delivery, `job ${id} was handled`);
        assert.deepEqual(delivery.job.payload, payloads[index]);
        assert.equal(delivery.job.name, name);
        assert.equal(delivery.job.attempt, 1);
        assert.equal(delivery.job.signal.aborted, false);
      }
    });

    void it('reports how long the oldest due job has waited, not counting delayed ones', async () => {
      const queue = await open();
      const age = queue.oldestDueAgeMs?.bind(queue);
      if (age === undefined) return;
      const name = queueName('age');
      assert.equal(await age(name), 0);
      await queue.enqueue(name, { n: 1 });
      await queue.enqueue(name, { n: 2 }, { delayMs: 60_000 });
      await eventually('the due job ages', async () => (await age(name)) >= 300, WAIT);
      const seen = recorder();
      queue.process(name, seen.handler);
      await eventually('the due job was handled', () => seen.deliveries.length === 1, WAIT);
      await eventually('nothing due waits', async () => (await age(name)) === 0, WAIT);
      await queue.stop();
    });

    void it('a second enqueue with the idempotency key returns the first job and adds nothing', async () => {
      const queue = await open();
      const name = queueName('dedupe');
      const first = await queue.enqueue(name, { n: 1 }, { idempotencyKey: 'order-42' });
      const again = await Promise.all(
        [2, 3, 4, 5].map((n) => queue.enqueue(name, { n }, { idempotencyKey: 'order-42' })),
      );
      assert.deepEqual(again, [first, first, first, first]);
      // The same key on another queue is another job.
      const elsewhere = await queue.enqueue(queueName('other'), {}, { idempotencyKey: 'order-42' });
      assert.notEqual(elsewhere, first);
      const other = await queue.enqueue(name, { n: 6 }, { idempotencyKey: 'order-43' });
      assert.notEqual(other, first);

      const seen = recorder();
      queue.process(name, seen.handler, { concurrency: 2 });
      await eventually('both jobs were handled', () => seen.deliveries.length >= 2, WAIT);
      // Still deduplicated once the first job has completed.
      assert.equal(await queue.enqueue(name, { n: 7 }, { idempotencyKey: 'order-42' }), first);
      await queue.stop();
      assert.equal(seen.count(first), 1);
      assert.deepEqual(seen.deliveries.find((d) => d.job.id === first)?.job.payload, { n: 1 });
      assert.equal(seen.deliveries.length, 2);
    });

    void it('runs a delayed job no earlier than asked, and the jobs behind it meanwhile', async () => {
      const queue = await open();
      const name = queueName('delay');
      const seen = recorder();
      queue.process(name, seen.handler, { concurrency: 2 });
      const enqueuedAt = Date.now();
      const delayed = await queue.enqueue(name, 'delayed', { delayMs: 700 });
      const runAt = new Date(Date.now() + 600);
      const scheduled = await queue.enqueue(name, 'scheduled', { runAt });
      const immediate = await queue.enqueue(name, 'immediate');
      await eventually('all three ran', () => seen.deliveries.length >= 3, WAIT);
      const at = (id: string) => seen.deliveries.find((delivery) => delivery.job.id === id)!.at;
      // A few ms of slack: the backend's clock and this process's are read separately.
      assert.ok(
        at(delayed) - enqueuedAt >= 700 - 15,
        `delayed ran after ${at(delayed) - enqueuedAt} ms`,
      );
      assert.ok(at(scheduled) >= runAt.getTime() - 15, 'scheduled ran before runAt');
      assert.ok(at(immediate) < at(scheduled), 'the immediate job waited behind delayed ones');
      await queue.stop();
    });

    void it('retries a failing job with growing pauses, then keeps it as a dead letter until replayed', async () => {
      const queue = await open();
      const name = queueName('retry');
      let healthy = false;
      const seen = recorder((job) => {
        if (healthy) return Promise.resolve();
        return Promise.reject(new Error(`boom ${job.attempt}`));
      });
      queue.process(name, seen.handler);
      const id = await queue.enqueue(
        name,
        { to: 'a@example.com' },
        { maxAttempts: 3, backoff: { baseMs: 100, maxMs: 10_000, jitter: 0 } },
      );
      let dead: Awaited<ReturnType<JobQueue['listDead']>> = [];
      await eventually(
        'the job is a dead letter',
        async () => (dead = await queue.listDead(name)).length > 0,
        WAIT,
      );
      assert.deepEqual(
        seen.deliveries.map((delivery) => delivery.job.attempt),
        [1, 2, 3],
      );
      const [first, second, third] = seen.deliveries.map((delivery) => delivery.at);
      assert.ok(second! - first! >= 100 - 15, `first pause ${second! - first!} ms`);
      assert.ok(third! - second! >= 200 - 15, `second pause ${third! - second!} ms (doubled)`);
      assert.equal(dead.length, 1);
      assert.equal(dead[0]!.id, id);
      assert.equal(dead[0]!.name, name);
      assert.deepEqual(dead[0]!.payload, { to: 'a@example.com' });
      assert.equal(dead[0]!.attempts, 3);
      assert.equal(dead[0]!.lastError, 'boom 3');
      assert.ok(dead[0]!.failedAt.getTime() <= Date.now() + 1000);

      healthy = true;
      assert.equal(await queue.replay(id), true);
      await eventually('the replayed job ran', () => seen.deliveries.length >= 4, WAIT);
      assert.equal(seen.deliveries[3]!.job.id, id);
      assert.equal(seen.deliveries[3]!.job.attempt, 1, 'a replay starts with fresh attempts');
      await eventually(
        'it left the dead letters',
        async () => (await queue.listDead(name)).length === 0,
        WAIT,
      );
      assert.equal(await queue.replay(id), false, 'only a dead letter can be replayed');
      assert.equal(await queue.replay('12345678'), false);
      await queue.stop();
      assert.equal(seen.deliveries.length, 4);
    });

    void it('follows an explicit retry schedule, repeating its last pause', async () => {
      const queue = await open();
      const name = queueName('schedule');
      const seen = recorder((job) =>
        job.attempt < 4 ? Promise.reject(new Error(`boom ${job.attempt}`)) : Promise.resolve(),
      );
      queue.process(name, seen.handler);
      // Doubling from a base of a minute would outlast the wait: only the schedule finishes.
      const backoff = { baseMs: 60_000, maxMs: 60_000, jitter: 0, delaysMs: [100, 300] };
      const id = await queue.enqueue(name, 'scheduled', { maxAttempts: 4, backoff });
      await eventually('the fourth attempt ran', () => seen.count(id) >= 4, WAIT);
      await queue.stop();
      const at = seen.deliveries.map((delivery) => delivery.at);
      const pauses = [at[1]! - at[0]!, at[2]! - at[1]!, at[3]! - at[2]!];
      assert.ok(pauses[0]! >= 100 - 15, `first pause ${pauses[0]} ms`);
      assert.ok(pauses[1]! >= 300 - 15, `second pause ${pauses[1]} ms`);
      assert.ok(pauses[2]! >= 300 - 15, `third pause ${pauses[2]} ms (the last entry repeats)`);
      assert.deepEqual(
        seen.deliveries.map((delivery) => delivery.job.attempt),
        [1, 2, 3, 4],
      );
    });

    void it('runs a flow parent only after every child completed', async () => {
      const queue = await open();
      const [parentQueue, charge, notify] = ['order', 'charge', 'notify'].map(queueName) as [
        string,
        string,
        string,
      ];
      const finished: string[] = [];
      const slowCharge = gate();
      const children = recorder(async (job) => {
        if (job.payload === 'slow') await slowCharge.opened;
        finished.push(job.id);
      });
      const parents = recorder((job) => {
        finished.push(job.id);
        return Promise.resolve();
      });
      queue.process(charge, children.handler, { concurrency: 2 });
      queue.process(notify, children.handler);
      queue.process(parentQueue, parents.handler);
      const flow: Flow = {
        name: parentQueue,
        payload: { order: 7 },
        children: [
          { name: charge, payload: 'slow' },
          { name: notify, payload: { mail: 'receipt' } },
          { name: charge, payload: 'fast', options: { maxAttempts: 2 } },
        ],
      };
      const added = await queue.enqueueFlow(flow);
      assert.equal(added.childIds.length, 3);
      assert.equal(
        new Set([added.id, ...added.childIds]).size,
        4,
        'every job has an id of its own',
      );

      await eventually('the quick children completed', () => finished.length === 2, WAIT);
      // Still held by the slow child: waiting, not due.
      assert.deepEqual(await queue.counts(parentQueue), waitingOnly(1));
      assert.equal(parents.deliveries.length, 0);
      slowCharge.open();
      await eventually('the parent ran', () => parents.count(added.id) === 1, WAIT);
      await queue.stop();
      assert.deepEqual(finished.slice(-1), [added.id], 'the parent finished last');
      assert.deepEqual(new Set(finished.slice(0, 3)), new Set(added.childIds));
      assert.deepEqual(parents.deliveries[0]!.job.payload, { order: 7 });
      for (const [index, childId] of added.childIds.entries()) {
        const delivery = children.deliveries.find((candidate) => candidate.job.id === childId);
        assert.deepEqual(delivery?.job.payload, flow.children[index]!.payload, `child ${index}`);
        assert.equal(delivery.job.name, flow.children[index]!.name);
      }
      assert.equal(children.deliveries.find((d) => d.job.payload === 'fast')?.job.maxAttempts, 2);
      assert.equal(children.deliveries.length, 3);
      assert.equal(parents.deliveries.length, 1);
    });

    void it('a dead child leaves its flow parent waiting until it is replayed and completes', async () => {
      const queue = await open();
      const [parentQueue, childQueue] = ['ship', 'label'].map(queueName) as [string, string];
      let healthy = false;
      const children = recorder((job) =>
        job.payload === 'flaky' && !healthy
          ? Promise.reject(new Error('printer offline'))
          : Promise.resolve(),
      );
      const parents = recorder();
      queue.process(childQueue, children.handler, { concurrency: 2 });
      queue.process(parentQueue, parents.handler);
      const added = await queue.enqueueFlow({
        name: parentQueue,
        payload: 'ship it',
        children: [
          { name: childQueue, payload: 'flaky', options: { maxAttempts: 1 } },
          { name: childQueue, payload: 'steady' },
        ],
      });
      const [flaky, steady] = added.childIds as [string, string];
      await eventually(
        'one child dead, the other completed',
        async () => {
          const counts = await queue.counts(childQueue);
          return counts.dead === 1 && counts.completed === 1;
        },
        WAIT,
      );
      assert.deepEqual(
        (await queue.listDead(childQueue)).map((dead) => dead.id),
        [flaky],
      );
      assert.equal(children.count(steady), 1);
      assert.deepEqual(await queue.counts(parentQueue), waitingOnly(1));
      assert.equal(parents.deliveries.length, 0);

      healthy = true;
      assert.equal(await queue.replay(flaky), true);
      await eventually('the parent ran', () => parents.count(added.id) === 1, WAIT);
      await queue.stop();
      const childDone = children.deliveries.filter((delivery) => delivery.job.id === flaky);
      assert.equal(childDone.length, 2);
      assert.ok(parents.deliveries[0]!.at >= childDone[1]!.at, 'the parent ran after the replay');
      assert.equal(children.count(steady), 1);
      assert.equal(parents.deliveries.length, 1);
    });

    void it('adding a flow again with the parent key returns the first flow and adds nothing', async () => {
      const queue = await open();
      const [parentQueue, childQueue] = ['invoice', 'line'].map(queueName) as [string, string];
      const flow = (n: number): Flow => ({
        name: parentQueue,
        payload: { n },
        options: { idempotencyKey: 'invoice-9' },
        children: [
          { name: childQueue, payload: { n, line: 1 } },
          { name: childQueue, payload: { n, line: 2 } },
        ],
      });
      const first = await queue.enqueueFlow(flow(1));
      const again = await Promise.all([2, 3, 4].map((n) => queue.enqueueFlow(flow(n))));
      assert.deepEqual(again, [first, first, first]);
      const children = recorder();
      const parents = recorder();
      queue.process(childQueue, children.handler, { concurrency: 2 });
      queue.process(parentQueue, parents.handler);
      await eventually('the parent ran', () => parents.count(first.id) === 1, WAIT);
      // Still the same flow once it has completed.
      assert.deepEqual(await queue.enqueueFlow(flow(5)), first);
      await queue.stop();
      assert.deepEqual(
        first.childIds.map((id) => children.deliveries.find((d) => d.job.id === id)?.job.payload),
        [
          { n: 1, line: 1 },
          { n: 1, line: 2 },
        ],
        "the first flow's children, in order",
      );
      assert.equal(children.deliveries.length, 2);
      assert.deepEqual(
        parents.deliveries.map((delivery) => delivery.job.payload),
        [{ n: 1 }],
      );
    });

    void it('prune removes completed jobs past the age, and frees their keys', async () => {
      const queue = await open();
      const name = queueName('prune');
      const seen = recorder((job) =>
        job.payload === 'bad' ? Promise.reject(new Error('bad')) : Promise.resolve(),
      );
      queue.process(name, seen.handler, { concurrency: 3 });
      await queue.enqueue(name, 'first', { idempotencyKey: 'receipt-1' });
      await queue.enqueue(name, 'second');
      await queue.enqueue(name, 'bad', { maxAttempts: 1 });
      await queue.enqueue(name, 'later', { delayMs: 60_000 });
      await eventually(
        'two completed, one dead',
        async () => {
          const counts = await queue.counts(name);
          return counts.completed === 2 && counts.dead === 1;
        },
        WAIT,
      );
      assert.equal(await queue.prune(name, { olderThanMs: 60_000 }), 0, 'too recent');
      assert.equal(await queue.prune(name, { olderThanMs: 0, limit: 1 }), 1, 'up to the limit');
      assert.equal(await queue.prune(name, { olderThanMs: 0 }), 1);
      assert.equal(await queue.prune(name, { olderThanMs: 0 }), 0);
      assert.deepEqual(await queue.counts(name), { ...waitingOnly(0), pending: 1, dead: 1 });
      assert.equal((await queue.listDead(name)).length, 1, 'dead letters stay');
      await assert.rejects(queue.prune(name, { olderThanMs: -1 }), /olderThanMs/);

      // The key is free again: a new job, which runs.
      await queue.enqueue(name, 'first again', { idempotencyKey: 'receipt-1' });
      const ran = (payload: string) => seen.deliveries.filter((d) => d.job.payload === payload);
      await eventually('the new keyed job ran', () => ran('first again').length === 1, WAIT);
      await queue.stop();
      assert.equal(ran('first again').length, 1);
      assert.equal(ran('first').length, 1);
      assert.equal(seen.deliveries.length, 4);
    });

    void it('counts the jobs of a queue per state', async () => {
      const queue = await open();
      const name = queueName('counts');
      const idle = queueName('idle');
      assert.deepEqual(await queue.counts(name), waitingOnly(0));
      const release = gate();
      const seen = recorder((job) =>
        job.payload === 'hold'
          ? release.opened
          : job.payload === 'bad'
            ? Promise.reject(new Error('bad'))
            : Promise.resolve(),
      );
      // A parent on this queue whose child's queue has no worker: waiting.
      await queue.enqueueFlow({ name, payload: 'parent', children: [{ name: idle, payload: 1 }] });
      await queue.enqueue(name, 'later', { delayMs: 60_000 });
      await queue.enqueue(name, 'hold');
      await queue.enqueue(name, 'bad', { maxAttempts: 1 });
      await queue.enqueue(name, 'ok');
      queue.process(name, seen.handler, { concurrency: 3 });
      const expected: QueueCounts = { waiting: 1, pending: 1, running: 1, completed: 1, dead: 1 };
      let counts: QueueCounts | undefined;
      await eventually(
        'one job in each state',
        async () => isDeepEqual((counts = await queue.counts(name)), expected),
        WAIT,
      ).catch((error: unknown) => {
        assert.deepEqual(counts, expected, String(error));
      });
      assert.deepEqual(await queue.counts(idle), { ...waitingOnly(0), pending: 1 });
      release.open();
      await eventually(
        'the held job completed',
        async () => (await queue.counts(name)).completed === 2,
        WAIT,
      );
      assert.deepEqual(await queue.counts(name), { ...expected, running: 0, completed: 2 });
      await queue.stop();
    });

    void it('instances working one queue share its jobs: each job to one of them, once', async () => {
      const workers = [await open(), await open(), await open()];
      const name = queueName('shared');
      const ids = await Promise.all(
        Array.from({ length: 30 }, (_u, n) => workers[0]!.enqueue(name, n)),
      );
      const seen = recorder(() => new Promise((resolve) => setImmediate(resolve)));
      for (const worker of workers) worker.process(name, seen.handler, { concurrency: 2 });
      await eventually('every job ran', () => seen.deliveries.length >= ids.length, WAIT);
      for (const worker of workers) await worker.stop();
      assert.deepEqual(
        ids.map((id) => seen.count(id)),
        ids.map(() => 1),
      );
    });

    void it('never runs more jobs at once than the concurrency', async () => {
      const queue = await open();
      const name = queueName('concurrency');
      const ids = await Promise.all(Array.from({ length: 12 }, (_u, n) => queue.enqueue(name, n)));
      let active = 0;
      let most = 0;
      const allThree = gate();
      const seen = recorder(async () => {
        active += 1;
        most = Math.max(most, active);
        await allThree.opened;
        await new Promise((resolve) => setImmediate(resolve));
        active -= 1;
      });
      queue.process(name, seen.handler, { concurrency: 3 });
      await eventually('three jobs run at once', () => active === 3, WAIT);
      allThree.open();
      await eventually('every job ran', () => seen.deliveries.length >= ids.length, WAIT);
      await queue.stop();
      assert.equal(most, 3);
      assert.equal(seen.deliveries.length, ids.length);
    });

    void it('a handler that outlives the lease keeps its job: renewed, never delivered twice', async () => {
      const [holder, rival] = [await open(), await open()];
      const name = queueName('renew');
      const id = await holder.enqueue(name, 'long');
      const release = gate();
      const seen = recorder(() => release.opened);
      holder.process(name, seen.handler);
      await eventually('the job started', () => seen.deliveries.length === 1, WAIT);
      const rivalSeen = recorder();
      rival.process(name, rivalSeen.handler);
      // Two leases long: without renewal the rival would have taken it.
      const started = Date.now();
      await eventually('two leases passed', () => Date.now() - started >= 2 * LEASE_MS, {
        timeoutMs: 10 * LEASE_MS,
        intervalMs: 50,
      });
      release.open();
      await holder.stop();
      await rival.stop();
      assert.equal(seen.count(id), 1);
      assert.equal(rivalSeen.count(id), 0);
      assert.equal(seen.deliveries[0]!.job.signal.aborted, false);
    });

    void it('delivers the job of a worker that died to another worker', async () => {
      const doomed = await openInstance();
      const survivor = await open();
      const name = queueName('crash');
      const id = await doomed.queue.enqueue(name, { step: 'charge' });
      const doomedSeen = recorder(() => new Promise<void>(() => undefined));
      doomed.queue.process(name, doomedSeen.handler);
      await eventually('the doomed worker took the job', () => doomedSeen.count(id) === 1, WAIT);
      await doomed.crash();
      const seen = recorder();
      survivor.process(name, seen.handler);
      await eventually('the job was delivered again', () => seen.count(id) === 1, WAIT);
      assert.deepEqual(seen.deliveries[0]!.job.payload, { step: 'charge' });
      await survivor.stop();
      assert.equal(seen.count(id), 1);
    });

    void it('stop() stops taking jobs and waits for the running handlers', async () => {
      const queue = await open();
      const name = queueName('stop');
      const first = await queue.enqueue(name, 1);
      const release = gate();
      const seen = recorder(() => release.opened);
      let finished = false;
      queue.process(name, async (job) => {
        await seen.handler(job);
        finished = true;
      });
      await eventually('the handler runs', () => seen.deliveries.length === 1, WAIT);
      let stopped = false;
      const stopping = queue.stop({ graceMs: 30_000 }).then(() => {
        stopped = true;
      });
      // Jobs enqueued now are left for other instances.
      const later = await open();
      const second = await later.enqueue(name, 2);
      for (let turn = 0; turn < 20; turn += 1) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(stopped, false, 'stop() returned while a handler was running');
      release.open();
      await within('stop() after the handler finished', 10_000, stopping);
      assert.equal(finished, true);
      assert.equal(seen.count(first), 1);
      assert.equal(seen.count(second), 0);
      assert.throws(() => {
        queue.process(queueName('late'), seen.handler);
      }, /stopped/);
      await assert.rejects(queue.enqueue(name, 3), /stopped/);

      // The finished job is done: another instance gets only the one left.
      const laterSeen = recorder();
      later.process(name, laterSeen.handler);
      await eventually('the job left behind ran', () => laterSeen.count(second) === 1, WAIT);
      await later.stop();
      assert.equal(laterSeen.count(first), 0);
    });

    void it('after the grace period, stop() gives the running jobs up to other workers', async () => {
      const queue = await open();
      const name = queueName('grace');
      const id = await queue.enqueue(name, 'stuck');
      const seen = recorder(() => new Promise<void>(() => undefined));
      queue.process(name, seen.handler);
      await eventually('the handler runs', () => seen.deliveries.length === 1, WAIT);
      await within('stop() after its grace period', 5_000, queue.stop({ graceMs: 100 }));
      assert.equal(seen.deliveries[0]!.job.signal.aborted, true, 'the handler was told');

      const other = await open();
      const otherSeen = recorder();
      other.process(name, otherSeen.handler);
      await eventually('another worker got the job', () => otherSeen.count(id) === 1, WAIT);
      await other.stop();
    });
  });
}
