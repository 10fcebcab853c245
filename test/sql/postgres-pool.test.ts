// Connection-level behaviour of the PostgreSQL adapter: what clients see when
// the server kills a session, when the pool is exhausted or the server is
// unreachable, and that a dying idle connection is logged, not fatal.
// Runs when DATABASE_URL is set, in a fresh database; skipped otherwise.
import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { sql } from 'kysely';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { mapSqlErrors } from '../../src/platform/sql/sql-errors.ts';
import { rejectsWithAppError } from '../../src/ports/sql-contract-helpers.ts';
import { freshDatabaseForSuite } from '../support/fresh-database.ts';
import { captureLogger } from '../support/start.ts';
import { eventually } from '../support/eventually.ts';

const serverUrl = process.env.DATABASE_URL;

if (serverUrl === undefined || serverUrl === '') {
  test('PostgreSQL pool behaviour', { skip: 'DATABASE_URL is not set' }, () => {});
} else {
  describe('PostgreSQL pool behaviour', () => {
    const fresh = freshDatabaseForSuite(serverUrl);
    const backendsOf = async (applicationName: string, state?: string) =>
      (
        await fresh.admin(
          `select pid from pg_stat_activity where application_name = $1 and datname = $2
           and ($3::text is null or state = $3)`,
          [applicationName, fresh.name, state ?? null],
        )
      ).map((row) => row.pid as number);

    it('answers SQL_UNAVAILABLE when the session dies under a query, then recovers', async () => {
      const database = createPostgresDatabase({ url: fresh.url, applicationName: 'tl_terminated' });
      try {
        const running = mapSqlErrors(() => sql`select pg_sleep(30)`.execute(database.db));
        // Observed from the start: the rejection may land while the admin call is in flight.
        const outcome = rejectsWithAppError(running, 'SQL_UNAVAILABLE');
        const [pid] = await eventually('the query shows up as active', async () => {
          const pids = await backendsOf('tl_terminated', 'active');
          return pids.length > 0 ? pids : undefined;
        });
        await fresh.admin('select pg_terminate_backend($1)', [pid]);
        const error = await outcome;
        assert.equal(error.status, 503);
        assert.equal(error.headers?.['retry-after'], '1');
        const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
        assert.deepEqual(rows, [{ one: 1 }]);
      } finally {
        await database.close();
      }
    });

    it('logs an idle connection that dies, and keeps serving', async () => {
      const { logger, records: lines } = captureLogger();
      const database = createPostgresDatabase({
        url: fresh.url,
        applicationName: 'tl_idle',
        logger,
      });
      try {
        await database.ping();
        const pids = await eventually('an idle connection shows up', async () => {
          const idle = await backendsOf('tl_idle', 'idle');
          return idle.length > 0 ? idle : undefined;
        });
        for (const pid of pids) await fresh.admin('select pg_terminate_backend($1)', [pid]);
        await eventually('the dead idle connection is logged', () =>
          Promise.resolve(lines.find((line) => line.msg === 'idle sql connection failed')),
        );
        await database.ping();
      } finally {
        await database.close();
      }
    });

    it('applies statement_timeout and application_name to every session', async () => {
      const database = createPostgresDatabase({
        url: fresh.url,
        statementTimeoutMs: 100,
        applicationName: 'tl_settings',
      });
      try {
        const { rows } = await sql<{ timeout: string; name: string }>`
          select current_setting('statement_timeout') as timeout,
                 current_setting('application_name') as name`.execute(database.db);
        assert.deepEqual(rows, [{ timeout: '100ms', name: 'tl_settings' }]);
        await rejectsWithAppError(
          mapSqlErrors(() => sql`select pg_sleep(30)`.execute(database.db)),
          'SQL_STATEMENT_TIMEOUT',
        );
      } finally {
        await database.close();
      }
    });

    it('answers SQL_UNAVAILABLE when no connection frees up in time', async () => {
      const database = createPostgresDatabase({
        url: fresh.url,
        poolSize: 1,
        acquireTimeoutMs: 300,
      });
      // Open the one connection first: on a loaded machine, connecting can take
      // longer than the acquire timeout, which is not what this test is about.
      await sql`select 1`.execute(database.db);
      const release = Promise.withResolvers<void>();
      const held = Promise.withResolvers<void>();
      const holding = database.db.connection().execute(async () => {
        held.resolve();
        await release.promise;
      });
      await held.promise;
      try {
        await rejectsWithAppError(
          mapSqlErrors(() => sql`select 1`.execute(database.db)),
          'SQL_UNAVAILABLE',
        );
      } finally {
        release.resolve();
        await holding;
        await database.close();
      }
    });

    it('answers SQL_UNAVAILABLE when the server is unreachable, and ping rejects', async () => {
      const unreachable = new URL(fresh.url);
      unreachable.hostname = '127.0.0.1';
      unreachable.port = '1';
      const database = createPostgresDatabase({
        url: unreachable.toString(),
        acquireTimeoutMs: 2000,
      });
      try {
        await rejectsWithAppError(
          mapSqlErrors(() => sql`select 1`.execute(database.db)),
          'SQL_UNAVAILABLE',
        );
        await assert.rejects(database.ping());
      } finally {
        await database.close();
      }
    });

    it('spreads reader queries over the replicas, round-robin', async () => {
      const database = createPostgresDatabase({
        url: fresh.url,
        replicaUrls: [fresh.url, fresh.url],
      });
      try {
        const first = database.reader;
        const second = database.reader;
        assert.notEqual(first, second);
        assert.notEqual(first, database.db);
        assert.equal(database.reader, first);
        for (const reader of [first, second]) {
          const { rows } = await sql<{ one: number }>`select 1 as one`.execute(reader);
          assert.deepEqual(rows, [{ one: 1 }]);
        }
      } finally {
        await database.close();
      }
    });
  });
}
