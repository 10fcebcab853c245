// The job queue port: work that must happen, but not inside the request that
// caused it (send the order confirmation, call a webhook, rebuild a search
// document), and that must survive a restart of the process that asked for it
// — unlike platform/background.ts, whose tasks die with the process.
//
// Two adapters pass one contract suite (queue.contract.ts): PostgreSQL (a
// `jobs` table, the default: nothing more to run) and BullMQ on Redis (more
// throughput, and the queue load kept off the database).
//
// Semantics, the same on both:
// - Delivery is at least once. A job is handed to a handler under a lease
//   that is renewed while the handler runs; if the worker dies (or stalls
//   past its lease), the lease expires and the job is delivered again. A
//   handler can therefore run twice for one job, even concurrently with a
//   worker that only looked dead: HANDLERS MUST BE IDEMPOTENT (check whether
//   the effect already happened, use the job id as an idempotency key
//   downstream, make writes conditional).
// - A handler that resolves completes the job. One that throws schedules
//   another attempt after an exponential backoff with jitter, or after the
//   pauses of an explicit schedule (`delaysMs`; backoffDelay); the attempt
//   that reaches `maxAttempts` moves the job to the dead letters instead,
//   where it stays until an operator looks (`listDead`) and sends it round
//   again (`replay`, with a fresh set of attempts).
// - An idempotency key makes enqueueing safe to retry: a second enqueue with
//   the key returns the first job's id and changes nothing, for as long as
//   the first job's record is kept (completed jobs are kept until `prune`
//   removes them; dead letters are never pruned).
// - A flow is a parent job that runs only once all of its children have
//   completed; each child is an ordinary job of its own queue. A child that
//   becomes a dead letter holds the parent back until it is replayed and
//   completes. A delivery whose lease ran out cannot complete a child (nor
//   release its parent) any more than it can complete any job.
// - No ordering is promised between jobs (beyond a flow's parent after its
//   children), and a delayed job runs no earlier than asked — later when the
//   workers are busy.
// - `stop()` stops taking jobs and waits for the running handlers; after the
//   grace period their leases are given up, so the jobs go to another worker
//   at once, while the handlers are told to give up through `job.signal`.
//
// Names of queues are `<module>.<job>` like `mail.send`; payloads are JSON.

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

export interface Backoff {
  /** The pause after the first failed attempt; it doubles with each further failure. */
  readonly baseMs: number;
  /** The longest pause. */
  readonly maxMs: number;
  /**
   * The fraction of the pause that is random, 0 to 1: with 0.2 a pause of
   * 1,000 ms becomes 800 to 1,000 ms, so jobs that failed together (a
   * dependency was down) do not all come back at the same instant.
   */
  readonly jitter: number;
  /**
   * An explicit schedule instead of doubling: the pause after failed attempt
   * n is `delaysMs[n - 1]` (the last entry repeats), jittered like the rest —
   * e.g. a webhook's 1 m, 5 m, 30 m, 6 h, 24 h. `baseMs`/`maxMs` are then unused.
   */
  readonly delaysMs?: readonly number[];
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, maxMs: 15 * 60 * 1000, jitter: 0.2 };
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The pause before the next attempt after attempt number `attempt` (1-based) failed. */
export function backoffDelay(attempt: number, backoff: Backoff, random = Math.random): number {
  const index = Math.min(Math.max(attempt - 1, 0), 30);
  const schedule = backoff.delaysMs;
  const pause =
    schedule !== undefined && schedule.length > 0
      ? schedule[Math.min(index, schedule.length - 1)]!
      : Math.min(backoff.maxMs, backoff.baseMs * 2 ** index);
  return Math.round(pause * (1 - backoff.jitter * random()));
}

export interface EnqueueOptions {
  /** A second enqueue with this key (on the same queue) returns the first job's id. Up to 255 characters. */
  readonly idempotencyKey?: string;
  /** Run no earlier than this many milliseconds from now. */
  readonly delayMs?: number;
  /** Run no earlier than this instant (instead of `delayMs`). */
  readonly runAt?: Date;
  /** Attempts before the job becomes a dead letter. Default 5. */
  readonly maxAttempts?: number;
  /** Pauses between attempts. Default DEFAULT_BACKOFF. */
  readonly backoff?: Partial<Backoff>;
}

export interface Job {
  readonly id: string;
  readonly name: string;
  readonly payload: JsonValue;
  /** This attempt's number, from 1. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Aborted when the worker gives the job up (stop after the grace period). */
  readonly signal: AbortSignal;
}

/** Resolve to complete the job; throw to fail this attempt. Must be idempotent. */
export type JobHandler = (job: Job) => Promise<void>;

export interface ProcessOptions {
  /** The most jobs of this queue this instance runs at once. Default 1. */
  readonly concurrency?: number;
}

export interface DeadJob {
  readonly id: string;
  readonly name: string;
  readonly payload: JsonValue;
  readonly attempts: number;
  /** The message of the error the last attempt threw. */
  readonly lastError: string;
  readonly failedAt: Date;
}

/** One job of a flow: a child, or the parent (whose idempotency key keys the whole flow). */
export interface FlowJob {
  readonly name: string;
  readonly payload: JsonValue;
  readonly options?: Omit<EnqueueOptions, 'delayMs' | 'runAt'>;
}

