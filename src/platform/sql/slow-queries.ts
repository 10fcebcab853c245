// Slow statements logged where an operator looks: at warn, with how long
// they took and their text — never their values, which Kysely sends as
// parameters. Kysely times every statement when given a `log` callback, on
// both engines, so this is one callback for PGlite and PostgreSQL alike.

import type { LogEvent } from 'kysely';
import type { Logger } from '../logger.ts';

/** Long statements are cut here: the shape is what matters, not all of it. */
const STATEMENT_TEXT_LIMIT = 1000;

export interface SlowQueryOptions {
  /** Statements taking this long or longer are logged; 0 = none. */
  readonly thresholdMs: number;
  readonly logger: Logger;
  /** `primary`, `replica-0`, `pglite`: which database the statement ran on. */
  readonly database: string;
}

/** Kysely's `log` option for `options`, or undefined when nothing is to be logged. */
export function slowQueryLog(options: SlowQueryOptions): ((event: LogEvent) => void) | undefined {
  const { thresholdMs, logger, database } = options;
  if (thresholdMs <= 0) return undefined;
  return (event) => {
    if (event.queryDurationMillis < thresholdMs) return;
    logger.warn(
      {
        database,
        ms: Math.round(event.queryDurationMillis),
        statement: event.query.sql.slice(0, STATEMENT_TEXT_LIMIT),
        failed: event.level === 'error' || undefined,
      },
      'slow query',
    );
  };
}
