// The Postgres job queue against the JobQueue contract, on PGlite and (with
// DATABASE_URL) on a real server; then what only this adapter shows: the
// rows it leaves, LISTEN/NOTIFY waking an idle worker long before its next
// poll, and a worker whose lease ran out (it paused, it did not die) being
// told so, and unable to overwrite the outcome of the worker that took over
// (nor to count a flow child's completion twice); flows added in a caller's
// transaction.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  createPostgresQueue,
  enqueueFlowOn,
  type PostgresJobQueue,
} from '../../src/adapters/queue/postgres.ts';
import { eventually } from '../support/eventually.ts';
import { LEASE_MS, runQueueContract } from '../../src/ports/queue.contract.ts';
import type { Job, JobQueue } from '../../src/ports/queue.ts';
import { ENGINES } from '../support/engines.ts';
import { silentLogger } from '../support/start.ts';

for (const engine of ENGINES) {
  if (engine.skip !== false) {
    test(`JobQueue contract: postgres on ${engine.name}`, { skip: engine.skip }, () => {});
    continue;
  }
  runQueueContract(`postgres on ${engine.name}`, async () => {
    const database = await engine.open();
    return {
      open: () => {
        const queue = createPostgresQueue({
          sql: database.sql,
          logger: silentLogger(),
          leaseMs: LEASE_MS,
          pollIntervalMs: 20,
          listenUrl: database.fresh?.url,
        });
        return Promise.resolve({
          queue,
          crash: () => {
            queue.abandon();
            return Promise.resolve();
          },
        });
      },
      close: () => database.close(),
    };
  });
}

const uniqueName = (label: string) => `pg-${Math.random().toString(36).slice(2, 10)}.${label}`;

/** Takes jobs of `name` on `queue` and holds each until `finish` (the last one taken). */
function holdJobs(queue: JobQueue, name: string) {
  const held: { job: Job | undefined; finish: () => void } = { job: undefined, finish: () => {} };
  queue.process(name, (job) => {
    held.job = job;
    return new Promise<void>((resolve) => {
      held.finish = resolve;
    });
  });
  return held;
}

for (const engine of ENGINES) {
  describe(`postgres job queue on ${engine.name}`, { skip: engine.skip }, () => {
    test('leaves rows that say what happened', async () => {
      const database = await engine.open();
      const queue = createPostgresQueue({
        sql: database.sql,
        logger: silentLogger(),
        leaseMs: LEASE_MS,
        pollIntervalMs: 20,
      });
      try {
        const name = uniqueName('rows');
        const ok = await queue.enqueue(name, { ok: true }, { idempotencyKey: 'k1' });
        const bad = await queue.enqueue(name, { ok: false }, { maxAttempts: 1 });
        queue.process(name, (job) =>
          (job.payload as { ok: boolean }).ok ? Promise.resolve() : Promise.reject(new Error('no')),
        );
        await eventually('both finished', async () => {
          const rows = await database.sql.db
            .selectFrom('jobs')
            .select('state')
            .where('queue', '=', name)
            .execute();
          return rows.every((row) => row.state === 'completed' || row.state === 'dead');
        });
        const rows = await database.sql.db
          .selectFrom('jobs')
          .selectAll()
          .where('queue', '=', name)
          .orderBy('id')
          .execute();
        assert.deepEqual(
          rows.map((row) => [row.id, row.state, row.attempts, row.last_error, row.lease_token]),
          [
            [ok, 'completed', 1, null, null],
            [bad, 'dead', 1, 'no', null],
          ],
        );
        assert.equal(rows[0]!.idempotency_key, 'k1');
        assert.ok(rows.every((row) => row.finished_at instanceof Date && row.lease_until === null));
        await assert.rejects(queue.enqueue('Not A Name', {}), /invalid queue name/);
        await assert.rejects(queue.enqueue(name, {}, { maxAttempts: 0 }), /maxAttempts/);
      } finally {
        await queue.stop();
        await database.close();
      }
    });

    test('a worker whose lease ran out cannot record its late outcome', async () => {
      const database = await engine.open();
      const open = () =>
        createPostgresQueue({
          sql: database.sql,
          logger: silentLogger(),
          leaseMs: LEASE_MS,
          pollIntervalMs: 20,
        });
      const stale: PostgresJobQueue = open();
      const fresh: PostgresJobQueue = open();
      try {
        const name = uniqueName('stale');
        const id = await stale.enqueue(name, 'x', { maxAttempts: 5 });
        let staleJob: Job | undefined;
        let finishStale!: (error?: Error) => void;
        stale.process(name, (job) => {
          staleJob = job;
          return new Promise<void>((resolve, reject) => {
            finishStale = (error) => {
              if (error === undefined) resolve();
              else reject(error);
            };
          });
        });
        await eventually('the stale worker took the job', () => staleJob !== undefined);
        // As if the stale worker had paused (a long GC, a partition) past its lease.
        await database.sql.db
          .updateTable('jobs')
          .set({ lease_until: new Date(Date.now() - 60_000) })
          .where('id', '=', id)
          .execute();
        let freshAttempt = 0;
        fresh.process(name, (job) => {
          freshAttempt = job.attempt;
          return Promise.resolve();
        });
        await eventually('the job was taken over', async () => {
          const row = await database.sql.db
            .selectFrom('jobs')
            .select('state')
            .where('id', '=', id)
            .executeTakeFirstOrThrow();
          return row.state === 'completed';
        });
        assert.equal(freshAttempt, 2, 'the lost delivery counted as an attempt');
        // Its next renewal finds the lease gone and tells the handler.
        await eventually('the stale handler was told', () => staleJob!.signal.aborted);
        finishStale(new Error('late failure'));
        await stale.stop();
        await fresh.stop();
        const row = await database.sql.db
          .selectFrom('jobs')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        assert.equal(row.state, 'completed');
        assert.equal(row.last_error, null);
      } finally {
        await stale.stop();
        await fresh.stop();
        await database.close();
      }
    });
  });
}

