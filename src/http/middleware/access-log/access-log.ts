// Access log and Server-Timing: one structured line per request, written when
// the response is known (status, duration, route pattern — not the raw path
// with ids, so logs aggregate by route). Errors thrown by inner layers are
// turned into their problem response here, so the line carries the status the
// client actually gets; outer layers still see a finished response.

import type { Context } from '../../pipeline/context.ts';
import { afterInner, middleware, type Middleware } from '../../pipeline/pipeline.ts';
import { recover } from '../../response/problem.ts';

export interface AccessLogOptions {
  /** Add `Server-Timing: app;dur=…` so browsers' dev tools show server time. */
  readonly serverTiming?: boolean;
}

export function accessLog(options: AccessLogOptions = {}): Middleware {
  const serverTiming = options.serverTiming ?? true;
  const finish = (c: Context): void => {
    const durationMs = performance.now() - c.startTime;
    if (serverTiming) c.append('server-timing', `app;dur=${durationMs.toFixed(1)}`);
    // Nothing to build when info is off.
    if (!c.logs('info')) return;
    const status = c.status;
    // reqId first, as a child logger would put it; the line is built in one literal.
    c.logLine(
      status >= 500 ? 'error' : 'info',
      {
        reqId: c.requestId,
        method: c.method,
        route: c.route.pattern,
        path: c.path,
        status,
        durationMs: Math.round(durationMs * 10) / 10,
        remote: c.remoteAddress,
        userAgent: c.header('user-agent'),
        subject: c.identity?.subject,
      },
      'request',
    );
  };
  const settle = (c: Context, failed: boolean, error: unknown): void => {
    if (failed) recover(c, error);
    finish(c);
  };
  return middleware('access-log', 'accessLog', (c, next) => afterInner(c, next, settle));
}
