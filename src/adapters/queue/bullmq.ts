// The job queue on Redis, with BullMQ: the port's semantics mapped onto
// BullMQ's own. One BullMQ queue per port queue name, its keys under
// `<prefix>` (REDIS_KEY_PREFIX + `jobs` in the service), so deployments and
// test runs sharing a Redis never see each other's jobs.
//
// - Idempotency: a keyed job gets the BullMQ job id `key-<sha256 of the
//   key>`; BullMQ ignores an add whose id exists, for as long as the job is
//   kept (completed and failed jobs are kept).
// - Attempts and backoff: BullMQ's `attempts`, with a custom backoff strategy
//   that calls the port's backoffDelay with the job's own settings (carried
//   in the job data), so both adapters pause alike.
// - Lease: BullMQ's job lock (`lockDuration`), renewed by the worker while
//   the handler runs; a stalled-job check moves jobs whose lock ran out back
//   to waiting (a worker died). Unlike the Postgres adapter, BullMQ does not
//   count such a delivery as an attempt; `maxStalledCount` bounds how often
//   a job may stall before it fails.
// - Dead letters: BullMQ's failed set, which holds only jobs whose last
//   attempt failed; `replay` retries one with its attempts reset.
// - Flows: BullMQ's FlowProducer adds the parent and its children in one
//   atomic call; the parent waits in `waiting-children` until every child
//   completed. A child that fails for good stays among its parent's pending
//   dependencies (none of failParentOnFailure, continueParentOnFailure,
//   ignoreDependencyOnFailure or removeDependencyOnFailure is set), so the
//   parent waits; `replay` retries the child, and its completion releases
//   the parent. A keyed flow's parent is `key-<sha256 of the key>` like a
//   keyed job, its children `flow-<sha256 of queue and key>-<index>`: an add
//   finding the parent returns those ids and adds nothing, and two racing
//   adds write the same jobs.
// - prune: BullMQ's clean of the completed set (jobs finished before the
//   grace); counts: its job counts, `waiting` being `waiting-children`.
// - stop(): closes the workers, which waits for running handlers; after the
//   grace period the handlers are aborted and their jobs moved back to
//   waiting (not counted as attempts), then the connections close.
//
// Connections: BullMQ needs `maxRetriesPerRequest: null` — its workers block
// on Redis for new jobs, and a command must not fail just because the socket
// dropped — which is the opposite of the fail-fast connections the request
// path uses (adapters/redis/client.ts), where a Redis outage must cost a
// request milliseconds. So this adapter opens its own ioredis connection
// with BullMQ's settings (workers duplicate it for their blocking reads;
// queues and the flow producer share it) and closes it on stop.

import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type { FlowProducer, Queue, Worker, Job as BullJob, JobsOptions, Processor } from 'bullmq';
import type { Logger } from '../../platform/logger.ts';
import {
  backoffDelay,
  checkQueueName,
  errorMessage,
  resolveEnqueueOptions,
  resolvePruneOptions,
  type Backoff,
  type DeadJob,
  type EnqueueOptions,
  type FlowJob,
  type JobHandler,
  type JobQueue,
  type JsonValue,
  type StopOptions,
} from '../../ports/queue.ts';
import { checkKeyPrefix } from '../kv/redis.ts';
import { REDIS_KEEPALIVE_IDLE_MS } from '../redis/client.ts';

// BullMQ (and ioredis) are loaded when a BullMQ queue is created, not with
// this module (Node's synchronous require): with the default queue backend
// they are never loaded, which spares start-up a quarter of a second or more.
const require = createRequire(import.meta.url);

export interface BullmqQueueOptions {
  /** redis:// or rediss:// */
  readonly url: string;
  /** BullMQ's key prefix, e.g. `throughline:jobs`. No braces. */
  readonly prefix: string;
  readonly logger: Logger;
  /** BullMQ's lockDuration: how long a claim holds without renewal. Default 30,000 ms. */
  readonly leaseMs?: number;
  /** How often workers look for jobs whose lock ran out. Default: the lease. */
  readonly stalledIntervalMs?: number;
  /** How often a job may stall (its worker died) before it fails. Default 10. */
  readonly maxStalledCount?: number;
  /** stop()'s grace period when it is not given one. Default 10,000 ms. */
  readonly stopGraceMs?: number;
}

