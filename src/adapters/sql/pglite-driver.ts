// A Kysely driver for PGlite, the single-connection engine. We write our own
// rather than use Kysely's PGlite dialect or kysely-pglite-dialect because
// neither does all of what the port needs:
//
// - One connection, many callers. Every checkout (one query, a whole
//   transaction, a whole `db.connection()` scope) takes a FIFO lock, so a
//   transaction's statements never interleave with anyone else's and waiting
//   callers run in arrival order. Kysely's own PGlite driver hands out the one
//   connection unlocked and relies on a mutex in Kysely's runtime; that mutex
//   sits in front of the driver, where a query issued on `db` inside
//   `withTransaction` would wait forever instead of failing (transaction-scope.ts).
// - Transaction settings. Both existing dialects ignore `read only` (and
//   Kysely's also the isolation level); we apply them with SET TRANSACTION.
// - Scripts. Parameterless statements go over the simple query protocol
//   (`exec`), as node-postgres does, so a migration file holding several
//   statements runs the same on both engines.
//
// Transactions use PGlite's `transaction()`, which holds PGlite's own
// transaction lock and skips the file-system sync after every statement.
import { TransactionAbortedError } from '@electric-sql/pglite';
import type { PGlite, Results, Transaction } from '@electric-sql/pglite';
import {
  AbortedTransactionError,
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
} from 'kysely';
import type {
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { assertOutsideTransaction } from '../../platform/sql/transaction-scope.ts';

/** Hands the one connection to one holder at a time, in arrival order. */
class FifoLock {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  async acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    // Ownership passes straight to the next waiter, so nobody can cut in.
    if (next === undefined) this.#held = false;
    else next();
  }
}

const WRITE_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

function toQueryResult<R>(result: Results | undefined): QueryResult<R> {
  const rows = (result?.rows ?? []) as R[];
  const command = result?.command?.toUpperCase();
  return command !== undefined && WRITE_COMMANDS.has(command)
    ? { rows, numAffectedRows: BigInt(result?.affectedRows ?? 0) }
    : { rows };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class RollbackRequested extends Error {}

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;
  #transaction: Transaction | undefined;
  #finish: { commit: () => void; rollback: (reason: Error) => void } | undefined;
  #closed: Promise<void> | undefined;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const target = this.#transaction ?? this.#pglite;
    if (compiled.parameters.length === 0) {
      const results = await target.exec(compiled.sql);
      return toQueryResult<R>(results.at(-1));
    }
    return toQueryResult<R>(await target.query(compiled.sql, [...compiled.parameters]));
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no cursors: every result arrives whole.
    throw new Error('streaming is not supported by PGlite');
  }

  async begin(settings: TransactionSettings): Promise<void> {
    const opened = Promise.withResolvers<Transaction>();
    const finished = Promise.withResolvers<void>();
    const closed = this.#pglite.transaction(async (tx) => {
      opened.resolve(tx);
      await finished.promise;
    });
    closed.catch((error: unknown) => {
      opened.reject(error);
    });
    this.#transaction = await opened.promise;
    this.#finish = { commit: finished.resolve, rollback: finished.reject };
    this.#closed = closed;
    const clauses = [
      settings.isolationLevel && `isolation level ${settings.isolationLevel}`,
      settings.accessMode,
    ].filter(Boolean);
    if (clauses.length === 0) return;
    try {
      await this.#transaction.query(`set transaction ${clauses.join(', ')}`);
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  async commit(): Promise<void> {
    const closed = this.#closed;
    this.#finish?.commit();
    this.#reset();
    try {
      await closed;
    } catch (error) {
      // COMMIT of a transaction in the failed state answers ROLLBACK.
      if (error instanceof TransactionAbortedError)
        throw new AbortedTransactionError({ cause: error });
      throw error;
    }
  }

  async rollback(): Promise<void> {
    const closed = this.#closed;
    this.#finish?.rollback(new RollbackRequested('rollback'));
    this.#reset();
    await closed?.catch(() => undefined);
  }

  #reset(): void {
    this.#transaction = undefined;
    this.#finish = undefined;
    this.#closed = undefined;
  }
}

class PgliteDriver implements Driver {
  readonly #pglite: PGlite;
  readonly #owner: object;
  readonly #lock = new FifoLock();
  readonly #connection: PgliteConnection;

  constructor(pglite: PGlite, owner: object) {
    this.#pglite = pglite;
    this.#owner = owner;
    this.#connection = new PgliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.#pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    assertOutsideTransaction(this.#owner, 'A query on the database handle');
    await this.#lock.acquire();
    return this.#connection;
  }

  releaseConnection(): Promise<void> {
    this.#lock.release();
    return Promise.resolve();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#own(connection).begin(settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#own(connection).commit();
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#own(connection).rollback();
  }

  #own(connection: DatabaseConnection): PgliteConnection {
    if (connection !== this.#connection) throw new Error('not a connection of this driver');
    return this.#connection;
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(
      CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(name)}`),
    );
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(name)}`));
  }

  async destroy(): Promise<void> {
    if (!this.#pglite.closed) await this.#pglite.close();
  }
}

/**
 * A Kysely dialect over one PGlite instance. `owner` identifies the database
 * whose transactions forbid checkouts (see transaction-scope.ts).
 */
export function pgliteDialect(pglite: PGlite, owner: object): Dialect {
  return {
    // PostgresAdapter reports multiple connections, so Kysely adds no mutex of
    // its own in front of the driver's lock.
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new PgliteDriver(pglite, owner),
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db: Kysely<unknown>) => new PostgresIntrospector(db),
  };
}