for (const engine of ENGINES) {
  describe(`postgres job flows on ${engine.name}`, { skip: engine.skip }, () => {
    test('a child completed by a worker whose lease ran out does not release the parent', async () => {
      const database = await engine.open();
      const open = () =>
        createPostgresQueue({
          sql: database.sql,
          logger: silentLogger(),
          leaseMs: LEASE_MS,
          pollIntervalMs: 20,
        });
      const stale = open();
      const fresh = open();
      const parentRow = (id: string) =>
        database.sql.db
          .selectFrom('jobs')
          .select(['state', 'pending_children'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
      try {
        const [parentQueue, childQueue] = [uniqueName('parent'), uniqueName('child')];
        const flow = await stale.enqueueFlow({
          name: parentQueue,
          payload: 'p',
          children: [{ name: childQueue, payload: 'c' }],
        });
        const childId = flow.childIds[0]!;
        const staleWorker = holdJobs(stale, childQueue);
        await eventually('the stale worker took the child', () => staleWorker.job !== undefined);
        await database.sql.db
          .updateTable('jobs')
          .set({ lease_until: new Date(Date.now() - 60_000) })
          .where('id', '=', childId)
          .execute();
        const freshWorker = holdJobs(fresh, childQueue);
        await eventually('the child was taken over', () => freshWorker.job !== undefined);
        // The stale worker's completion comes too late: dropped, the parent still waits.
        staleWorker.finish();
        await stale.stop();
        assert.deepEqual(await parentRow(flow.id), { state: 'waiting', pending_children: 1 });
        freshWorker.finish();
        await eventually(
          'the parent is due',
          async () => (await parentRow(flow.id)).state === 'pending',
        );
        assert.deepEqual(await parentRow(flow.id), { state: 'pending', pending_children: 0 });
      } finally {
        await stale.stop();
        await fresh.stop();
        await database.close();
      }
    });

    test("a flow added in a caller's transaction commits or rolls back with it", async () => {
      const database = await engine.open();
      try {
        const name = uniqueName('trx');
        const flow = {
          name,
          payload: 'parent',
          options: { idempotencyKey: 'order-1' },
          children: [
            { name, payload: 'a' },
            { name, payload: 'b' },
          ],
        };
        const rows = () =>
          database.sql.db
            .selectFrom('jobs')
            .select(['id', 'state', 'parent_id', 'pending_children'])
            .where('queue', '=', name)
            .orderBy('id')
            .execute();
        await assert.rejects(
          database.sql.withTransaction(async (trx) => {
            await enqueueFlowOn(trx, flow);
            throw new Error('rolled back');
          }),
          /rolled back/,
        );
        assert.deepEqual(await rows(), []);
        const added = await database.sql.withTransaction((trx) => enqueueFlowOn(trx, flow));
        assert.deepEqual(await rows(), [
          { id: added.id, state: 'waiting', parent_id: null, pending_children: 2 },
          { id: added.childIds[0], state: 'pending', parent_id: added.id, pending_children: 0 },
          { id: added.childIds[1], state: 'pending', parent_id: added.id, pending_children: 0 },
        ]);
        assert.deepEqual(
          await database.sql.withTransaction((trx) => enqueueFlowOn(trx, flow)),
          added,
        );
        await assert.rejects(enqueueFlowOn(database.sql.db, { ...flow, children: [] }), /child/);
        await assert.rejects(
          enqueueFlowOn(database.sql.db, {
            ...flow,
            children: [{ name, payload: 'x', options: { idempotencyKey: 'k' } }],
          }),
          /idempotencyKey/,
        );
      } finally {
        await database.close();
      }
    });
  });
}

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

describe('postgres job queue wake-ups', { skip: postgres.skip }, () => {
  test('an enqueue wakes an idle worker through LISTEN/NOTIFY, long before its next poll', async () => {
    const database = await postgres.open();
    const fresh = database.fresh!;
    const queue = createPostgresQueue({
      sql: database.sql,
      logger: silentLogger(),
      leaseMs: LEASE_MS,
      pollIntervalMs: 60_000,
      listenUrl: fresh.url,
    });
    try {
      const name = uniqueName('notify');
      const handled: string[] = [];
      queue.process(name, (job) => {
        handled.push(job.id);
        return Promise.resolve();
      });
      await eventually('the worker listens', async () => {
        const rows = await fresh.admin(
          `select 1 from pg_stat_activity where datname = $1 and query ilike 'listen %'`,
          [fresh.name],
        );
        return rows.length > 0;
      });
      const id = await queue.enqueue(name, 'wake up');
      await eventually('the job ran', () => handled.includes(id), { timeoutMs: 5000 });
    } finally {
      await queue.stop();
      await database.close();
    }
  });
});
