// Inside `withTransaction`, every query must go through the transaction
// handle. A query on the pool handle (`db`) instead would, on PGlite, wait for
// the only connection — held by the very transaction that waits for the query:
// a silent deadlock. On PostgreSQL it would run on another connection, outside
// the transaction, without its locks or uncommitted rows. Both are bugs, so on
// both engines such a query fails at once with a message that says what to do.
// A nested `withTransaction` is refused for the same reason (use
// `withSavepoint`).
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  AbortableOperationOptions,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';

interface Scope {
  readonly owner: object;
  active: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();

/** Runs `fn` marked as inside a transaction of `owner`; the mark ends with the call. */
export async function runInTransactionScope<T>(owner: object, fn: () => Promise<T>): Promise<T> {
  const scope: Scope = { owner, active: true };
  try {
    return await scopes.run(scope, fn);
  } finally {
    // Work started inside but still running afterwards is no longer "inside".
    scope.active = false;
  }
}

export function isInTransactionScope(owner: object): boolean {
  const scope = scopes.getStore();
  return scope !== undefined && scope.active && scope.owner === owner;
}

export function assertOutsideTransaction(owner: object, what: string): void {
  if (isInTransactionScope(owner)) {
    throw new Error(
      `${what} inside withTransaction: use the transaction handle passed to the callback ` +
        '(and withSavepoint(trx, fn) for nested units of work)',
    );
  }
}

/** Savepoint support must never degrade into a silent no-op. */
function unsupported(method: string): Error {
  return new Error(`the driver does not support ${method}`);
}

/** A driver whose connection checkout is refused inside a transaction of `owner`. */
class ScopeGuardedDriver implements Driver {
  readonly #inner: Driver;
  readonly #owner: object;

  constructor(inner: Driver, owner: object) {
    this.#inner = inner;
    this.#owner = owner;
  }

  init(options?: AbortableOperationOptions): Promise<void> {
    return this.#inner.init(options);
  }

  acquireConnection(options?: AbortableOperationOptions): Promise<DatabaseConnection> {
    assertOutsideTransaction(this.#owner, 'A query on the database handle');
    return this.#inner.acquireConnection(options);
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.#inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.savepoint === undefined) throw unsupported('savepoint');
    return this.#inner.savepoint(connection, name, compile);
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.rollbackToSavepoint === undefined) throw unsupported('rollbackToSavepoint');
    return this.#inner.rollbackToSavepoint(connection, name, compile);
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (this.#inner.releaseSavepoint === undefined) throw unsupported('releaseSavepoint');
    return this.#inner.releaseSavepoint(connection, name, compile);
  }

  releaseConnection(
    connection: DatabaseConnection,
    options?: AbortableOperationOptions,
  ): Promise<void> {
    return this.#inner.releaseConnection(connection, options);
  }

  destroy(options?: AbortableOperationOptions): Promise<void> {
    return this.#inner.destroy(options);
  }
}

/** Wraps a dialect so its connections cannot be checked out inside `owner`'s transactions. */
export function guardDialect(dialect: Dialect, owner: object): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new ScopeGuardedDriver(dialect.createDriver(), owner),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}
