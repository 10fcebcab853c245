// The PostgreSQL pool on a network that drops packets instead of resetting
// (a TCP proxy that blackholes): a query on a silent connection fails instead
// of hanging, the idle connections from before the outage are replaced
// rather than each failing in turn, a session that lifts its
// statement_timeout is not cut by the client, and closing the pool does not
// wait for silent peers. Runs when DATABASE_URL is set; skipped otherwise.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { silenceLimitMs } from '../../src/adapters/sql/postgres-pool.ts';
import type { Logger } from '../../src/platform/logger.ts';
import { withDatabaseName } from '../../src/platform/sql/database-url.ts';
import { mapSqlErrors } from '../../src/platform/sql/sql-errors.ts';
import { rejectsWithAppError } from '../../src/ports/sql-contract-helpers.ts';
import { freshDatabaseForSuite } from '../support/fresh-database.ts';
import { captureLogger } from '../support/start.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const serverUrl = process.env.DATABASE_URL;
/** Short, so a silent connection is given up on quickly: the client waits this plus the margin. */
const STATEMENT_TIMEOUT_MS = 300;
const SILENT_LOG = /^sql connection silent/;

if (serverUrl === undefined || serverUrl === '') {
  test('PostgreSQL on a silent network', { skip: 'DATABASE_URL is not set' }, () => {});
} else {
  describe('PostgreSQL on a silent network', () => {
    const fresh = freshDatabaseForSuite(serverUrl);
    let proxy: TcpProxy;

    /** A database whose connections go through a new proxy (kept in `proxy`). */
    async function viaProxy(options: { poolSize: number; logger?: Logger }) {
      const target = new URL(fresh.url);
      proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
      return createPostgresDatabase({
        url: withDatabaseName(`postgres://postgres@127.0.0.1:${proxy.port}/x`, fresh.name),
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
        acquireTimeoutMs: 5000,
        ...options,
      });
    }

    it('fails a query on a silent connection, then replaces the connections from before', async () => {
      const { logger, records: lines } = captureLogger();
      const database = await viaProxy({ poolSize: 3, logger });
      try {
        // Three connections in the pool, all idle once these return.
        await Promise.all(
          [1, 2, 3].map(() =>
            database.db.connection().execute(async (conn) => {
              await sql`select pg_sleep(0.1)`.execute(conn);
            }),
          ),
        );
        proxy.blackhole();
        const error = await rejectsWithAppError(
          mapSqlErrors(() => sql`select 1`.execute(database.db)),
          'SQL_UNAVAILABLE',
        );
        assert.equal(error.status, 503);
        const silent = lines.filter((line) => SILENT_LOG.test(line.msg));
        assert.equal(silent.length, 1);
        assert.equal(silent[0]!.limitMs, silenceLimitMs(STATEMENT_TIMEOUT_MS));
        assert.ok(Number(silent[0]!.silentMs) >= STATEMENT_TIMEOUT_MS);

        proxy.restore();
        // The two other idle connections are as dead as the first: had they
        // been reused, these would fail after the limit instead of answering.
        for (let round = 0; round < 3; round += 1) {
          const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
          assert.deepEqual(rows, [{ one: 1 }]);
        }
        assert.equal(lines.filter((line) => SILENT_LOG.test(line.msg)).length, 1);
      } finally {
        await database.close();
        await proxy.close();
      }
    });

    it('closes without waiting for silent connections, failing what is still in flight', async () => {
      const database = await viaProxy({ poolSize: 2 });
      try {
        // One idle connection in the pool…
        await sql`select 1`.execute(database.db);
        // …and one checked out, with the client's limit lifted (statement_timeout
        // 0), stuck on a query the network swallows: only closing can end it.
        const inFlight = database.db.connection().execute(async (conn) => {
          await sql`set statement_timeout = 0`.execute(conn);
          proxy.blackhole();
          await sql`select 1`.execute(conn);
        });
        const outcome = rejectsWithAppError(
          mapSqlErrors(() => inFlight),
          'SQL_UNAVAILABLE',
        );
        while (proxy.swallowed === 0) await delay(10);
        await database.close();
        await outcome;
      } finally {
        await proxy.close();
      }
    });

    it('follows a session that lifts or raises its statement_timeout', async () => {
      const database = createPostgresDatabase({
        url: fresh.url,
        statementTimeoutMs: STATEMENT_TIMEOUT_MS,
      });
      // Longer than the client's default limit: only a followed SET lets it finish.
      const sleepSeconds = (silenceLimitMs(STATEMENT_TIMEOUT_MS) + 500) / 1000;
      try {
        await database.db.connection().execute(async (conn) => {
          await sql`set statement_timeout = 0`.execute(conn);
          await sql`select pg_sleep(${sleepSeconds})`.execute(conn);
          await sql`reset statement_timeout`.execute(conn);
          // The server's own limit is back, and it answers first.
          await rejectsWithAppError(
            mapSqlErrors(() => sql`select pg_sleep(${sleepSeconds})`.execute(conn)),
            'SQL_STATEMENT_TIMEOUT',
          );
        });
        await database.withTransaction(async (trx) => {
          await sql`set local statement_timeout = '1min'`.execute(trx);
          await sql`select pg_sleep(${sleepSeconds})`.execute(trx);
        });
      } finally {
        await database.close();
      }
    });
  });
}
