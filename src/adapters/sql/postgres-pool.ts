// The node-postgres pool behind the PostgreSQL adapter, made so that its
// connections cannot hang:
//
// - TCP keep-alive on every connection: an idle connection whose peer is gone
//   without a reset (a NAT or firewall that lost its state, a host that
//   vanished) is found dead by the kernel about 20 s after it went quiet
//   (pg-socket.ts), and the pool drops it.
// - A client-side limit on silence a little above statement_timeout
//   (postgres-watched-client.ts): a connection that owes an answer and stays
//   silent is destroyed and its query fails with SQL_UNAVAILABLE.
// - Once one connection was found silent, the idle connections not heard from
//   since went through the same outage: each is replaced when next checked
//   out instead of making its own caller wait out the limit again. So once
//   the network is back, the next requests get fresh connections.
// - Closing is bounded: connections that do not say goodbye within
//   END_GRACE_MS have their sockets destroyed.
// - Idle connections that die make the pool emit 'error', and a checked-out
//   client emits 'error' if its session dies between queries; unhandled,
//   either would end the process. Both are logged instead.
import { Pool, types } from 'pg';
import type { PoolClient } from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Logger } from '../../platform/logger.ts';
import type { PoolState } from '../../ports/sql.ts';
import { redactDatabaseUrl } from '../../platform/sql/database-url.ts';
import { keepText, TEXT_ARRAY_OIDS, TEXT_SCALAR_OIDS } from '../../platform/sql/type-parsers.ts';
import { destroySocket, END_GRACE_MS, KEEPALIVE_IDLE_MS } from './pg-socket.ts';
import { WatchedClient, type SilenceWatch } from './postgres-watched-client.ts';
import { StatementNames } from './statement-names.ts';

export interface PoolSettings {
  readonly url: string;
  readonly role: string;
  readonly poolSize: number;
  readonly acquireTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly maxLifetimeSeconds: number;
  readonly statementTimeoutMs: number;
  readonly applicationName: string;
  /** Statements with parameters run as named statements (statement-names.ts). */
  readonly namedStatements: boolean;
  readonly logger: Logger | undefined;
}

/** How much longer than statement_timeout a connection may stay silent while it owes an answer. */
export const SILENCE_MARGIN_MS = 1000;

/** The client-side silence limit for a statement_timeout (0: none, like the server's). */
export function silenceLimitMs(statementTimeoutMs: number): number {
  return statementTimeoutMs > 0 ? statementTimeoutMs + SILENCE_MARGIN_MS : Infinity;
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

class WatchedPool implements PostgresPool {
  readonly #pool: Pool;
  readonly #clients = new WeakMap<PoolClient, WatchedClient>();
  /** Connected clients whose socket has not closed yet: what closing must wait for. */
  readonly #open = new Set<PoolClient>();
  readonly #watch: SilenceWatch;
  readonly #names: StatementNames | undefined;

  constructor(pool: Pool, settings: PoolSettings) {
    this.#pool = pool;
    this.#names = settings.namedStatements ? new StatementNames() : undefined;
    const context = { role: settings.role, target: redactDatabaseUrl(settings.url) };
    const logger = settings.logger;
    const limitMs = silenceLimitMs(settings.statementTimeoutMs);
    let generation = 0;
    this.#watch = {
      defaultLimitMs: limitMs,
      marginMs: SILENCE_MARGIN_MS,
      // A getter, not a copy: clients read the generation as it is now.
      get generation() {
        return generation;
      },
      silenceFound(silentMs, limit) {
        generation += 1;
        logger?.warn(
          { ...context, silentMs, limitMs: limit },
          'sql connection silent: dropped; idle connections not heard from since are replaced',
        );
      },
    };
    pool.on('error', (error) => {
      // The pool has already dropped the connection; the next checkout opens a new one.
      logger?.warn({ ...context, err: error }, 'idle sql connection failed');
    });
    pool.on('connect', (client) => {
      this.#open.add(client);
      client.once('end', () => this.#open.delete(client));
      this.#clients.set(client, new WatchedClient(client, this.#watch, this.#names));
      // The failure also surfaces on the client's next query, which is where it is handled.
      client.on('error', (error) => {
        logger?.debug({ ...context, err: error }, 'sql connection failed');
      });
    });
  }

  get options(): object {
    return this.#pool.options;
  }

  get state(): Omit<PoolState, 'role'> {
    const pool = this.#pool;
    return {
      open: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max ?? 10,
    };
  }

  async connect(): Promise<PostgresPoolClient> {
    // Bounded: each pass takes a stale idle client out for good, and a new
    // connection is never stale.
    for (;;) {
      const client = await this.#pool.connect();
      let watched = this.#clients.get(client);
      if (watched === undefined) {
        watched = new WatchedClient(client, this.#watch, this.#names);
        this.#clients.set(client, watched);
      }
      if (!watched.stale) return watched;
      watched.evict();
    }
  }

  async end(): Promise<void> {
    const cut = setTimeout(() => {
      for (const client of this.#open) destroySocket(client);
    }, END_GRACE_MS);
    cut.unref();
    try {
      await this.#pool.end();
      // The pool is done once no client is checked out, but the sockets it
      // said goodbye on may still be open: wait for them (or for the cut).
      while (this.#open.size > 0) {
        const [client] = this.#open;
        await new Promise<void>((resolve) =>
          client!.once('end', () => {
            resolve();
          }),
        );
      }
    } finally {
      clearTimeout(cut);
    }
  }
}

export type StatefulPool = PostgresPool & { readonly state: Omit<PoolState, 'role'> };

export function createPool(settings: PoolSettings): StatefulPool {
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.acquireTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    maxLifetimeSeconds: settings.maxLifetimeSeconds,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_IDLE_MS,
    // Sent as a startup parameter: the session default, which RESET returns to.
    statement_timeout: settings.statementTimeoutMs,
    application_name: settings.applicationName,
    types: { getTypeParser },
  });
  return new WatchedPool(pool, settings);
}
