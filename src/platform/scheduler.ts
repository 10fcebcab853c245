// Cron schedules over the job queue: `add({ name, cron })` makes the job
// `name` be enqueued (on the queue of that name) at every fire time of the
// expression, evaluated in UTC (platform/cron.ts). The scheduler only
// enqueues; the job runs wherever the queue's workers run, with the queue's
// retries and dead letters.
//
// Every instance may run a scheduler; they agree through two mechanisms:
// - The lock `scheduler` (ttl a few ticks, renewed each tick): only its
//   holder ticks, so one instance does the work and the others stand by,
//   taking over within a ttl when the holder dies.
// - The idempotency key `cron:<name>:<fire time ISO>` on every enqueue: the
//   fire time, not the moment of the tick, names the job. So when two
//   instances do tick at once (the lock was lost mid-tick, a store failover,
//   clocks skewed so both see a fire as due), each fire is still enqueued
//   once. This, not the lock, is what guarantees it; the lock only saves
//   work. (Keys last as long as the queue keeps the job; pruning completed
//   jobs older than the misfire grace keeps this sound.)
//
// Misfires. Each tick looks only at the LATEST fire time at or before now:
// - After a stall or downtime that spanned several fire times, only the
//   latest runs — one catch-up, not a burst of every missed occurrence.
// - A fire is enqueued only while it is at most `misfireGraceMs` late
//   (SCHEDULER_MISFIRE_GRACE_MS, default 5 minutes). That covers a restart, a
//   deploy or a short outage of the store; an occurrence older than that is
//   skipped with a warning and the schedule waits for its next one. The same
//   rule keeps a schedule from firing for times long before it was added: a
//   new `@yearly` job added in December does not run at once for the past
//   1st of January — only an occurrence within the grace does (which is how a
//   restart across a fire time loses nothing).
// - The latest fire is never older than one period, so catching up can never
//   run an occurrence twice: the next one has a different fire time.
// A job that must run for every period, missed ones included, should find
// its own backlog when it runs (e.g. "all days not yet reported").

import {
  checkQueueName,
  type EnqueueOptions,
  type JobQueue,
  type JsonValue,
} from '../ports/queue.ts';
import type { Lease, LockManager } from '../ports/lock.ts';
import { parseCron, type CronSchedule } from './cron.ts';
import type { Logger } from './logger.ts';

export interface ScheduleDefinition {
  /** The queue the job is enqueued on (one schedule per name). */
  readonly name: string;
  /** A 5-field cron expression or macro, in UTC (platform/cron.ts). */
  readonly cron: string;
  /** The job's payload (default null), or a function of the fire time. */
  readonly payload?: JsonValue | ((fireTime: Date) => JsonValue);
  /** Passed to enqueue; the idempotency key and the run time are the scheduler's. */
  readonly enqueueOptions?: Omit<EnqueueOptions, 'idempotencyKey' | 'delayMs' | 'runAt'>;
  /** How late a fire may still be enqueued. Default: the scheduler's. */
  readonly misfireGraceMs?: number;
}

export interface SchedulerOptions {
  readonly queue: Pick<JobQueue, 'enqueue'>;
  readonly locks: LockManager;
  readonly logger: Logger;
  /** How often due fires are looked for. Default 1,000 ms. */
  readonly tickMs?: number;
  /** How late a fire may still be enqueued. Default 5 minutes. */
  readonly misfireGraceMs?: number;
  /** The clock fire times are computed on. Default the system clock. */
  readonly now?: () => Date;
  /** The lock only one instance ticks under. Default `scheduler`. */
  readonly lockName?: string;
}

export interface EnqueuedFire {
  readonly name: string;
  readonly fireTime: Date;
  readonly jobId: string;
}

export interface TickResult {
  /** False when another instance holds the lock (nothing was looked at). */
  readonly leading: boolean;
  /** The fires this tick enqueued (or found already enqueued under their key). */
  readonly enqueued: readonly EnqueuedFire[];
}

export interface Scheduler {
  /** Adds a schedule; throws on an invalid expression or a name already added. */
  add(definition: ScheduleDefinition): void;
  /** Ticks every `tickMs` until `stop`. */
  start(): void;
  /** Runs one tick now (after any running one): for tests and drills. */
  tick(): Promise<TickResult>;
  /** Stops ticking, waits for a running tick and releases the lock. Idempotent. */
  stop(): Promise<void>;
}

export const DEFAULT_TICK_MS = 1000;
export const DEFAULT_MISFIRE_GRACE_MS = 5 * 60_000;

