// The ambient unit of work: one piece of work the service does for someone
// (in practice an HTTP request), reachable from any depth through
// AsyncLocalStorage. Repositories call Kysely without options, so the
// request's abort signal cannot be threaded through every signature; the SQL
// layer (work-aware-dialect.ts) and the caches find the current unit here
// instead, obey its signal and add the time they spend to it.
//
// Platform code defines the shape and nothing about HTTP: the composition
// root creates one unit per request and enters it. Work outside any unit
// (workers, migrations, start-up) finds none and runs as before.

import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a unit's signal comes from; read only when a part needs it (creating it may cost). */
export interface WorkSignalSource {
  readonly signal: AbortSignal;
}

/** Running totals of abandoned work, reported as metrics by the composition root. */
export class CancellationStats {
  /** Queries cancelled on the database while they ran (PostgreSQL). */
  queriesCancelled = 0;
  /** Queries not started because their unit had already been abandoned. */
  queriesSkipped = 0;
  /** Requests whose client went away before their response was written. */
  requestsAborted = 0;
}

export class UnitOfWork {
  /** Time spent in database queries, ms, and how many ran. */
  dbMs = 0;
  dbQueries = 0;
  /** Time spent looking values up in caches (not loading them on a miss), ms. */
  cacheMs = 0;
  cacheLookups = 0;
  readonly #source: WorkSignalSource;
  readonly #stats: CancellationStats | undefined;
  /** Where a shielded unit's time goes (see `runShielded`). */
  readonly #timedFor: UnitOfWork | undefined;

  constructor(source: WorkSignalSource, stats?: CancellationStats, timedFor?: UnitOfWork) {
    this.#source = source;
    this.#stats = stats;
    this.#timedFor = timedFor;
  }

  /** Fires when the work's result is no longer wanted: its client left, or its deadline passed. */
  get signal(): AbortSignal {
    return this.#source.signal;
  }

  /** A database round trip of `ms` (a query, or the driver's begin or commit). */
  queried(ms: number): void {
    this.dbMs += ms;
    this.dbQueries += 1;
    this.#timedFor?.queried(ms);
  }

  /** A cache lookup of `ms`, without the load a miss led to (that is database time). */
  lookedUp(ms: number): void {
    this.cacheMs += ms;
    this.cacheLookups += 1;
    this.#timedFor?.lookedUp(ms);
  }

  /** A query of this unit was cancelled while it ran, or was never started. */
  queryAbandoned(running: boolean): void {
    if (this.#stats === undefined) return;
    if (running) this.#stats.queriesCancelled += 1;
    else this.#stats.queriesSkipped += 1;
  }
}

/**
 * What a part throws when it stops because its unit was abandoned. Its name
 * is the DOM's `AbortError`, which the HTTP side recognises without
 * importing this file; `cause` is the signal's reason (or the driver's error).
 */
export class WorkAbortedError extends Error {
  override readonly name = 'AbortError';
}

const units = new AsyncLocalStorage<UnitOfWork>();

/** Runs `fn(...args)` inside `unit`; everything it starts, sync or async, sees the unit. */
export function runInUnitOfWork<A extends unknown[], R>(
  unit: UnitOfWork,
  fn: (...args: A) => R,
  ...args: A
): R {
  return units.run(unit, fn, ...args);
}

/** A signal that never fires: shielded work is never abandoned. */
const NEVER_ABANDONED: WorkSignalSource = { signal: new AbortController().signal };

/**
 * Runs `fn` so that abandoning the caller's unit does not stop it, while its
 * time still counts for the caller: for work other callers share (one load
 * behind a cache miss that concurrent requests wait for), which must not
 * fail them all because the first one's client left.
 */
export function runShielded<R>(fn: () => R): R {
  const unit = units.getStore();
  if (unit === undefined) return fn();
  return units.run(new UnitOfWork(NEVER_ABANDONED, undefined, unit), fn);
}

/** Runs `fn` outside any unit of work: for work meant to outlive the request (mail after the response). */
export function runDetached<R>(fn: () => R): R {
  return units.exit(fn);
}

/** The unit of work the caller runs in, or undefined outside one. */
export function currentUnitOfWork(): UnitOfWork | undefined {
  return units.getStore();
}
