// The server engine: PostgreSQL over node-postgres, one pool for the primary
// and one per read replica (postgres-pool.ts: keep-alive, a silence limit,
// bounded closing).
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import { Client } from 'pg';
import type { Logger } from '../../platform/logger.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { assembleSqlDatabase } from '../../platform/sql/sql-database.ts';
import { QueryObservers } from '../../platform/sql/query-observers.ts';
import { slowQueryLog } from '../../platform/sql/slow-queries.ts';
import { eachQueryLog } from '../../platform/sql/query-log.ts';
import { guardDialect } from '../../platform/sql/transaction-scope.ts';
import { workAwareDialect } from '../../platform/sql/work-aware-dialect.ts';
import { createPool, type PoolSettings, type StatefulPool } from './postgres-pool.ts';

export interface PostgresDatabaseOptions {
  /** postgres://user:password@host:port/database?sslmode=… */
  readonly url: string;
  /** Connections per pool (primary, and each replica). Default 10. */
  readonly poolSize?: number;
  /** How long a query waits for a free connection before SQL_UNAVAILABLE. Default 5000. */
  readonly acquireTimeoutMs?: number;
  /** Idle connections are closed after this long. Default 30000. */
  readonly idleTimeoutMs?: number;
  /**
   * Connections are retired after this age (when idle), so pools rebalance
   * after a failover and server-side memory does not creep. Default 1800.
   */
  readonly maxLifetimeSeconds?: number;
  /**
   * Server-side statement_timeout for every session. Default 15000; 0 disables.
   * A connection that owes an answer and stays silent 1 s longer than this is
   * taken for dead on the client side too (postgres-watched-client.ts).
   */
  readonly statementTimeoutMs?: number;
  /** Shown in pg_stat_activity. Default 'throughline'. */
  readonly applicationName?: string;
  /**
   * Statements with parameters run as named (prepared) statements, planned
   * once per connection (statement-names.ts). Default true; off behind a
   * pooler that cannot keep them (PgBouncer in transaction mode before 1.21).
   */
  readonly namedStatements?: boolean;
  /** Statements this slow or slower are logged at warn (with `logger`); 0 or absent = none. */
  readonly slowQueryMs?: number;
  /** Read replicas served round-robin by `reader`. */
  readonly replicaUrls?: readonly string[];
  readonly logger?: Logger;
  /** One more `log` callback per database (the query spans), beside the slow-query log. */
  readonly queryLog?: (database: string) => ((event: LogEvent) => void) | undefined;
}

export function createPostgresDatabase<DB>(options: PostgresDatabaseOptions): SqlDatabase<DB> {
  const owner = {};
  const settings = (url: string, role: string): PoolSettings => ({
    url,
    role,
    poolSize: options.poolSize ?? 10,
    acquireTimeoutMs: options.acquireTimeoutMs ?? 5000,
    idleTimeoutMs: options.idleTimeoutMs ?? 30_000,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 1800,
    statementTimeoutMs: options.statementTimeoutMs ?? 15_000,
    applicationName: options.applicationName ?? 'throughline',
    namedStatements: options.namedStatements ?? true,
    logger: options.logger,
  });
  const pools: { role: string; pool: StatefulPool }[] = [];
  const queries = new QueryObservers();
  const handle = (url: string, role: string) => {
    const pool = createPool(settings(url, role));
    pools.push({ role, pool });
    const log = eachQueryLog(
      options.logger === undefined
        ? undefined
        : slowQueryLog({
            thresholdMs: options.slowQueryMs ?? 0,
            logger: options.logger,
            database: role,
          }),
      options.queryLog?.(role),
    );
    return new Kysely<DB>({
      // The control client: a request's query is cancelled over a connection
      // of its own, not one from a pool that may be full (work-aware-dialect.ts).
      dialect: workAwareDialect(
        guardDialect(new PostgresDialect({ pool, controlClient: Client }), owner),
      ),
      log: queries.logFor(role, log),
    });
  };
  const primary = handle(options.url, 'primary');
  const replicas = (options.replicaUrls ?? []).map((url, index) => handle(url, `replica-${index}`));
  return assembleSqlDatabase({
    engine: 'postgres',
    owner,
    primary,
    replicas,
    pools: () => pools.map(({ role, pool }) => ({ role, ...pool.state })),
    queries,
  });
}
