// A checked-out node-postgres client that cannot hang on a silent connection,
// and that refuses to go back to the pool once its session failed.
//
// Silence: a connection that owes an answer and has received nothing for
// longer than the session's statement_timeout plus a margin is dead — the
// server would have cancelled the statement and said so by then. That is
// what a NAT or firewall that lost the connection's state looks like (packets
// dropped, no reset): without this the query would wait for the kernel's TCP
// timeout, ~15 minutes. The socket is destroyed, so the query fails at once
// with SQL_UNAVAILABLE and the connection is never reused. The clock is the
// time since the socket last received anything, not since the query was
// sent, so a statement queued behind another on the same client is not cut
// for the time it spent waiting its turn.
//
// node-postgres' own `query_timeout` does not do this: the timed-out query
// stays active on the connection, and the client goes back to the pool with
// a stuck query that the next caller waits behind.
//
// The limit follows the session's own SET / RESET statement_timeout
// (statement-timeout-setting.ts), and a lifted statement_timeout (0) lifts
// the client-side limit too.
//
// Sessions killed under a running query (pg_terminate_backend, failover) fail
// that query, but the client only learns its socket is gone a moment later:
// any connection-level failure also marks the client broken, so release
// destroys it instead of handing a dead connection to the next caller.
//
// Statements with parameters run as named statements (statement-names.ts):
// parsed and planned once per connection. A table whose columns change while
// the service runs (a migration applied by a newer instance) makes such a
// statement fail with "cached plan must not change result type" if it reads
// `*`: outside a transaction the statement is dropped on this connection and
// run again; inside one the transaction has already failed, so the
// connection is retired (its statements go with it) and the error asks for a
// retry.
import type { PoolClient } from 'pg';
import type { PostgresCursor, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import { destroySocket } from './pg-socket.ts';
import { statementTimeoutChange, type TimeoutChange } from './statement-timeout-setting.ts';
import type { StatementNames } from './statement-names.ts';

const OPENS_TRANSACTION = /^\s*(?:begin|start\s+transaction)\b/i;
const ENDS_TRANSACTION =
  // eslint-disable-next-line security/detect-unsafe-regex -- reads SQL this process sends, never request text, and fails fast: no nested repetition can match the same characters
  /^\s*(?:commit|end|abort|rollback(?!\s+(?:work\s+|transaction\s+)?to\b))\b/i;

/** SQLSTATE 0A000 with this message: a named statement's plan no longer fits its tables. */
function isStalePlan(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return code === '0A000' && typeof message === 'string' && message.includes('cached plan');
}

interface NamedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

/** What a watched client needs from its pool. */
export interface SilenceWatch {
  /** The limit of a session that did not change its statement_timeout (Infinity: none). */
  readonly defaultLimitMs: number;
  /** Added to a session's statement_timeout: the server's own answer may take that long. */
  readonly marginMs: number;
  /** Bumped each time a connection is found silent. */
  readonly generation: number;
  /** Called once when this client's connection is found silent, before it is destroyed. */
  silenceFound(silentMs: number, limitMs: number): void;
}

export class WatchedClient implements PostgresPoolClient {
  readonly #client: PoolClient;
  readonly #watch: SilenceWatch;
  #broken = false;
  /** The pool's generation when this connection last received anything. */
  #heardIn: number;
  #lastHeard = performance.now();
  #pending = 0;
  #timer: NodeJS.Timeout | undefined;
  #sessionLimitMs: number;
  #localLimitMs: number | undefined;
  readonly #names: StatementNames | undefined;
  #inTransaction = false;

  constructor(client: PoolClient, watch: SilenceWatch, names?: StatementNames) {
    this.#client = client;
    this.#watch = watch;
    this.#names = names;
    this.#heardIn = watch.generation;
    this.#sessionLimitMs = watch.defaultLimitMs;
    client.connection.stream.on('data', () => {
      this.#lastHeard = performance.now();
      this.#heardIn = this.#watch.generation;
    });
  }

  get processID(): number | undefined {
    return (this.#client as { processID?: number }).processID;
  }

  /**
   * Not heard from since a connection of its pool was found silent: it went
   * through the same outage and is likely just as dead.
   */
  get stale(): boolean {
    return this.#heardIn < this.#watch.generation;
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
    const values = (parameters ?? []) as unknown[];
    const name = this.#names?.nameFor(statement, values.length);
    if (name === undefined) return this.#send<R>(statement, values);
    const named = { name, text: statement, values };
    return this.#send<R>(named).catch((error: unknown) => this.#afterNamedFailure<R>(named, error));
  }

  #send<R>(statement: string | NamedQuery, values?: unknown[]): Promise<PostgresQueryResult<R>> {
    const text = typeof statement === 'string' ? statement : statement.text;
    const change = statementTimeoutChange(text);
    if (OPENS_TRANSACTION.test(text)) this.#inTransaction = true;
    else if (ENDS_TRANSACTION.test(text)) this.#inTransaction = false;
    this.#startWaiting();
    const pending = (typeof statement === 'string'
      ? this.#client.query(statement, values)
      : this.#client.query(statement)) as unknown as Promise<PostgresQueryResult<R>>;
    return pending.then(
      (result) => {
        this.#stopWaiting();
        if (change !== undefined) this.#apply(change);
        return result;
      },
      (error: unknown) => {
        this.#stopWaiting();
        if (toSqlError(error)?.code === 'SQL_UNAVAILABLE') this.#broken = true;
        throw error;
      },
    );
  }

  async #afterNamedFailure<R>(named: NamedQuery, error: unknown): Promise<PostgresQueryResult<R>> {
    if (!isStalePlan(error)) throw error;
    if (this.#inTransaction) {
      this.#broken = true;
      throw error;
    }
    // pg remembers which names it prepared on this connection: forget this
    // one there and on the server, so the retry prepares it afresh.
    const connection = (this.#client as unknown as { connection: { parsedStatements: object } })
      .connection;
    Reflect.deleteProperty(connection.parsedStatements, named.name);
    await this.#send(`deallocate ${named.name}`);
    return this.#send<R>(named);
  }

  release(destroy?: boolean): void {
    // SET LOCAL ends with the transaction, which ends before the release.
    this.#localLimitMs = undefined;
    this.#inTransaction = false;
    this.#client.release(destroy === true || this.#broken);
    // A broken connection's peer may never answer pg's goodbye: do not wait for it.
    if (this.#broken) destroySocket(this.#client);
  }

  /** Takes a checked-out stale client out of the pool for good. */
  evict(): void {
    this.#broken = true;
    this.release(true);
  }

  #limitMs(): number {
    return Math.max(this.#sessionLimitMs, this.#localLimitMs ?? 0);
  }

  #apply(change: TimeoutChange): void {
    const limit = (ms: number) => (ms === Infinity ? Infinity : ms + this.#watch.marginMs);
    if (change.scope === 'default') {
      this.#sessionLimitMs = this.#watch.defaultLimitMs;
      this.#localLimitMs = undefined;
    } else if (change.scope === 'session') {
      this.#sessionLimitMs = limit(change.ms);
    } else {
      this.#localLimitMs = limit(change.ms);
    }
  }

  #startWaiting(): void {
    this.#pending += 1;
    if (this.#pending > 1) return;
    // Silence is counted from when an answer became due, not from the last idle chatter.
    this.#lastHeard = performance.now();
    this.#arm();
  }

  #stopWaiting(): void {
    this.#pending -= 1;
    if (this.#pending > 0) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const limit = this.#limitMs();
    if (limit === Infinity) return;
    const silentMs = performance.now() - this.#lastHeard;
    this.#timer = setTimeout(
      () => {
        this.#check();
      },
      Math.max(0, limit - silentMs),
    );
    // The socket keeps the process alive while it matters; the timer need not.
    this.#timer.unref();
  }

  #check(): void {
    this.#timer = undefined;
    if (this.#pending === 0) return;
    const limit = this.#limitMs();
    const silentMs = performance.now() - this.#lastHeard;
    if (silentMs < limit) {
      this.#arm();
      return;
    }
    this.#broken = true;
    this.#watch.silenceFound(Math.round(silentMs), limit);
    // Destroyed with an error: pg fails every query on the client with it.
    const error = Object.assign(
      new Error(`no answer from the database for ${Math.round(silentMs)} ms: connection dropped`),
      // What the kernel reports when keep-alive gives up on a peer: the same failure.
      { code: 'ETIMEDOUT' },
    );
    destroySocket(this.#client, error);
  }
}
