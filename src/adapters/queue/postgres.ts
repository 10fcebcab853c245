// The job queue on PostgreSQL, through the sql port: works on PGlite and on a
// real server, needs nothing but the database, and keeps jobs as durable as
// the rows they are about. The table is migrations/0010_jobs.sql.
//
// Claiming is one UPDATE over a `SELECT … FOR UPDATE SKIP LOCKED` — a
// transaction of one statement, so no lock is held while a handler runs.
// SKIP LOCKED lets any number of workers (instances, queues) claim at once
// without waiting on each other or taking the same row. A claimed row gets a
// fresh lease token and `lease_until`; the worker renews the lease every
// third of its length while the handler runs. Completing, failing, renewing
// and releasing all name the token, so a worker whose lease ran out (it
// stalled, and the job went to someone else) can no longer change the row:
// its late outcome is dropped, and the new holder's counts. A row whose lease
// ran out is claimable again: the job of a worker that died is delivered
// again (and that delivery counts as an attempt).
//
// Times come from the database clock (`now()`), never from the workers', so
// instances with skewed clocks agree on what is due and whose lease ran out.
//
// Idle workers poll at a small interval. On a real server they are also woken
// by LISTEN/NOTIFY: an enqueue notifies the `throughline_jobs` channel with
// the queue's name (delivered when its transaction commits), and a dedicated
// connection opened from `listenUrl` listens for it. The notification is only
// a hint: a lost one costs at most one poll interval.
//
// Flows (migrations/0012_job_flows.sql): the parent is a `waiting` row that
// counts its children not yet completed; no claim ever takes it. Completing a
// child is the token-guarded UPDATE and, in the same statement, the parent's
// decrement — so a worker whose lease ran out decrements nothing, and the
// completion that brings the count to 0 makes the parent due (and notifies
// its queue). A dead child decrements nothing: its parent waits until the
// child is replayed and completes. Adding (enqueueOn, enqueueFlowOn) lives in
// postgres-enqueue.ts, callable on a caller's transaction.

import { createRequire } from 'node:module';
import type { Client } from 'pg';
import { endWithin, KEEPALIVE_IDLE_MS } from '../sql/pg-socket.ts';
import { sql as raw, type Kysely } from 'kysely';
import type { QueueTables } from './tables.ts';
import type { Logger } from '../../platform/logger.ts';
import {
  backoffDelay,
  checkQueueName,
  errorMessage,
  resolvePruneOptions,
  type Backoff,
  type DeadJob,
  type Job,
  type JobHandler,
  type JobQueue,
  type JsonValue,
  type QueueCounts,
  type StopOptions,
} from '../../ports/queue.ts';
import { isBigintId } from '../../platform/sql/pg-values.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { enqueueFlowOn, enqueueOn, millis, NOTIFY_CHANNEL } from './postgres-enqueue.ts';

// pg is loaded when the LISTEN connection opens (PostgreSQL only), not with
// this module (Node's synchronous require): on the embedded engine it is
// never loaded.
const require = createRequire(import.meta.url);

export { enqueueFlowOn, enqueueOn, NOTIFY_CHANNEL };

export interface PostgresQueueOptions {
  readonly sql: SqlDatabase<QueueTables>;
  readonly logger: Logger;
  /** How long a claim holds without renewal. Default 30,000 ms. */
  readonly leaseMs?: number;
  /** The pause between polls of a queue with nothing due. Default 1,000 ms. */
  readonly pollIntervalMs?: number;
  /** Real PostgreSQL only: where to LISTEN for enqueues (usually DATABASE_URL). */
  readonly listenUrl?: string;
  /** stop()'s grace period when it is not given one. Default 10,000 ms. */
  readonly stopGraceMs?: number;
}

export interface PostgresJobQueue extends JobQueue {
  /**
   * What a killed process does: stops polling and renewing at once, and
   * neither finishes nor releases the jobs it holds (their leases run out).
   * For tests and failure drills.
   */
  abandon(): void;
}

interface ClaimedRow {
  id: string;
  payload: JsonValue;
  attempts: number;
  max_attempts: number;
  backoff: Backoff;
  lease_token: string;
}

interface Running {
  readonly row: ClaimedRow;
  readonly controller: AbortController;
  readonly settled: Promise<void>;
  stopRenewing(): void;
}

interface Worker {
  readonly name: string;
  readonly running: Map<string, Running>;
  wake(): void;
  halt(): void;
  loop: Promise<void>;
}

