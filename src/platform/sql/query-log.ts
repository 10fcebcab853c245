// Kysely takes one `log` callback; the slow-query log (slow-queries.ts) and
// the query spans (platform/tracing/sql-spans.ts) both want it.

import type { LogEvent } from 'kysely';

type QueryLog = (event: LogEvent) => void;

/** One callback calling each given one, or undefined when none is given. */
export function eachQueryLog(...logs: (QueryLog | undefined)[]): QueryLog | undefined {
  const present = logs.filter((log): log is QueryLog => log !== undefined);
  if (present.length <= 1) return present[0];
  return (event) => {
    for (const log of present) log(event);
  };
}
