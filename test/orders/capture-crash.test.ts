// A worker process killed in the middle of a capture, on a real PostgreSQL
// server (PGlite cannot be shared by two processes), with the jobs in the
// database and — when REDIS_URL is set — in BullMQ.
//
// Nothing in the service waits for the test: the test itself holds the
// escrow wallet's row lock (SELECT … FOR UPDATE on a connection of its own),
// so the worker's capture stops inside its transaction, holding the order's
// lock, waiting for the wallet; pg_stat_activity shows when it got there.
// Then the worker is SIGKILLed, the lock released (the dead worker's
// transaction rolls back when its server process finds the client gone),
// and a second worker takes the job once its lease ran out: the order is
// captured exactly once and the ledger balances.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { Client } from 'pg';
import { createBullmqQueue } from '../../src/adapters/queue/bullmq.ts';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { CAPTURE_QUEUE } from '../../src/modules/orders/flow-steps.ts';
import { eventually } from '../support/eventually.ts';
import type { JobQueue } from '../../src/ports/queue.ts';
import { apiClient } from '../support/api.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { spawnEntry, type MainProcess } from '../support/process.ts';
import { REDIS_URL, redisSkip, removeKeys, uniquePrefix } from '../support/redis.ts';
import {
  assertLedgerConsistent,
  openShop,
  orderMoney,
  settledAt,
  type Shop,
} from '../support/shop.ts';
import { silentLogger, startService, type StartedService } from '../support/start.ts';

const TEST_TIMEOUT_MS = 120_000;
const WAIT = { timeoutMs: 45_000, intervalMs: 50 };
const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

const BACKENDS = [
  { name: 'postgres', skip: postgres.skip },
  { name: 'bullmq', skip: postgres.skip || redisSkip },
] as const;

type Db = Kysely<Database>;

/** A transaction of the test's own holding the escrow wallet's row lock. */
async function lockEscrow(url: string): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new Client({ connectionString: url, application_name: 'capture-crash-test' });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
  await client.query('begin');
  await client.query(
    `select id from wallets where kind = 'escrow' and currency = 'EUR' and user_id is null
     for update`,
  );
  return {
    pid: rows[0]!.pid,
    async release() {
      await client.query('rollback');
      await client.end();
    },
  };
}

/** The server process of a capture waiting for the test's lock on the escrow wallet. */
async function waitingCapture(db: Db, lockPid: number): Promise<number> {
  let waiting: number | undefined;
  await eventually(
    'a capture waits for the escrow wallet',
    async () => {
      const { rows } = await sql<{ pid: number }>`
        select pid from pg_stat_activity
        where ${lockPid}::int = any(pg_blocking_pids(pid))
          and wait_event_type = 'Lock'
          and query ilike '%from "wallets"%for update%'`.execute(db);
      waiting = rows[0]?.pid;
      return waiting !== undefined;
    },
    WAIT,
  );
  return waiting!;
}

async function serverProcessGone(db: Db, pid: number): Promise<boolean> {
  const { rows } = await sql`select 1 from pg_stat_activity where pid = ${pid}::int`.execute(db);
  return rows.length === 0;
}