export function createPostgresQueue(options: PostgresQueueOptions): PostgresJobQueue {
  const { sql, logger } = options;
  const db: Kysely<QueueTables> = sql.db;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const workers = new Map<string, Worker>();
  let stopped = false;
  /** Set by abandon(): nothing more is written on behalf of running jobs. */
  let abandoned = false;
  let listener: Listener | undefined;

  const claim = async (name: string, limit: number): Promise<ClaimedRow[]> => {
    const result = await raw<ClaimedRow>`
      update jobs
      set state = 'running',
          attempts = attempts + 1,
          lease_token = gen_random_uuid(),
          lease_until = now() + ${millis(leaseMs)}
      where id in (
        select id from jobs
        where queue = ${name}
          and ((state = 'pending' and run_at <= now())
            or (state = 'running' and lease_until <= now()))
        order by run_at, id
        limit ${limit}
        for update skip locked
      )
      returning id, payload, attempts, max_attempts, backoff, lease_token`.execute(db);
    return result.rows;
  };

  /** Token-guarded: true when this claim still held the row. */
  const settle = async (
    row: ClaimedRow,
    outcome: 'completed' | 'retry' | 'dead' | 'release',
    error?: string,
  ): Promise<boolean> => {
    if (outcome === 'completed') return complete(row);
    const update = db
      .updateTable('jobs')
      .where('id', '=', row.id)
      .where('lease_token', '=', row.lease_token);
    const unleased = { lease_token: null, lease_until: null } as const;
    const query =
      outcome === 'dead'
        ? update.set({ ...unleased, state: 'dead', finished_at: raw`now()`, last_error: error })
        : outcome === 'retry'
          ? update.set({
              ...unleased,
              state: 'pending',
              last_error: error,
              run_at: raw`now() + ${millis(backoffDelay(row.attempts, row.backoff))}`,
            })
          : // Given up unfinished (stopping): not held against the job's attempts.
            update.set({
              ...unleased,
              state: 'pending',
              run_at: raw`now()`,
              attempts: raw`greatest(attempts - 1, 0)`,
            });
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows > 0n;
  };

  /**
   * Token-guarded like settle, and one statement with the flow parent's
   * decrement: the completion that leaves it no child to wait for makes it due.
   */
  const complete = async (row: ClaimedRow): Promise<boolean> => {
    const result = await raw<{ id: string }>`
      with done as (
        update jobs
        set state = 'completed', finished_at = now(), last_error = null,
            lease_token = null, lease_until = null
        where id = ${row.id} and lease_token = ${row.lease_token}::uuid
        returning id, parent_id
      ),
      released as (
        update jobs
        set pending_children = pending_children - 1,
            state = case when pending_children = 1 then 'pending' else 'waiting' end,
            run_at = case when pending_children = 1 then now() else run_at end
        where id = (select parent_id from done) and state = 'waiting'
        returning queue, state
      )
      select id, (select pg_notify(${NOTIFY_CHANNEL}, queue) from released where state = 'pending')
      from done`.execute(db);
    return result.rows.length > 0;
  };

  const renew = async (row: ClaimedRow): Promise<boolean> => {
    const result = await db
      .updateTable('jobs')
      .set({ lease_until: raw`now() + ${millis(leaseMs)}` })
      .where('id', '=', row.id)
      .where('lease_token', '=', row.lease_token)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  };

  const run = (name: string, row: ClaimedRow, handler: JobHandler, worker: Worker): void => {
    const controller = new AbortController();
    const log = logger.child({ queue: name, jobId: row.id, attempt: row.attempts });
    // Set once the handler has returned: a renewal sent just before then can
    // land after the outcome cleared the lease, and must not read as a loss.
    let handled = false;
    const timer = setInterval(() => {
      renew(row).then(
        (held) => {
          if (held || handled) return;
          log.warn('job lease lost: another worker may be running the job');
          clearInterval(timer);
          controller.abort(new Error('the lease on the job was lost'));
        },
        (error: unknown) => {
          log.warn({ err: error }, 'renewing a job lease failed');
        },
      );
    }, leaseMs / 3);
    const job: Job = {
      id: row.id,
      name,
      payload: row.payload,
      attempt: row.attempts,
      maxAttempts: row.max_attempts,
      signal: controller.signal,
    };
    const outcome = async () => {
      if (row.attempts > row.max_attempts) {
        // Its last attempt's worker died: that was the last attempt.
        return settle(row, 'dead', 'the worker running the last attempt stopped responding');
      }
      try {
        await handler(job);
      } catch (error) {
        handled = true;
        const message = errorMessage(error);
        if (abandoned || controller.signal.aborted) return false;
        const dead = row.attempts >= row.max_attempts;
        log[dead ? 'error' : 'warn']({ err: error }, dead ? 'job dead' : 'job failed; will retry');
        return settle(row, dead ? 'dead' : 'retry', message);
      }
      handled = true;
      if (abandoned || controller.signal.aborted) return false;
      return settle(row, 'completed');
    };
    const settled = outcome()
      .then(
        (held) => {
          if (!held && !abandoned && !controller.signal.aborted) {
            log.warn('job outcome dropped: its lease had run out');
          }
        },
        (error: unknown) => {
          // The lease runs out and the job is delivered again.
          log.error({ err: error }, 'recording a job outcome failed');
        },
      )
      .finally(() => {
        clearInterval(timer);
        worker.running.delete(row.id);
        worker.wake();
      });
    worker.running.set(row.id, {
      row,
      controller,
      settled,
      stopRenewing: () => {
        clearInterval(timer);
      },
    });
  };

  const startWorker = (name: string, handler: JobHandler, concurrency: number): Worker => {
    let halted = false;
    let woken = false;
    let interrupt: (() => void) | undefined;
    const nap = (ms: number) =>
      new Promise<void>((resolve) => {
        if (woken || halted) {
          resolve();
          return;
        }
        const done = () => {
          clearTimeout(timer);
          interrupt = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        interrupt = done;
      });
    const worker: Worker = {
      name,
      running: new Map(),
      wake() {
        woken = true;
        interrupt?.();
      },
      halt() {
        halted = true;
        interrupt?.();
      },
      loop: Promise.resolve(),
    };
    let failures = 0;
    worker.loop = (async () => {
      while (!halted) {
        woken = false;
        const free = concurrency - worker.running.size;
        if (free <= 0) {
          await nap(pollIntervalMs);
          continue;
        }
        let rows: ClaimedRow[];
        try {
          rows = await claim(name, free);
          failures = 0;
        } catch (error) {
          if (halted) break;
          failures += 1;
          logger.error({ err: error, queue: name }, 'claiming jobs failed');
          await nap(Math.min(pollIntervalMs * 2 ** failures, 30_000));
          continue;
        }
        for (const row of rows) {
          if (halted) {
            // Claimed while stopping: hand it straight back.
            if (!abandoned) await settle(row, 'release').catch(() => false);
          } else {
            run(name, row, handler, worker);
          }
        }
        if (rows.length < free) await nap(pollIntervalMs);
      }
    })();
    return worker;
  };

  return {
    async enqueue(name, payload, enqueueOptions) {
      if (stopped) throw new Error('the job queue is stopped');
      return enqueueOn(db, name, payload, enqueueOptions);
    },

    process(name, handler, processOptions = {}) {
      checkQueueName(name);
      if (stopped) throw new Error('the job queue is stopped');
      if (workers.has(name)) throw new Error(`queue ${name} already has a handler here`);
      const concurrency = processOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new TypeError('concurrency must be a positive integer');
      }
      workers.set(name, startWorker(name, handler, concurrency));
      if (options.listenUrl !== undefined && listener === undefined) {
        listener = listen(options.listenUrl, logger, (queue) => workers.get(queue)?.wake());
      }
    },

    async enqueueFlow(flow) {
      if (stopped) throw new Error('the job queue is stopped');
      return enqueueFlowOn(db, flow);
    },

    async prune(name, pruneOptions) {
      checkQueueName(name);
      const { olderThanMs, limit } = resolvePruneOptions(pruneOptions);
      // Bounded, so a large backlog is removed in slices that lock little at a time.
      const result = await db
        .deleteFrom('jobs')
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('jobs')
            .select('id')
            .where('queue', '=', name)
            .where('state', '=', 'completed')
            .where('finished_at', '<=', raw<Date>`now() - ${millis(olderThanMs)}`)
            .orderBy('finished_at')
            .limit(limit),
        )
        .where('state', '=', 'completed')
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async counts(name) {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['state', eb.fn.countAll<string>().as('count')])
        .where('queue', '=', checkQueueName(name))
        .groupBy('state')
        .execute();
      const counts: Record<keyof QueueCounts, number> = {
        waiting: 0,
        pending: 0,
        running: 0,
        completed: 0,
        dead: 0,
      };
      for (const row of rows) counts[row.state] = Number(row.count);
      return counts;
    },

    async oldestDueAgeMs(name) {
      // The database's clock, as for every other time of the queue.
      const row = await db
        .selectFrom('jobs')
        .select(raw<string | null>`extract(epoch from now() - min(run_at)) * 1000`.as('age'))
        .where('queue', '=', checkQueueName(name))
        .where('state', '=', 'pending')
        .where('run_at', '<=', raw<Date>`now()`)
        .executeTakeFirst();
      return Math.max(0, Number(row?.age ?? 0));
    },

    async listDead(name, listOptions = {}): Promise<DeadJob[]> {
      const rows = await db
        .selectFrom('jobs')
        .select(['id', 'queue', 'payload', 'attempts', 'last_error', 'finished_at'])
        .where('queue', '=', checkQueueName(name))
        .where('state', '=', 'dead')
        .orderBy('finished_at', 'desc')
        .orderBy('id', 'desc')
        .limit(listOptions.limit ?? 100)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.queue,
        payload: row.payload as JsonValue,
        attempts: row.attempts,
        lastError: row.last_error ?? '',
        failedAt: row.finished_at ?? new Date(0),
      }));
    },

    async replay(id) {
      // Not a bigint id: no such job, without asking the database to cast it.
      if (!isBigintId(id)) return false;
      const result = await db
        .updateTable('jobs')
        .set({
          state: 'pending',
          attempts: 0,
          run_at: raw`now()`,
          finished_at: null,
          last_error: null,
        })
        .where('id', '=', id)
        .where('state', '=', 'dead')
        .returning('queue')
        .executeTakeFirst();
      if (result === undefined) return false;
      await raw`select pg_notify(${NOTIFY_CHANNEL}, ${result.queue})`.execute(db);
      return true;
    },

    async stop(stopOptions: StopOptions = {}) {
      if (stopped) return;
      stopped = true;
      const graceMs = stopOptions.graceMs ?? options.stopGraceMs ?? 10_000;
      for (const worker of workers.values()) worker.halt();
      await Promise.all([...workers.values()].map((worker) => worker.loop));
      await listener?.close();
      const running = [...workers.values()].flatMap((worker) => [...worker.running.values()]);
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace over'>((resolve) => {
        timer = setTimeout(() => {
          resolve('grace over');
        }, graceMs);
      });
      const finished = Promise.all(running.map((job) => job.settled));
      const outcome = await Promise.race([finished, graceOver]);
      clearTimeout(timer);
      if (outcome !== 'grace over') return;
      // Still running: give the jobs up so another worker takes them at once.
      const left = running.filter((job) => !job.controller.signal.aborted);
      for (const job of left) {
        job.stopRenewing();
        job.controller.abort(new Error('the worker is stopping'));
      }
      await Promise.all(
        left.map((job) =>
          settle(job.row, 'release').catch((error: unknown) => {
            logger.error({ err: error, jobId: job.row.id }, 'releasing a job lease failed');
          }),
        ),
      );
      logger.warn({ released: left.length }, 'stopped with jobs still running: leases released');
    },

    abandon() {
      stopped = true;
      abandoned = true;
      for (const worker of workers.values()) {
        worker.halt();
        for (const job of worker.running.values()) job.stopRenewing();
      }
      void listener?.close();
    },
  };
}