export interface BullmqJobQueue extends JobQueue {
  /**
   * What a killed process does: closes at once without finishing or giving
   * back the jobs it holds (their locks run out). For tests and drills.
   */
  abandon(): Promise<void>;
}

/** What a BullMQ job carries: the payload and the backoff settings of the port. */
interface Envelope {
  readonly payload: JsonValue;
  readonly backoff: Backoff;
}

const BACKOFF_TYPE = 'throughline';
/** How long a connection that owes an answer may stay silent: above BullMQ's longest block. */
const SILENT_CONNECTION_MS = 30_000;
/** How long closing waits for Redis to acknowledge QUIT. */
const QUIT_GRACE_MS = 1000;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * A port job as BullMQ sees it: its envelope and options, with the job id an
 * idempotency key gives it unless `jobId` is set (no delay: enqueue adds it).
 */
function bullJob(job: FlowJob & { readonly options?: EnqueueOptions }, jobId?: string) {
  checkQueueName(job.name);
  const resolved = resolveEnqueueOptions(job.options);
  if (JSON.stringify(job.payload) === undefined) throw new TypeError('the payload must be JSON');
  const opts: JobsOptions = {
    attempts: resolved.maxAttempts,
    backoff: { type: BACKOFF_TYPE },
    // Kept, so that idempotency keys keep working and dead letters stay.
    removeOnComplete: false,
    removeOnFail: false,
  };
  const key = resolved.idempotencyKey;
  const id = jobId ?? (key === undefined ? undefined : `key-${sha256(key)}`);
  if (id !== undefined) opts.jobId = id;
  const data: Envelope = { payload: job.payload, backoff: resolved.backoff };
  return { name: job.name, data, opts, resolved };
}

/** Running handlers, for aborting and handing back after the grace period. */
interface Running {
  readonly controller: AbortController;
  giveUp(): void;
}