interface Entry {
  readonly definition: ScheduleDefinition;
  readonly schedule: CronSchedule;
  readonly graceMs: number;
  /** The latest fire this instance enqueued or skipped: never looked at again. */
  handledUpTo: number;
  /** When this instance added the schedule (its clock). */
  readonly addedAt: number;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  const defaultGraceMs = options.misfireGraceMs ?? DEFAULT_MISFIRE_GRACE_MS;
  const now = options.now ?? (() => new Date());
  const lockName = options.lockName ?? 'scheduler';
  // A few ticks: a holder that dies is replaced within it; one slow tick is not.
  const lockTtlMs = Math.max(5 * tickMs, 1000);
  const logger = options.logger.child({ component: 'scheduler' });
  const entries = new Map<string, Entry>();
  let lease: Lease | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const checkPause = (label: string, value: number) => {
    if (!(Number.isInteger(value) && value >= 0)) {
      throw new RangeError(`${label} must be a whole number of milliseconds >= 0`);
    }
  };
  checkPause('tickMs', tickMs);
  checkPause('misfireGraceMs', defaultGraceMs);

  /** Holds (or takes) the lock for this tick; false when another instance has it. */
  const lead = async (): Promise<boolean> => {
    try {
      if (lease !== undefined) {
        if (await lease.extend(lockTtlMs)) return true;
        logger.warn({ lock: lockName }, 'scheduler lock lost: another instance may tick now');
        lease = undefined;
      }
      lease = await options.locks.acquire(lockName, { ttlMs: lockTtlMs });
      if (lease !== undefined) logger.info({ lock: lockName }, 'scheduler lock taken: ticking');
      return lease !== undefined;
    } catch (error) {
      // The lock store is down: skip this tick; the fires stay due for the next ones.
      logger.error({ err: error }, 'scheduler lock unavailable');
      return false;
    }
  };

  const fire = async (entry: Entry, at: Date): Promise<EnqueuedFire | undefined> => {
    const { name, payload, enqueueOptions } = entry.definition;
    const fireTime = entry.schedule.previous(at);
    if (fireTime.getTime() <= entry.handledUpTo) return undefined;
    const late = at.getTime() - fireTime.getTime();
    if (late > entry.graceMs) {
      entry.handledUpTo = fireTime.getTime();
      // A fire from before this instance started is what every start-up finds
      // for an hourly or daily schedule: worth a line, not an alarm. One this
      // instance was running for and missed (a stall, the store down) is.
      const beforeStart = fireTime.getTime() < entry.addedAt;
      logger[beforeStart ? 'info' : 'warn'](
        { schedule: name, fireTime, lateMs: late, misfireGraceMs: entry.graceMs },
        beforeStart
          ? 'scheduled fire from before start-up skipped: later than the misfire grace'
          : 'scheduled fire skipped: later than the misfire grace',
      );
      return undefined;
    }
    try {
      const jobId = await options.queue.enqueue(
        name,
        typeof payload === 'function' ? payload(fireTime) : (payload ?? null),
        { ...enqueueOptions, idempotencyKey: `cron:${name}:${fireTime.toISOString()}` },
      );
      entry.handledUpTo = fireTime.getTime();
      logger.debug({ schedule: name, fireTime, jobId }, 'scheduled job enqueued');
      return { name, fireTime, jobId };
    } catch (error) {
      // Left unhandled: the next tick tries again while the fire is within the grace.
      logger.error({ err: error, schedule: name, fireTime }, 'enqueueing a scheduled job failed');
      return undefined;
    }
  };

  const runTick = async (): Promise<TickResult> => {
    if (stopped || !(await lead())) return { leading: false, enqueued: [] };
    const at = now();
    const enqueued: EnqueuedFire[] = [];
    for (const entry of entries.values()) {
      const done = await fire(entry, at);
      if (done !== undefined) enqueued.push(done);
    }
    return { leading: true, enqueued };
  };

  const tick = (): Promise<TickResult> => {
    const result = running.then(runTick);
    running = result.catch(() => undefined);
    return result;
  };

  const loop = () => {
    timer = setTimeout(() => {
      void tick()
        .catch((error: unknown) => {
          logger.error({ err: error }, 'scheduler tick failed');
        })
        .finally(() => {
          if (!stopped) loop();
        });
    }, tickMs);
  };

  return {
    add(definition) {
      const name = checkQueueName(definition.name);
      if (entries.has(name)) throw new Error(`a schedule named "${name}" was already added`);
      const graceMs = definition.misfireGraceMs ?? defaultGraceMs;
      checkPause('misfireGraceMs', graceMs);
      entries.set(name, {
        definition,
        schedule: parseCron(definition.cron),
        graceMs,
        handledUpTo: Number.NEGATIVE_INFINITY,
        addedAt: now().getTime(),
      });
    },

    start() {
      if (stopped) throw new Error('the scheduler was stopped');
      if (timer !== undefined) return;
      logger.info(
        { schedules: [...entries.keys()], tickMs, misfireGraceMs: defaultGraceMs },
        'scheduler started',
      );
      loop();
    },

    tick,

    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      await running;
      const held = lease;
      lease = undefined;
      try {
        await held?.release();
      } catch (error) {
        // It runs out by itself within the ttl.
        logger.warn({ err: error }, 'releasing the scheduler lock failed');
      }
    },
  };
}
