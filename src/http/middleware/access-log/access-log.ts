// Access log and Server-Timing: one structured line per request, written when
// the response is known (status, duration, bytes of body read and sent, route
// pattern — not the raw path with ids, so logs aggregate by route). Errors
// thrown by inner layers are turned into their problem response here, so the
// line carries the status the client actually gets (499 when it left first);
// outer layers still see a finished response.

import type { Context } from '../../pipeline/context.ts';
import { afterInner, middleware, type Middleware } from '../../pipeline/pipeline.ts';
import { bodyBytesRead } from '../../request/body/bytes-read.ts';
import { recover } from '../../response/problem.ts';
import { responseBodyBytes } from '../../response/respond.ts';

/** One Server-Timing metric besides `app`: the time a kind of work took in this request. */
export interface TimingPhase {
  /** A token: `db`, `cache`. */
  readonly name: string;
  readonly durationMs: number;
  /** Shown by browsers' dev tools beside the name, e.g. `3 queries`. */
  readonly description?: string;
}

export interface AccessLogOptions {
  /**
   * Add `Server-Timing` (the phases, then `app;dur=…`, the total) so
   * browsers' dev tools show where server time went. It tells anyone how
   * long the database took: production turns it off by default.
   */
  readonly serverTiming?: boolean;
  /** This request's phases (database, cache…): the core cannot see them, the composition root can. */
  readonly timingPhases?: (c: Context) => readonly TimingPhase[];
  /**
   * A request that took this long or longer is logged at warn with
   * `slow: true`, so it shows at a level an operator watches; 0 = never.
   */
  readonly slowMs?: number;
}

export function accessLog(options: AccessLogOptions = {}): Middleware {
  const serverTiming = options.serverTiming ?? true;
  const timingPhases = options.timingPhases;
  const slowMs = options.slowMs ?? 0;
  const finish = (c: Context): void => {
    // The client left before its answer: nobody receives one, whatever the
    // handler made (nginx's 499), and the metrics outside see the same status.
    if (c.clientGone) c.status = 499;
    const durationMs = performance.now() - c.startTime;
    if (serverTiming) {
      const phases = timingPhases === undefined ? NO_PHASES : timingPhases(c);
      c.append('server-timing', serverTimingValue(phases, durationMs));
    }
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
        bytesIn: bodyBytesRead(c.req),
        // A client that left gets nothing, whatever the handler made.
        bytesOut: c.clientGone ? 0 : responseBodyBytes(c),
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

const NO_PHASES: readonly TimingPhase[] = [];

/** `db;dur=4.2;desc="3 queries", app;dur=5.0` (W3C Server Timing). */
function serverTimingValue(phases: readonly TimingPhase[], totalMs: number): string {
  let value = '';
  for (const phase of phases) {
    value += `${phase.name};dur=${phase.durationMs.toFixed(1)}`;
    // A quoted-string: the descriptions are ours, without quotes or backslashes.
    if (phase.description !== undefined) value += `;desc="${phase.description}"`;
    value += ', ';
  }
  return `${value}app;dur=${totalMs.toFixed(1)}`;
}
