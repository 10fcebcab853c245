// Server-Timing on the real service: the database's time (summed over the
// request's queries, with their number), the cache lookups' time, and the
// total; a request that does neither carries only the total; SERVER_TIMING
// turns it off.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { startService, type StartedService } from '../support/start.ts';

interface Metric {
  readonly name: string;
  readonly dur: number;
  readonly desc: string | undefined;
}

function parse(header: string | null): Metric[] {
  assert.ok(header !== null, 'no Server-Timing header');
  return header.split(',').map((entry) => {
    const [name, ...params] = entry.trim().split(';');
    const value = (key: string) =>
      params.find((p) => p.startsWith(`${key}=`))?.slice(key.length + 1);
    return {
      name: name!,
      dur: Number(value('dur')),
      desc: value('desc')?.replace(/^"|"$/g, ''),
    };
  });
}

describe('Server-Timing', () => {
  let service: StartedService;
  before(async () => {
    service = await startService({
      setup(app) {
        app.get(
          '/test/two-queries',
          async () => {
            await sql`select pg_sleep(0.05)`.execute(service.sql.db);
            await sql`select 1`.execute(service.sql.db);
            return { finished: true };
          },
          { auth: 'public', hidden: true },
        );
      },
    });
  });
  after(() => service.close());

  test('a route that queries: the db phase sums its queries, and is inside the total', async () => {
    const res = await fetch(`${service.url}/test/two-queries`);
    assert.equal(res.status, 200);
    const metrics = parse(res.headers.get('server-timing'));
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['db', 'app'],
    );
    const [db, app] = metrics as [Metric, Metric];
    assert.equal(db.desc, '2 queries');
    assert.ok(db.dur >= 49, `db;dur=${db.dur} should hold the 50 ms pg_sleep`);
    assert.ok(app.dur >= db.dur, `app;dur=${app.dur} should include db;dur=${db.dur}`);
  });

  test('a cached read: cache lookups timed apart from the load behind a miss', async () => {
    const first = parse(
      (await fetch(`${service.url}/api/v1/products/3`)).headers.get('server-timing'),
    );
    assert.deepEqual(
      first.map((m) => m.name),
      ['db', 'cache', 'app'],
      'a miss looks up, then loads from the database',
    );
    assert.equal(first.find((m) => m.name === 'cache')?.desc, '1 lookup');
    const second = parse(
      (await fetch(`${service.url}/api/v1/products/3`)).headers.get('server-timing'),
    );
    assert.deepEqual(
      second.map((m) => m.name),
      ['cache', 'app'],
      'a hit does not query',
    );
  });

  test('a route that neither queries nor reads a cache carries only the total', async () => {
    const res = await fetch(`${service.url}/livez`);
    assert.equal(res.status, 200);
    const metrics = parse(res.headers.get('server-timing'));
    assert.deepEqual(
      metrics.map((m) => m.name),
      ['app'],
    );
    assert.ok(Number.isFinite(metrics[0]!.dur));
  });
});

test('SERVER_TIMING=false sends no Server-Timing', async () => {
  const service = await startService({ env: { SERVER_TIMING: 'false' } });
  try {
    const res = await fetch(`${service.url}/api/v1/products/1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('server-timing'), null);
  } finally {
    await service.close();
  }
});
