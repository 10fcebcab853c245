// Losing the database, for real: a connection killed under a running request
// (pg_terminate_backend) gives the client 503 + Retry-After and the next
// request succeeds; a database that goes away (a TCP proxy we cut) fails
// readiness, and readiness recovers by itself when it comes back.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { withDatabaseName } from '../../src/platform/sql/database-url.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { SLOW_QUERY_PATH, slowQueryRoute } from '../support/slow-query.ts';
import { startService } from '../support/start.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

describe('database outages on PostgreSQL', { skip: postgres.skip }, () => {
  let database: EngineDatabase;

  before(async () => {
    database = await postgres.open();
  });

  after(() => database.close());

  test('a connection killed under a running request: 503 with Retry-After, then recovery', async () => {
    const service = await startService({
      sql: database.sql,
      setup: slowQueryRoute(database.sql.db),
    });
    try {
      const pending = fetch(`${service.url}${SLOW_QUERY_PATH}`);
      // Wait (by polling the server's own view, not by sleeping a guess) until the query runs.
      let pid: unknown;
      for (let attempt = 0; attempt < 200 && pid === undefined; attempt++) {
        const rows = await database.fresh!.admin(
          `select pid from pg_stat_activity
           where datname = $1 and state = 'active' and query like '%pg_sleep(30)%'`,
          [database.fresh!.name],
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await delay(25);
      }
      assert.ok(pid !== undefined, 'the slow query never showed up in pg_stat_activity');
      await database.fresh!.admin('select pg_terminate_backend($1)', [pid]);

      const res = await pending;
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '1');
      const problem = (await res.json()) as { code: string; detail?: string };
      assert.equal(problem.code, 'SQL_UNAVAILABLE');
      assert.doesNotMatch(JSON.stringify(problem), /terminat|pg_sleep|postgres:/i);

      const next = await fetch(`${service.url}/api/v1/products/1`);
      assert.equal(next.status, 200);
    } finally {
      await service.close();
    }
  });

  test('readiness fails while the database is unreachable and recovers on its own', async () => {
    const target = new URL(database.fresh!.url);
    const proxy = await startTcpProxy({
      host: target.hostname,
      port: Number(target.port || 5432),
    });
    const sqlViaProxy = createPostgresDatabase<Database>({
      url: withDatabaseName(`postgres://postgres@127.0.0.1:${proxy.port}/x`, database.fresh!.name),
      poolSize: 2,
      acquireTimeoutMs: 1000,
    });
    const service = await startService({ sql: sqlViaProxy });
    try {
      const ready = async () => (await fetch(`${service.url}/readyz`)).status;
      assert.equal(await ready(), 200);

      proxy.cut();
      assert.equal(await ready(), 503);
      const down = (await (await fetch(`${service.url}/readyz`)).json()) as {
        checks: { database: { status: string } };
      };
      assert.equal(down.checks.database.status, 'failing');
      const read = await fetch(`${service.url}/api/v1/products/1`);
      assert.equal(read.status, 503);
      assert.equal(read.headers.get('retry-after'), '1');

      proxy.restore();
      assert.equal(await ready(), 200);
      assert.equal((await fetch(`${service.url}/api/v1/products/1`)).status, 200);
    } finally {
      await service.close();
      await sqlViaProxy.close();
      await proxy.close();
    }
  });
});