interface Listener {
  close(): Promise<void>;
}

/** How long opening the LISTEN connection may take before it is retried. */
const LISTEN_CONNECT_TIMEOUT_MS = 5000;

/** LISTEN on a connection of its own; reconnects with backoff until closed. */
function listen(url: string, logger: Logger, wake: (queue: string) => void): Listener {
  let closed = false;
  let client: Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  const connect = async () => {
    const { Client: PgClient } = require('pg') as typeof import('pg');
    const current = new PgClient({
      connectionString: url,
      application_name: 'throughline:jobs',
      // An idle LISTEN connection whose peer vanished is found by keep-alive;
      // a connect into a network that drops packets gives up.
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
      connectionTimeoutMillis: LISTEN_CONNECT_TIMEOUT_MS,
    });
    client = current;
    const reconnect = (error?: unknown) => {
      if (closed || client !== current) return;
      client = undefined;
      failures += 1;
      logger.warn({ err: error }, 'job notifications lost: polling only until they are back');
      void endWithin(current);
      retry = setTimeout(() => void connect(), Math.min(500 * 2 ** failures, 30_000));
    };
    current.on('notification', (message) => {
      if (message.payload !== undefined) wake(message.payload);
    });
    current.on('error', reconnect);
    current.on('end', () => {
      reconnect();
    });
    try {
      await current.connect();
      await current.query(`listen ${NOTIFY_CHANNEL}`);
      failures = 0;
    } catch (error) {
      reconnect(error);
    }
  };
  void connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      // Bounded: a silent server never answers the goodbye.
      if (client !== undefined) await endWithin(client);
    },
  };
}