export function createBullmqQueue(options: BullmqQueueOptions): BullmqJobQueue {
  const { FlowProducer, Queue, WaitingError, Worker } =
    require('bullmq') as typeof import('bullmq');
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const { logger } = options;
  const prefix = checkKeyPrefix(options.prefix);
  const leaseMs = options.leaseMs ?? 30_000;
  const connection = new Redis(options.url, {
    maxRetriesPerRequest: null,
    connectionName: 'throughline:jobs',
    lazyConnect: true,
    // A connection that drops packets instead of resetting must not hold the
    // workers forever: keep-alive finds an idle one dead, and a connection
    // that owes an answer and stays silent longer than any blocking read
    // (BullMQ blocks 10 s at most) is dropped and made again.
    keepAlive: REDIS_KEEPALIVE_IDLE_MS,
    socketTimeout: SILENT_CONNECTION_MS,
  });
  connection.on('error', (error: Error) => {
    logger.debug({ err: error }, 'job queue redis connection error');
  });
  const queues = new Map<string, Queue<Envelope>>();
  let flowProducer: FlowProducer | undefined;
  const workers = new Map<string, Worker<Envelope>>();
  const running = new Set<Running>();
  let stopped = false;

  const queueFor = (name: string): Queue<Envelope> => {
    checkQueueName(name);
    let queue = queues.get(name);
    if (queue === undefined) {
      queue = new Queue<Envelope>(name, { connection, prefix });
      queue.on('error', (error: Error) => {
        logger.warn({ err: error, queue: name }, 'job queue error');
      });
      queues.set(name, queue);
    }
    return queue;
  };

  const flows = (): FlowProducer => {
    if (flowProducer === undefined) {
      flowProducer = new FlowProducer({ connection, prefix });
      flowProducer.on('error', (error: Error) => {
        logger.warn({ err: error }, 'job flow producer error');
      });
    }
    return flowProducer;
  };

  const assertOpen = () => {
    if (stopped) throw new Error('the job queue is stopped');
  };

  /** Port ids name the queue too: `<queue>:<BullMQ job id>` (queue names have no `:`). */
  const portId = (name: string, jobId: string | undefined) => `${name}:${jobId ?? ''}`;

  const processorFor =
    (name: string, handler: JobHandler): Processor<Envelope> =>
    async (job: BullJob<Envelope>, token?: string) => {
      const controller = new AbortController();
      let handBack!: () => void;
      const givenUp = new Promise<'given up'>((resolve) => {
        handBack = () => {
          resolve('given up');
        };
      });
      const entry: Running = {
        controller,
        giveUp: () => {
          controller.abort(new Error('the worker is stopping'));
          handBack();
        },
      };
      running.add(entry);
      try {
        const handling = handler({
          id: portId(name, job.id),
          name,
          payload: job.data.payload,
          attempt: job.attemptsMade + 1,
          maxAttempts: job.opts.attempts ?? 1,
          signal: controller.signal,
        }).then(() => 'done' as const);
        const outcome = await Promise.race([handling, givenUp]);
        if (outcome === 'given up') {
          // Back to waiting for another worker; BullMQ does not count it as an attempt.
          handling.catch(() => undefined);
          await job.moveToWait(token);
          throw new WaitingError();
        }
      } catch (error) {
        if (error instanceof WaitingError) throw error;
        // BullMQ records error.message as the failed reason.
        throw error instanceof Error ? error : new Error(errorMessage(error));
      } finally {
        running.delete(entry);
      }
    };

  const workerOptions = (concurrency: number) => ({
    connection,
    prefix,
    concurrency,
    lockDuration: leaseMs,
    stalledInterval: options.stalledIntervalMs ?? leaseMs,
    maxStalledCount: options.maxStalledCount ?? 10,
    // Seconds a worker blocks waiting for a job before it looks again.
    drainDelay: 1,
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, _error?: Error, job?: unknown) => {
        const envelope = (job as { data?: Envelope } | undefined)?.data;
        return backoffDelay(attemptsMade, envelope?.backoff ?? { baseMs: 0, maxMs: 0, jitter: 0 });
      },
    },
  });

  const closeAll = async (force: boolean) => {
    await Promise.all([...workers.values()].map((worker) => worker.close(force)));
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    await flowProducer?.close();
    if (connection.status === 'ready') {
      // Bounded: a server that stopped answering never acknowledges QUIT.
      const quitting = connection.quit().catch(() => undefined);
      await Promise.race([quitting, delay(QUIT_GRACE_MS, undefined, { ref: false })]);
    }
    connection.disconnect();
  };

  return {
    async enqueue(name, payload, enqueueOptions) {
      assertOpen();
      const queue = queueFor(name);
      const { data, opts, resolved } = bullJob({ name, payload, options: enqueueOptions });
      opts.delay = Math.max(0, resolved.runAt.getTime() - Date.now());
      const job = await queue.add(name, data, opts);
      return portId(name, job.id);
    },

    process(name, handler, processOptions = {}) {
      checkQueueName(name);
      assertOpen();
      if (workers.has(name)) throw new Error(`queue ${name} already has a handler here`);
      const concurrency = processOptions.concurrency ?? 1;
      if (!Number.isInteger(concurrency) || concurrency < 1) {
        throw new TypeError('concurrency must be a positive integer');
      }
      const worker = new Worker<Envelope>(
        name,
        processorFor(name, handler),
        workerOptions(concurrency),
      );
      worker.on('error', (error: Error) => {
        logger.warn({ err: error, queue: name }, 'job worker error');
      });
      worker.on('failed', (job, error) => {
        if (job === undefined || error instanceof WaitingError) return;
        const dead = job.attemptsMade >= (job.opts.attempts ?? 1);
        logger[dead ? 'error' : 'warn'](
          { err: error, queue: name, jobId: job.id, attempt: job.attemptsMade },
          dead ? 'job dead' : 'job failed; will retry',
        );
      });
      workers.set(name, worker);
    },

    async enqueueFlow(flow) {
      assertOpen();
      const parent = bullJob(flow);
      if (flow.children.length === 0) throw new TypeError('a flow needs at least one child');
      const key = parent.resolved.idempotencyKey;
      const flowDigest = key === undefined ? undefined : sha256(`${flow.name}\n${key}`);
      const children = flow.children.map((child, index) => {
        if (child.options?.idempotencyKey !== undefined) {
          throw new TypeError(
            "a flow's children take no idempotencyKey: the parent's keys the flow",
          );
        }
        return bullJob(child, flowDigest === undefined ? undefined : `flow-${flowDigest}-${index}`);
      });
      if (parent.opts.jobId !== undefined) {
        const existing = await queueFor(flow.name).getJob(parent.opts.jobId);
        if (existing !== undefined) {
          return {
            id: portId(flow.name, parent.opts.jobId),
            childIds: children.map((child) => portId(child.name, child.opts.jobId)),
          };
        }
      }
      const node = await flows().add({
        name: parent.name,
        queueName: parent.name,
        data: parent.data,
        opts: parent.opts,
        children: children.map((child) => ({
          name: child.name,
          queueName: child.name,
          data: child.data,
          opts: child.opts,
        })),
      });
      // Undefined only when the producer is closing.
      if (node === undefined) throw new Error('the job queue is stopped');
      return {
        id: portId(flow.name, node.job.id),
        childIds: children.map((child, index) =>
          portId(child.name, node.children?.[index]?.job.id),
        ),
      };
    },

    async prune(name, pruneOptions) {
      const { olderThanMs, limit } = resolvePruneOptions(pruneOptions);
      const removed = await queueFor(name).clean(olderThanMs, limit, 'completed');
      return removed.length;
    },

    async counts(name) {
      const counts = await queueFor(name).getJobCounts(
        'waiting-children',
        'wait',
        'delayed',
        'prioritized',
        'active',
        'completed',
        'failed',
      );
      const count = (type: string) => counts[type] ?? 0;
      return {
        waiting: count('waiting-children'),
        // A paused queue's jobs stay in `wait` here.
        pending: count('wait') + count('delayed') + count('prioritized'),
        running: count('active'),
        completed: count('completed'),
        dead: count('failed'),
      };
    },

    async oldestDueAgeMs(name) {
      // The waiting list holds due jobs (delayed ones move there when due);
      // its oldest is the first in ascending order.
      const [oldest] = await queueFor(name).getJobs(['wait', 'prioritized'], 0, 0, true);
      if (oldest === undefined) return 0;
      return Math.max(0, Date.now() - (oldest.timestamp + (oldest.delay ?? 0)));
    },

    async listDead(name, listOptions = {}): Promise<DeadJob[]> {
      const limit = listOptions.limit ?? 100;
      const jobs = await queueFor(name).getFailed(0, limit - 1);
      return jobs.map((job) => ({
        id: portId(name, job.id),
        name,
        payload: job.data.payload,
        attempts: job.attemptsMade,
        lastError: job.failedReason,
        failedAt: new Date(job.finishedOn ?? 0),
      }));
    },

    async replay(id) {
      const separator = id.indexOf(':');
      if (separator < 0) return false;
      const name = id.slice(0, separator);
      const jobId = id.slice(separator + 1);
      try {
        checkQueueName(name);
      } catch {
        return false;
      }
      const job = await queueFor(name).getJob(jobId);
      if (job === undefined || !(await job.isFailed())) return false;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    },

    async stop(stopOptions: StopOptions = {}) {
      if (stopped) return;
      stopped = true;
      const graceMs = stopOptions.graceMs ?? options.stopGraceMs ?? 10_000;
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace over'>((resolve) => {
        timer = setTimeout(() => {
          resolve('grace over');
        }, graceMs);
      });
      // Closing a worker waits for its running handlers (their locks still renewed).
      const closing = Promise.all([...workers.values()].map((worker) => worker.close()));
      const outcome = await Promise.race([closing, graceOver]);
      clearTimeout(timer);
      if (outcome === 'grace over') {
        const left = running.size;
        for (const entry of running) entry.giveUp();
        await closing;
        logger.warn({ released: left }, 'stopped with jobs still running: jobs handed back');
      }
      await closeAll(false);
    },

    async abandon() {
      stopped = true;
      await closeAll(true);
    },
  };
}
