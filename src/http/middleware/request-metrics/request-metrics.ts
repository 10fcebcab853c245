// Request metrics: every request counted and timed, by method, route pattern
// and status, for rate / errors / duration per route. The labels are the
// route's pattern (`/api/v1/products/:id`, `*` when nothing matched), never
// the raw path, and methods outside the standard set count as `OTHER`: a
// client sending random ids, unknown paths or made-up methods cannot grow
// the number of series.
//
// The core stays free of any metrics library: the middleware reports to an
// observer, and the composition root hands it one (platform/metrics).
// It runs in the access-log phase, registered before the access log: the time
// includes every other layer, and the status is the one the client gets (the
// access log turns errors into their problem responses inside it).

import type { Context } from '../../pipeline/context.ts';
import { afterInner, middleware, type Middleware } from '../../pipeline/pipeline.ts';

export interface RequestObserver {
  /** A request entered the pipeline. */
  started(): void;
  /** It left with `status` after `seconds`; `method` is one of STANDARD_METHODS or `OTHER`. */
  finished(method: string, route: string, status: number, seconds: number): void;
}

export const STANDARD_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

export function requestMetrics(observer: RequestObserver): Middleware {
  const finish = (c: Context): void => {
    const method = STANDARD_METHODS.has(c.method) ? c.method : 'OTHER';
    observer.finished(method, c.route.pattern, c.status, (performance.now() - c.startTime) / 1000);
  };
  const settle = (c: Context, failed: boolean, error: unknown): void => {
    finish(c);
    if (failed) throw error;
  };
  return middleware('request-metrics', 'accessLog', (c, next) => {
    observer.started();
    return afterInner(c, next, settle);
  });
}
