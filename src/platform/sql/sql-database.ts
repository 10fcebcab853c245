// Assembles a SqlDatabase from Kysely handles; the adapters differ only in
// how they build those handles.
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { PoolState, SqlDatabase, SqlEngine, TransactionOptions } from '../../ports/sql.ts';
import type { QueryObservers } from './query-observers.ts';
import { runTransaction } from './transaction.ts';

export interface SqlDatabaseParts<DB> {
  readonly engine: SqlEngine;
  /** The token the handles' dialects were guarded with (transaction-scope.ts). */
  readonly owner: object;
  readonly primary: Kysely<DB>;
  readonly replicas?: readonly Kysely<DB>[];
  /** The pools' state, for engines that pool connections. */
  readonly pools?: () => readonly PoolState[];
  /** Fed by every handle's query log (query-observers.ts). */
  readonly queries?: QueryObservers;
}

export function assembleSqlDatabase<DB>(parts: SqlDatabaseParts<DB>): SqlDatabase<DB> {
  const { engine, owner, primary } = parts;
  const replicas = parts.replicas ?? [];
  let nextReplica = 0;
  let closing: Promise<void> | undefined;
  return {
    engine,
    db: primary,
    get reader(): Kysely<DB> {
      const replica = replicas[nextReplica % Math.max(replicas.length, 1)];
      nextReplica = (nextReplica + 1) % Math.max(replicas.length, 1);
      return replica ?? primary;
    },
    withTransaction<T>(
      fn: (trx: Transaction<DB>) => Promise<T>,
      options?: TransactionOptions,
    ): Promise<T> {
      return runTransaction(owner, primary, fn, options);
    },
    async ping(signal?: AbortSignal): Promise<void> {
      signal?.throwIfAborted();
      const answered = sql`select 1`.execute(primary, signal === undefined ? {} : { signal });
      if (signal === undefined) {
        await answered;
        return;
      }
      // Kysely honours the signal once it has a connection, not while waiting
      // for one: a probe must not wait out the pool's acquire timeout.
      answered.catch(() => undefined);
      let onAbort!: () => void;
      const aborted = new Promise<never>((_resolve, reject) => {
        onAbort = () => {
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
      });
      try {
        await Promise.race([answered, aborted]);
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    },
    pools(): readonly PoolState[] {
      return parts.pools?.() ?? [];
    },
    ...(parts.queries === undefined
      ? {}
      : { observeQueries: parts.queries.add.bind(parts.queries) }),
    close(): Promise<void> {
      // Idempotent: lifecycle shutdown and tests may both close.
      closing ??= Promise.all([primary, ...replicas].map((handle) => handle.destroy())).then(
        () => undefined,
      );
      return closing;
    },
  };
}
