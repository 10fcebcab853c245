// Queries that obey the ambient unit of work (unit-of-work.ts): when the
// unit is abandoned (its client disconnected, its deadline passed), a query
// still waiting for a connection or not yet sent does not start, and one
// running on PostgreSQL is cancelled there — pg_cancel_backend of that
// connection's backend, sent by Kysely's `cancelQuery` over a separate
// short-lived connection (the dialect's `controlClient`), so a full pool
// cannot hold the cancellation up. The caller gets a WorkAbortedError either
// way. Each query's time is added to the unit (Server-Timing's `db` phase).
//
// PGlite runs in this process, on this thread: a statement it has started
// runs to its end and cannot be interrupted (its connection has no
// `cancelQuery`), so there only queries not yet started are skipped.
//
// Outside a unit of work (workers, migrations, start-up) queries run as they
// would without this wrapper, at the cost of one AsyncLocalStorage lookup.
import type {
  AbortableOperationOptions,
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { currentUnitOfWork, WorkAbortedError, type UnitOfWork } from '../unit-of-work.ts';

function notStarted(unit: UnitOfWork, signal: AbortSignal): WorkAbortedError {
  unit.queryAbandoned(false);
  return new WorkAbortedError('query not started: the work it was for was abandoned', {
    cause: signal.reason,
  });
}

/** With a `controlClient` configured, Kysely's PostgreSQL connection never asks for this. */
function noControlConnection(): Promise<void> {
  return Promise.reject(new Error('cancellation needs the dialect to have a controlClient'));
}

class WorkAwareConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;

  constructor(inner: DatabaseConnection) {
    this.inner = inner;
  }

  executeQuery<R>(
    compiled: CompiledQuery,
    options?: AbortableOperationOptions,
  ): Promise<QueryResult<R>> {
    const unit = currentUnitOfWork();
    if (unit === undefined) return this.inner.executeQuery<R>(compiled, options);
    return this.#executeFor<R>(unit, compiled, options);
  }

  async #executeFor<R>(
    unit: UnitOfWork,
    compiled: CompiledQuery,
    options: AbortableOperationOptions | undefined,
  ): Promise<QueryResult<R>> {
    const signal = unit.signal;
    if (signal.aborted) throw notStarted(unit, signal);
    const inner = this.inner;
    const cancellable = inner.cancelQuery !== undefined;
    // The backend pid cancelQuery needs: read from the pg client, no round trip.
    if (cancellable) {
      await inner.collectSessionInfo?.();
      if (signal.aborted) throw notStarted(unit, signal);
    }
    let cancelling: Promise<void> | undefined;
    const cancel = (): void => {
      cancelling = inner.cancelQuery!(noControlConnection).catch(() => undefined);
    };
    if (cancellable) signal.addEventListener('abort', cancel, { once: true });
    const started = performance.now();
    try {
      return await inner.executeQuery<R>(compiled, options);
    } catch (error) {
      if (cancelling === undefined) throw error;
      unit.queryAbandoned(true);
      throw new WorkAbortedError('query cancelled: the work it was for was abandoned', {
        cause: error,
      });
    } finally {
      unit.queried(performance.now() - started);
      if (cancellable) signal.removeEventListener('abort', cancel);
      // Hold the connection until the cancellation is done, so it cannot hit
      // the next query the pool gives this connection to.
      if (cancelling !== undefined) await cancelling;
    }
  }

  streamQuery<R>(
    compiled: CompiledQuery,
    chunkSize: number,
    options?: AbortableOperationOptions,
  ): AsyncIterableIterator<QueryResult<R>> {
    const unit = currentUnitOfWork();
    if (unit !== undefined && unit.signal.aborted) throw notStarted(unit, unit.signal);
    return this.inner.streamQuery<R>(compiled, chunkSize, options);
  }
}

function unwrap(connection: DatabaseConnection): DatabaseConnection {
  return connection instanceof WorkAwareConnection ? connection.inner : connection;
}

/** Adds a unit's time for statements the driver sends itself (begin, commit, savepoints). */
async function timed(work: () => Promise<void>): Promise<void> {
  const unit = currentUnitOfWork();
  if (unit === undefined) return work();
  const started = performance.now();
  try {
    await work();
  } finally {
    unit.queried(performance.now() - started);
  }
}

class WorkAwareDriver implements Driver {
  readonly #inner: Driver;

  constructor(inner: Driver) {
    this.#inner = inner;
  }

  init(options?: AbortableOperationOptions): Promise<void> {
    return this.#inner.init(options);
  }

  async acquireConnection(options?: AbortableOperationOptions): Promise<DatabaseConnection> {
    const unit = currentUnitOfWork();
    if (unit === undefined) return new WorkAwareConnection(await this.#inner.acquireConnection());
    const signal = unit.signal;
    if (signal.aborted) throw notStarted(unit, signal);
    return new WorkAwareConnection(await this.#acquireUnlessAborted(unit, signal, options));
  }

  /** Waiting for a busy pool ends when the unit is abandoned; a connection that comes later goes back. */
  async #acquireUnlessAborted(
    unit: UnitOfWork,
    signal: AbortSignal,
    options: AbortableOperationOptions | undefined,
  ): Promise<DatabaseConnection> {
    const acquiring = this.#inner.acquireConnection(options);
    const abandoned = Promise.withResolvers<undefined>();
    const onAbort = (): void => {
      abandoned.resolve(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const connection = await Promise.race([acquiring, abandoned.promise]);
      if (connection !== undefined) return connection;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    void acquiring.then(
      (late) => this.#inner.releaseConnection(late),
      () => undefined,
    );
    throw notStarted(unit, signal);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const unit = currentUnitOfWork();
    if (unit !== undefined && unit.signal.aborted) {
      return Promise.reject(notStarted(unit, unit.signal));
    }
    return timed(() => this.#inner.beginTransaction(unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return timed(() => this.#inner.commitTransaction(unwrap(connection)));
  }

  // Never skipped: a transaction begun must end, abandoned or not.
  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return timed(() => this.#inner.rollbackTransaction(unwrap(connection)));
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.savepoint === undefined) throw unsupported('savepoint');
    const inner = this.#inner.savepoint.bind(this.#inner);
    return timed(() => inner(unwrap(connection), name, compile));
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.rollbackToSavepoint === undefined) throw unsupported('rollbackToSavepoint');
    const inner = this.#inner.rollbackToSavepoint.bind(this.#inner);
    return timed(() => inner(unwrap(connection), name, compile));
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.releaseSavepoint === undefined) throw unsupported('releaseSavepoint');
    const inner = this.#inner.releaseSavepoint.bind(this.#inner);
    return timed(() => inner(unwrap(connection), name, compile));
  }

  releaseConnection(
    connection: DatabaseConnection,
    options?: AbortableOperationOptions,
  ): Promise<void> {
    return this.#inner.releaseConnection(unwrap(connection), options);
  }

  destroy(options?: AbortableOperationOptions): Promise<void> {
    return this.#inner.destroy(options);
  }
}

/** Savepoint support must never degrade into a silent no-op. */
function unsupported(method: string): Error {
  return new Error(`the driver does not support ${method}`);
}

/** Wraps a dialect so its queries obey, and report to, the ambient unit of work. */
export function workAwareDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new WorkAwareDriver(dialect.createDriver()),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
