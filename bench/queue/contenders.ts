// The queue benchmark's contenders, each behind the same three steps: start a
// worker with a no-op handler, enqueue, and drain (stop taking jobs once all
// ran, and wait until every one is recorded as completed). Every round gets
// a queue name of its own, so no round sees another's jobs.
//
// - our postgres queue on PGlite in this process, and on a PostgreSQL server
//   (a database of its own, dropped afterwards), with the service's defaults
//   (1 s poll; LISTEN/NOTIFY on the server);
// - our BullMQ adapter and raw BullMQ (Queue.add + Worker, the same
//   concurrency, the same Redis), each under a key prefix of the run's own.
//   Both keep completed jobs (our adapter does, for idempotency keys).

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createBullmqQueue } from '../../src/adapters/queue/bullmq.ts';
import { createPostgresQueue } from '../../src/adapters/queue/postgres.ts';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import type { JobQueue } from '../../src/ports/queue.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { preparePostgres } from '../db/databases.ts';
import type { QueueContenderId } from './summary.ts';

/** One round's queue: a worker, the enqueues, the drain. */
export interface RoundQueue {
  /** Starts handling with `onHandled` called once per handled job; resolves once the worker is up. */
  start(onHandled: () => void, concurrency: number): Promise<void>;
  enqueueOne(index: number): Promise<void>;
  /** Undefined when the contender enqueues one by one only. */
  enqueueAll?: (count: number) => Promise<void>;
  /** Stops the worker once every job ran: resolves when all are recorded as completed. */
  drain(): Promise<void>;
}

export interface QueueContender {
  readonly id: QueueContenderId;
  readonly label: string;
  /** Whether this contender adds its jobs in bulk (addBulk) rather than one by one. */
  readonly bulk: boolean;
  round(queueName: string): RoundQueue;
  close(): Promise<void>;
}

/** Our JobQueue, one instance per round (stop() is final), on a shared backend. */
function portRound(make: () => JobQueue, queueName: string): RoundQueue {
  const queue = make();
  return {
    start(onHandled, concurrency) {
      queue.process(
        queueName,
        () => {
          onHandled();
          return Promise.resolve();
        },
        { concurrency },
      );
      return Promise.resolve();
    },
    async enqueueOne(index) {
      await queue.enqueue(queueName, { index });
    },
    drain: () => queue.stop({ graceMs: 30_000 }),
  };
}

export async function pgliteContender(logger: Logger): Promise<QueueContender> {
  const dataDir = await mkdtemp(join(tmpdir(), 'throughline-bench-queue-'));
  const sql = await createPgliteDatabase<Database>({ dataDir: join(dataDir, 'pglite') });
  await migrate(sql, { dir: MIGRATIONS_DIR });
  return {
    id: 'postgres-pglite',
    label: 'postgres queue on PGlite (in process)',
    bulk: false,
    round: (name) => portRound(() => createPostgresQueue({ sql, logger }), name),
    async close() {
      await sql.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function postgresContender(
  serverUrl: string,
  logger: Logger,
): Promise<QueueContender & { readonly database: string }> {
  const database = await preparePostgres(serverUrl, { seed: false });
  let sql: SqlDatabase<Database> | undefined;
  try {
    sql = createPostgresDatabase<Database>({ url: database.url });
    const opened = sql;
    return {
      id: 'postgres-server',
      label: 'postgres queue on PostgreSQL',
      bulk: false,
      database: database.name,
      round: (name) =>
        portRound(
          () => createPostgresQueue({ sql: opened, logger, listenUrl: database.url }),
          name,
        ),
      async close() {
        await opened.close();
        await database.drop();
      },
    };
  } catch (error) {
    await sql?.close();
    await database.drop();
    throw error;
  }
}

export function bullmqAdapterContender(
  url: string,
  prefix: string,
  logger: Logger,
): QueueContender {
  return {
    id: 'bullmq-adapter',
    label: 'our BullMQ adapter',
    bulk: false,
    round: (name) => portRound(() => createBullmqQueue({ url, prefix, logger }), name),
    close: () => Promise.resolve(),
  };
}

/** BullMQ as its documentation shows it: one connection, a Queue and a Worker. */
export function rawBullmqContender(url: string, prefix: string, bulk: boolean): QueueContender {
  return {
    id: bulk ? 'bullmq-raw-bulk' : 'bullmq-raw',
    label: bulk ? 'raw BullMQ, addBulk' : 'raw BullMQ',
    bulk,
    round(name) {
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      const queue = new Queue(name, { connection, prefix });
      let worker: Worker | undefined;
      return {
        async start(onHandled, concurrency) {
          worker = new Worker(
            name,
            () => {
              onHandled();
              return Promise.resolve();
            },
            { connection, prefix, concurrency },
          );
          await worker.waitUntilReady();
        },
        async enqueueOne(index) {
          await queue.add(name, { index });
        },
        async enqueueAll(total) {
          // addBulk is one MULTI; slices keep each one a reasonable size.
          for (let from = 0; from < total; from += 1000) {
            const size = Math.min(1000, total - from);
            await queue.addBulk(
              Array.from({ length: size }, (_, k) => ({ name, data: { index: from + k } })),
            );
          }
        },
        async drain() {
          await worker?.close();
          await queue.close();
          await connection.quit();
        },
      };
    },
    close: () => Promise.resolve(),
  };
}
