// Every request runs in a unit of work (platform/unit-of-work.ts): the SQL
// layer and the caches find it from any depth, stop the request's queries
// once its signal fires (client gone, deadline passed) and add the time they
// spend to it, which Server-Timing reports (`workTimingPhases`). The unit reads the context's
// signal only when a query asks for it, so a request that never queries pays
// for one AsyncLocalStorage run and one small object.
//
// Registered in the access-log phase before the access log: the log's
// Server-Timing is written inside the unit, and the count of requests whose
// client left sees the status the log settled on.

import type { Context } from '../http/pipeline/context.ts';
import { afterInner, middleware, type Middleware } from '../http/pipeline/pipeline.ts';
import type { TimingPhase } from '../http/middleware/access-log/access-log.ts';
import {
  currentUnitOfWork,
  runInUnitOfWork,
  UnitOfWork,
  type CancellationStats,
} from '../platform/unit-of-work.ts';

export function unitOfWork(stats: CancellationStats): Middleware {
  const settle = (c: Context, failed: boolean, error: unknown): void => {
    if (c.clientGone) stats.requestsAborted += 1;
    if (failed) throw error;
  };
  return middleware('unit-of-work', 'accessLog', (c, next) =>
    runInUnitOfWork(new UnitOfWork(c, stats), afterInner, c, next, settle),
  );
}

const NO_PHASES: readonly TimingPhase[] = [];

/** Server-Timing's phases from the request's unit of work: those that happened, none otherwise. */
export function workTimingPhases(): readonly TimingPhase[] {
  const unit = currentUnitOfWork();
  if (unit === undefined || (unit.dbQueries === 0 && unit.cacheLookups === 0)) return NO_PHASES;
  const phases: TimingPhase[] = [];
  if (unit.dbQueries > 0) {
    phases.push({
      name: 'db',
      durationMs: unit.dbMs,
      description: count(unit.dbQueries, 'query', 'queries'),
    });
  }
  if (unit.cacheLookups > 0) {
    phases.push({
      name: 'cache',
      durationMs: unit.cacheMs,
      description: count(unit.cacheLookups, 'lookup', 'lookups'),
    });
  }
  return phases;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