/**
 * A parent job that runs only after every one of its children completed —
 * the seed's `order-complete` flow (charge, receipt, warehouse). Children
 * run as ordinary jobs of their own queues (concurrently, each with its own
 * retries); a child that becomes a dead letter leaves the parent waiting
 * until the child is replayed and completes. With an idempotency key on the
 * parent, adding the flow again returns the first flow's ids and adds nothing.
 */
export interface Flow extends FlowJob {
  /** At least one. */
  readonly children: readonly FlowJob[];
}

export interface EnqueuedFlow {
  /** The parent's id. */
  readonly id: string;
  /** The children's ids, in the order given. */
  readonly childIds: readonly string[];
}

/** How many jobs of one queue are in each state. */
export interface QueueCounts {
  /** Flow parents whose children have not all completed. */
  readonly waiting: number;
  /** Due or delayed, not yet claimed. */
  readonly pending: number;
  readonly running: number;
  readonly completed: number;
  readonly dead: number;
}

export interface PruneOptions {
  /** Completed jobs that finished longer ago than this are removed. */
  readonly olderThanMs: number;
  /** The most removed in one call. Default 1,000. */
  readonly limit?: number;
}

export interface StopOptions {
  /** How long running handlers may take to finish before their leases are given up. */
  readonly graceMs?: number;
}

export interface JobQueue {
  /**
   * Adds a job; resolves with its id (opaque: what `replay` and the dead
   * letters name it by) — the first job's id when the idempotency key was
   * used before.
   */
  enqueue(name: string, payload: JsonValue, options?: EnqueueOptions): Promise<string>;
  /**
   * Starts handling the jobs of queue `name` on this instance; one handler
   * per name. Runs until `stop`.
   */
  process(name: string, handler: JobHandler, options?: ProcessOptions): void;
  /** Adds a flow: the children at once, the parent once they all completed. */
  enqueueFlow(flow: Flow): Promise<EnqueuedFlow>;
  /**
   * Removes completed jobs of queue `name` that finished more than
   * `olderThanMs` ago (dead letters stay); resolves with how many. An
   * idempotency key is free again once its job is removed.
   */
  prune(name: string, options: PruneOptions): Promise<number>;
  /** The jobs of queue `name` per state (a dashboard's view). */
  counts(name: string): Promise<QueueCounts>;
  /**
   * How long the oldest job of queue `name` that is due and not yet claimed
   * has been due, ms (0 when none is): the queue's age, which grows when the
   * workers fall behind, however many jobs are waiting. For metrics.
   */
  oldestDueAgeMs?(name: string): Promise<number>;
  /** Dead letters of queue `name`, the most recent first. */
  listDead(name: string, options?: { readonly limit?: number }): Promise<DeadJob[]>;
  /** Sends a dead letter round again with its attempts reset; false when `id` is not a dead letter. */
  replay(id: string): Promise<boolean>;
  /**
   * Stops taking jobs and waits for the running ones (see the header); the
   * instance refuses `enqueue` and `process` afterwards. Idempotent.
   */
  stop(options?: StopOptions): Promise<void>;
}

const QUEUE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

/** Rejects names the adapters cannot use as they are (BullMQ forbids `:`). */
export function checkQueueName(name: string): string {
  if (!QUEUE_NAME.test(name)) {
    throw new TypeError(
      `invalid queue name ${JSON.stringify(name)}: lowercase letters, digits, . _ - (up to 100)`,
    );
  }
  return name;
}

/** The enqueue options with defaults applied and checked; shared by the adapters. */
export function resolveEnqueueOptions(options: EnqueueOptions = {}, now = Date.now()) {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError('maxAttempts must be a positive integer');
  }
  const key = options.idempotencyKey;
  if (key !== undefined && (key.length === 0 || key.length > 255)) {
    throw new TypeError('idempotencyKey must be 1 to 255 characters');
  }
  const backoff: Backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
  if (!(backoff.baseMs >= 0 && backoff.maxMs >= 0 && backoff.jitter >= 0 && backoff.jitter <= 1)) {
    throw new TypeError('backoff needs baseMs >= 0, maxMs >= 0 and 0 <= jitter <= 1');
  }
  if (backoff.delaysMs?.some((delay) => !(Number.isFinite(delay) && delay >= 0)) === true) {
    throw new TypeError('backoff.delaysMs must be finite pauses >= 0');
  }
  const runAtMs = options.runAt?.getTime() ?? now + Math.max(0, options.delayMs ?? 0);
  if (!Number.isFinite(runAtMs)) throw new TypeError('runAt must be a valid date');
  return { maxAttempts, idempotencyKey: key, backoff, runAt: new Date(runAtMs) };
}

/** The prune options with the default applied and checked; shared by the adapters. */
export function resolvePruneOptions(options: PruneOptions) {
  const limit = options.limit ?? 1000;
  if (!(Number.isFinite(options.olderThanMs) && options.olderThanMs >= 0)) {
    throw new TypeError('olderThanMs must be a finite number >= 0');
  }
  if (!Number.isInteger(limit) || limit < 1)
    throw new TypeError('limit must be a positive integer');
  return { olderThanMs: options.olderThanMs, limit };
}

/** What a thrown value says, for `lastError`. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.slice(0, 2000);
}
