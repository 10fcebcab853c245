// A client that disconnects while its request queries, on the real service:
// on PostgreSQL the running statement is cancelled on the server (it leaves
// pg_stat_activity's active list long before its pg_sleep would end); on
// PGlite, which cannot interrupt a statement, the request's next query is
// not started. Either way the access log says 499 at info, nothing is logged
// as a server error, and the metrics count the request and the query. A
// request past its deadline has its statement cancelled the same way.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Context } from '../../src/http/pipeline/context.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { eventually } from '../support/eventually.ts';
import { SLOW_QUERY_PATH, slowQueryRoute } from '../support/slow-query.ts';
import { captureLogger, startService, type LogRecord } from '../support/start.ts';

async function metric(url: string, line: string): Promise<number | undefined> {
  const body = await (await fetch(`${url}/metrics`)).text();
  const sample = body.split('\n').find((l) => l.startsWith(`${line} `));
  return sample === undefined ? undefined : Number(sample.slice(line.length + 1));
}

/** Starts the request and returns what aborts it, as a client closing its connection does. */
function requestToAbandon(url: string): () => void {
  const client = new AbortController();
  fetch(url, { signal: client.signal }).catch(() => undefined);
  return () => {
    client.abort();
  };
}

function assertNoServerFault(records: readonly LogRecord[]): void {
  const faults = records.filter((r) => r.level === 'error' || r.level === 'fatal');
  assert.deepEqual(faults, [], 'a client leaving is not a server error');
}

async function accessLine(records: readonly LogRecord[], route: string): Promise<LogRecord> {
  return eventually('the access log line', () =>
    records.find((r) => r.msg === 'request' && r.route === route),
  );
}

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

describe('a client leaving mid-query on PostgreSQL', { skip: postgres.skip }, () => {
  let database: EngineDatabase;
  before(async () => {
    database = await postgres.open();
  });
  after(() => database.close());

  test('the running statement is cancelled on the server, logged as 499 and counted', async () => {
    const { logger, records } = captureLogger('info');
    const service = await startService({
      sql: database.sql,
      logger,
      setup: slowQueryRoute(database.sql.db),
    });
    const sleeping = () =>
      database.fresh!.admin(
        `select pid from pg_stat_activity
         where datname = $1 and state = 'active' and query like '%pg_sleep(30)%'`,
        [database.fresh!.name],
      );
    try {
      const leave = requestToAbandon(`${service.url}${SLOW_QUERY_PATH}`);
      await eventually('the slow query runs', async () => (await sleeping()).length > 0);
      leave();
      await eventually('the statement is no longer running', async () =>
        (await sleeping()).length === 0 ? true : undefined,
      );

      const line = await accessLine(records, SLOW_QUERY_PATH);
      assert.equal(line.status, 499);
      assert.equal(line.level, 'info');
      assertNoServerFault(records);
      assert.equal(await metric(service.url, 'db_queries_cancelled_total{stage="running"}'), 1);
      assert.equal(await metric(service.url, 'http_requests_aborted_total'), 1);
    } finally {
      await service.close();
    }
  });
});

describe('a request past its deadline on PostgreSQL', { skip: postgres.skip }, () => {
  let database: EngineDatabase;
  before(async () => {
    database = await postgres.open();
  });
  after(() => database.close());

  test('503 at the deadline, and its running statement is cancelled on the server', async () => {
    const { logger, records } = captureLogger('info');
    const service = await startService({
      sql: database.sql,
      logger,
      env: { HTTP_REQUEST_DEADLINE_MS: '500' },
      setup: slowQueryRoute(database.sql.db),
    });
    try {
      const res = await fetch(`${service.url}${SLOW_QUERY_PATH}`);
      assert.equal(res.status, 503);
      assert.equal(((await res.json()) as { code: string }).code, 'HTTP_DEADLINE_EXCEEDED');
      await eventually('the statement is cancelled', async () =>
        (await metric(service.url, 'db_queries_cancelled_total{stage="running"}')) === 1
          ? true
          : undefined,
      );
      const active = await database.fresh!.admin(
        `select pid from pg_stat_activity
         where datname = $1 and state = 'active' and query like '%pg_sleep(30)%'`,
        [database.fresh!.name],
      );
      assert.deepEqual(active, []);
      assert.equal(await metric(service.url, 'http_requests_aborted_total'), 0);
      // Said once, by the deadline sweeper, not again when the cancelled query fails.
      assert.equal(records.filter((r) => /deadline exceeded/i.test(r.msg)).length, 1);
      // The deadline's 503 is logged as such (at error, like every 5xx line), never as a 500.
      assert.ok(records.every((r) => r.status !== 500 && r.code !== 'HTTP_INTERNAL'));
    } finally {
      await service.close();
    }
  });
});

describe('a client leaving mid-request on PGlite', () => {
  test('the request’s next query does not start; logged as 499 and counted', async () => {
    const { logger, records } = captureLogger('info');
    let handling: Context | undefined;
    const reached = Promise.withResolvers<void>();
    const gate = Promise.withResolvers<void>();
    let secondQueryRan = false;
    const service = await startService({
      logger,
      setup(app) {
        app.get(
          '/test/two-queries',
          async (c) => {
            handling = c;
            await sql`select 1`.execute(service.sql.db);
            reached.resolve();
            await gate.promise;
            await sql`select 2`.execute(service.sql.db);
            secondQueryRan = true;
            return { finished: true };
          },
          { auth: 'public', hidden: true },
        );
      },
    });
    try {
      const leave = requestToAbandon(`${service.url}/test/two-queries`);
      await reached.promise;
      leave();
      await eventually('the server sees the client leave', () => handling?.clientGone);
      gate.resolve();

      const line = await accessLine(records, '/test/two-queries');
      assert.equal(line.status, 499);
      assert.equal(line.level, 'info');
      assert.equal(secondQueryRan, false);
      assertNoServerFault(records);
      assert.equal(await metric(service.url, 'db_queries_cancelled_total{stage="not_started"}'), 1);
      assert.equal(await metric(service.url, 'http_requests_aborted_total'), 1);
    } finally {
      gate.resolve();
      await service.close();
    }
  });
});
