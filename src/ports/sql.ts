// The SQL port: one PostgreSQL dialect, two engines. PGlite (PostgreSQL
// compiled to WebAssembly, in-process) is the default, so the service runs
// and its tests pass with nothing installed; a real PostgreSQL server is used
// when DATABASE_URL is set. Both speak the same SQL, so the schema, the
// migrations and every query are written once.
//
// Queries are written with Kysely: a query builder, not an ORM. What it builds
// reads like the SQL it sends (no hidden joins, no lazy loading, no identity
// map), raw `sql` fragments mix in where the builder stops, result rows are
// typed from the table interfaces, and it runs unchanged on both engines
// through a dialect each. It also gives transactions with isolation levels
// and access modes, which the port builds on.
//
// Rules for code that uses the port:
// - Repositories take the handle to run on explicitly — `db`, `reader` or the
//   `trx` passed to a `withTransaction` callback — and never open transactions
//   themselves; the service decides the transaction boundary.
// - Inside `withTransaction`, use only `trx` (queries on `db` fail at once;
//   transaction-scope.ts says why) and `withSavepoint(trx, fn)` to nest.
// - The callback can run more than once (retries): effects outside the
//   database belong in an outbox written in the same transaction.
// - Column types come back as documented in platform/sql/type-parsers.ts:
//   int8 and numeric as strings, timestamptz as Date, date as 'YYYY-MM-DD'.
import type { Kysely, Transaction } from 'kysely';

export type SqlEngine = 'pglite' | 'postgres';

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  /** Default: the server's default, `read committed`. */
  readonly isolation?: IsolationLevel;
  /**
   * How many times the callback is re-run after a serialization failure
   * (40001) or deadlock (40P01) before SQL_SERIALIZATION_FAILURE is thrown.
   * Default 3 at every isolation level: deadlocks happen under read committed
   * too, and either failure rolled the whole transaction back, so re-running
   * is always safe for a callback whose effects stay in the database. 0
   * disables retries.
   */
  readonly maxRetries?: number;
  /** `start transaction read only`: writes fail with SQLSTATE 25006. */
  readonly readOnly?: boolean;
}

export interface SqlDatabase<DB> {
  readonly engine: SqlEngine;
  /** The primary, for reads and writes. */
  readonly db: Kysely<DB>;
  /**
   * A read replica when configured (the next one on each access, round-robin),
   * else `db`. Replicas lag: read your own writes from `db`.
   */
  readonly reader: Kysely<DB>;
  /**
   * Runs `fn` in a transaction and commits when it resolves; rolls back and
   * rethrows when it rejects. Recognised database failures are rethrown as
   * AppErrors (platform/sql/sql-errors.ts). On PGlite, transactions run one
   * at a time; other queries wait for the running transaction to end.
   */
  withTransaction<T>(
    fn: (trx: Transaction<DB>) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T>;
  /** A cheap `select 1` on the primary; rejects when it is unavailable (readiness). */
  ping(signal?: AbortSignal): Promise<void>;
  /** Closes every connection; the database must not be used afterwards. */
  close(): Promise<void>;
  /**
   * The connection pools' state now, one entry per pool (primary, replicas),
   * for metrics; engines without a pool (PGlite) report none.
   */
  pools(): readonly PoolState[];
  /**
   * Calls `observer` after every statement (metrics: platform/metrics/query-stats.ts);
   * returns what stops it. Observers must be cheap: they run on every query.
   */
  observeQueries?(observer: QueryObserver): () => void;
}

/** One finished statement, as the engine's query log saw it. */
export interface QueryEvent {
  /** `primary`, `replica-0`, `pglite`: where it ran. */
  readonly database: string;
  /** The statement's text (values are parameters, never in it). */
  readonly sql: string;
  readonly durationMs: number;
  readonly failed: boolean;
}

export type QueryObserver = (event: QueryEvent) => void;

export interface PoolState {
  /** `primary`, `replica-0`, … */
  readonly role: string;
  /** Open connections, busy or idle. */
  readonly open: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
  readonly max: number;
}