for (const backend of BACKENDS) {
  describe(`a worker killed mid-capture, ${backend.name} queue`, { skip: backend.skip }, () => {
    let database: EngineDatabase;
    let db: Db;
    let web: StartedService;
    let shop: Shop;
    let dataDir: string;
    const redisPrefix = uniquePrefix();
    /** The service's REDIS_KEY_PREFIX; its job keys live under `<prefix>jobs`. */
    const queueEnv: Record<string, string> =
      backend.name === 'bullmq'
        ? { QUEUE_BACKEND: 'bullmq', REDIS_URL: REDIS_URL ?? '', REDIS_KEY_PREFIX: redisPrefix }
        : {};

    before(async () => {
      database = await postgres.open();
      db = database.sql.db;
      dataDir = await mkdtemp(join(tmpdir(), 'throughline-capture-'));
      web = await startService({ sql: database.sql, env: { WORKERS: 'off' } });
      shop = await openShop(apiClient(web.url), db);
    });

    after(async () => {
      await web.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
      if (backend.name === 'bullmq') await removeKeys(redisPrefix);
    });

    function startWorker(t: TestContext): MainProcess {
      const worker = spawnEntry('src/wiring/worker.ts', {
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        DATA_DIR: dataDir,
        DATABASE_URL: database.fresh!.url,
        PUBLIC_URL: 'https://shop.example.test',
        QUEUE_LEASE_MS: '1000',
        QUEUE_POLL_INTERVAL_MS: '50',
        OUTBOX_POLL_INTERVAL_MS: '50',
        ...queueEnv,
      });
      t.after(async () => {
        if (worker.child.exitCode === null && worker.child.signalCode === null) {
          worker.child.kill('SIGKILL');
          await worker.exited;
        }
      });
      return worker;
    }

    async function stopWorker(worker: MainProcess): Promise<void> {
      worker.child.kill('SIGTERM');
      assert.deepEqual(await worker.exited, { code: 0, signal: null });
    }

    /** A queue handle of the test's own, for enqueueing and counting (it runs no jobs). */
    function testQueue(): JobQueue {
      return backend.name === 'bullmq'
        ? createBullmqQueue({
            url: REDIS_URL!,
            prefix: `${redisPrefix}jobs`,
            logger: silentLogger(),
          })
        : createPostgresQueue({ sql: database.sql, logger: silentLogger() });
    }

    /** Captures on the postgres queue: [state, attempts] of the order's capture jobs. */
    async function captureJobs(orderId: string): Promise<[string, number][]> {
      const rows = await db
        .selectFrom('jobs')
        .select(['state', 'attempts'])
        .where('queue', '=', CAPTURE_QUEUE)
        .where(sql`payload ->> 'orderId'`, '=', orderId)
        .orderBy('id')
        .execute();
      return rows.map((row) => [row.state, row.attempts]);
    }

    async function paidOrder(label: string, price: number) {
      const buyer = await shop.customer(label, 10_000);
      const productId = await shop.product(5, price);
      const order = await shop.place(buyer, [{ productId, quantity: 1 }]);
      await shop.act(buyer.token, order.id, 'pay');
      return { buyer, order };
    }

    async function assertCapturedOnce(orderId: string, amount: number): Promise<void> {
      assert.deepEqual(await orderMoney(db, orderId), {
        transfers: ['order_payment user→escrow', 'order_capture escrow→merchant'],
        merchant: amount,
        escrow: 0,
      });
      await assertLedgerConsistent(db);
    }

    test(
      'the capture is delivered again after its lease and captures once',
      { timeout: TEST_TIMEOUT_MS },
      async (t) => {
        const { buyer, order } = await paidOrder('crash', 3_300);
        const lock = await lockEscrow(database.fresh!.url);
        let released = false;
        t.after(async () => {
          if (!released) await lock.release();
        });

        const first = startWorker(t);
        const orphan = await waitingCapture(db, lock.pid);
        first.child.kill('SIGKILL');
        assert.equal((await first.exited).signal, 'SIGKILL');
        if (backend.name === 'postgres') {
          assert.deepEqual(await captureJobs(order.id), [['running', 1]]);
        }

        await lock.release();
        released = true;
        // Its client gone, the dead worker's transaction ends without a capture.
        await eventually(
          'the dead worker’s transaction ended',
          () => serverProcessGone(db, orphan),
          WAIT,
        );
        assert.deepEqual((await orderMoney(db, order.id)).transfers, ['order_payment user→escrow']);

        const second = startWorker(t);
        await eventually(
          'the order is settled',
          async () => (await settledAt(db, order.id)) !== null,
          WAIT,
        );
        await stopWorker(second);
        await assertCapturedOnce(order.id, 3_300);
        assert.equal(await shop.balanceOf(buyer.id), 10_000 - 3_300);
        if (backend.name === 'postgres') {
          assert.deepEqual(await captureJobs(order.id), [['completed', 2]]);
        }
      },
    );

    test(
      'capture jobs delivered several times at once capture once',
      { timeout: TEST_TIMEOUT_MS },
      async (t) => {
        const { order } = await paidOrder('twice', 2_100);
        const queue = testQueue();
        t.after(() => queue.stop());
        // Held, so the flow's capture and the two added by hand all reach the
        // worker before any of them can move money.
        const lock = await lockEscrow(database.fresh!.url);
        let released = false;
        t.after(async () => {
          if (!released) await lock.release();
        });
        await queue.enqueue(CAPTURE_QUEUE, { orderId: order.id });
        await queue.enqueue(CAPTURE_QUEUE, { orderId: order.id });

        const worker = startWorker(t);
        await waitingCapture(db, lock.pid);
        await lock.release();
        released = true;
        await eventually(
          'every capture job ran and the order is settled',
          async () => {
            const counts = await queue.counts(CAPTURE_QUEUE);
            return (
              counts.pending === 0 &&
              counts.running === 0 &&
              (await settledAt(db, order.id)) !== null
            );
          },
          WAIT,
        );
        assert.equal((await queue.counts(CAPTURE_QUEUE)).dead, 0);
        await stopWorker(worker);
        await assertCapturedOnce(order.id, 2_100);
        if (backend.name === 'postgres') {
          const jobs = await captureJobs(order.id);
          assert.equal(jobs.length, 3, 'the flow’s capture and two more');
          assert.ok(jobs.every(([state]) => state === 'completed'));
        }
      },
    );
  });
}
