// Who hears about every statement: Kysely's `log` hook times each one on
// both engines, and this turns that one hook into a list of observers (the
// slow-query log, the query metrics) that can be added after the database is
// open — the composition root builds the metrics after opening it.

import type { LogEvent } from 'kysely';
import type { QueryEvent, QueryObserver } from '../../ports/sql.ts';

export class QueryObservers {
  #observers: readonly QueryObserver[] = [];

  add(observer: QueryObserver): () => void {
    this.#observers = [...this.#observers, observer];
    return () => {
      this.#observers = this.#observers.filter((o) => o !== observer);
    };
  }

  /** Kysely's `log` option for the handle of `database`, with `also` (the slow-query log) first. */
  logFor(database: string, also?: (event: LogEvent) => void): (event: LogEvent) => void {
    return (event) => {
      also?.(event);
      const observers = this.#observers;
      if (observers.length === 0) return;
      const seen: QueryEvent = {
        database,
        sql: event.query.sql,
        durationMs: event.queryDurationMillis,
        failed: event.level === 'error',
      };
      for (const observer of observers) observer(seen);
    };
  }
}
