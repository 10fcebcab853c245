// Access log and Server-Timing: one structured line per request, written when
// the response is known (status, duration, route pattern — not the raw path
// with ids, so logs aggregate by route). Errors thrown by inner layers are
// turned into their problem response here, so the line carries the status the
// client actually gets (499 when it left first); outer layers still see a
// finished response.

import type { Context } from '../../pipeline/context.ts';
import { afterInner, middleware, type Middleware } from '../../pipeline/pipeline.ts';
import { recover } from '../../response/problem.ts';

export interface AccessLogOptions {
  /** Add `Server-Timing: app;dur=…` so browsers' dev tools show server time. */
  readonly serverTiming?: boolean;
  /**
   * A request that took this long or longer is logged at warn with
   * `slow: true`, so it shows at a level an operator watches; 0 = never.
   */
  readonly slowMs?: number;
}

export function accessLog(options: AccessLogOptions = {}): Middleware {
  const serverTiming = options.serverTiming ?? true;
  const slowMs = options.slowMs ?? 0;
  const finish = (c: Context): void => {
    // The client left before its answer: nobody receives one, whatever the
    // handler made (nginx's 499), and the metrics outside see the same status.
    if (c.clientGone) c.status = 499;
    const durationMs = performance.now() - c.startTime;
    if (serverTiming) c.append('server-timing', `app;dur=${durationMs.toFixed(1)}`);
    const status = c.status;
    const slow = slowMs > 0 && durationMs >= slowMs;
    const level = status >= 500 ? 'error' : slow ? 'warn' : 'info';
    // Nothing to build when the level is off.
    if (!c.logs(level)) return;
    // reqId first, as a child logger would put it; the line is built in one literal.
    c.logLine(
      level,
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
        slow: slow || undefined,
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
