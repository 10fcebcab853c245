// The node-postgres pool behind the PostgreSQL adapter, with two repairs:
//
// - A session killed under a running query (pg_terminate_backend, failover,
//   server restart) fails that query, but the client only learns its socket
//   is gone a moment later. Kysely hands it back to the pool at once, and the
//   next caller would get a dead connection. So each checked-out client
//   watches its queries and, after a connection-level failure, is destroyed
//   on release instead of being reused.
// - Idle connections that die make the pool emit 'error', and a checked-out
//   client emits 'error' if its session dies between queries; unhandled,
//   either would end the process. Both are logged instead.
import { Pool, types } from 'pg';
import type { PoolClient } from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type { Logger } from '../../platform/logger.ts';
import { redactDatabaseUrl } from '../../platform/sql/database-url.ts';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import { keepText, TEXT_ARRAY_OIDS, TEXT_SCALAR_OIDS } from '../../platform/sql/type-parsers.ts';

export interface PoolSettings {
  readonly url: string;
  readonly role: string;
  readonly poolSize: number;
  readonly acquireTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeSeconds: number;
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
  readonly logger: Logger | undefined;
}

type Parser = (value: string) => unknown;
/** pg's built-in parsers, looked up by plain OID (its typings only list a few OIDs). */
const builtinParser = types.getTypeParser as (oid: number, format?: 'text' | 'binary') => Parser;
/** pg's parser for text[] (OID 1009): splits the array literal, keeps elements as text. */
const TEXT_ARRAY_PARSER = builtinParser(1009);

/** The port's type mapping (type-parsers.ts), without touching pg's global defaults. */
const getTypeParser = ((oid: number, format?: 'text' | 'binary'): Parser => {
  if (TEXT_SCALAR_OIDS.includes(oid)) return keepText;
  if (TEXT_ARRAY_OIDS.includes(oid)) return TEXT_ARRAY_PARSER;
  return builtinParser(oid, format);
}) as typeof types.getTypeParser;

/** A checked-out client that refuses to go back to the pool once its session failed. */
class SessionCheckedClient implements PostgresPoolClient {
  readonly #client: PoolClient;
  #broken = false;

  constructor(client: PoolClient) {
    this.#client = client;
  }

  get processID(): number | undefined {
    return (this.#client as { processID?: number }).processID;
  }

  query<R>(sql: string, parameters: readonly unknown[]): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    statement: string | PostgresCursor<R>,
    parameters?: readonly unknown[],
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof statement !== 'string') {
      // A cursor is a pg Submittable; pg returns it as it is.
      const submit = this.#client.query.bind(this.#client) as unknown as (
        cursor: PostgresCursor<R>,
      ) => PostgresCursor<R>;
      return submit(statement);
    }
    const pending = this.#client.query(statement, parameters as unknown[]) as unknown as Promise<
      PostgresQueryResult<R>
    >;
    return pending.catch((error: unknown) => {
      if (toSqlError(error)?.code === 'SQL_UNAVAILABLE') this.#broken = true;
      throw error;
    });
  }

  release(destroy?: boolean): void {
    this.#client.release(destroy === true || this.#broken);
  }
}

class SessionCheckingPool implements PostgresPool {
  readonly #pool: Pool;
  readonly #clients = new WeakMap<PoolClient, SessionCheckedClient>();

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  get options(): object {
    return this.#pool.options;
  }

  async connect(): Promise<PostgresPoolClient> {
    const client = await this.#pool.connect();
    let checked = this.#clients.get(client);
    if (checked === undefined) {
      checked = new SessionCheckedClient(client);
      this.#clients.set(client, checked);
    }
    return checked;
  }

  end(): Promise<void> {
    return this.#pool.end();
  }
}

export function createPool(settings: PoolSettings): PostgresPool {
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: settings.maxLifetimeSeconds,
    // Sent as a startup parameter: the session default, which RESET returns to.
    statement_timeout: settings.statementTimeoutMs,
    application_name: settings.applicationName,
    types: { getTypeParser },
  });
  const context = { role: settings.role, target: redactDatabaseUrl(settings.url) };
  pool.on('error', (error) => {
    // The pool has already dropped the connection; the next checkout opens a new one.
    settings.logger?.warn({ ...context, err: error }, 'idle sql connection failed');
  });
  pool.on('connect', (client) => {
    // The failure also surfaces on the client's next query, which is where it is handled.
    client.on('error', (error) => {
      settings.logger?.debug({ ...context, err: error }, 'sql connection failed');
    });
  });
  return new SessionCheckingPool(pool);
}
