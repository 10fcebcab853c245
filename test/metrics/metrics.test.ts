// GET /metrics on the real service: requests counted by route pattern (never
// the raw path), series bounded whatever URLs clients send, both exposition
// formats, the scrape token, production's default of not serving it, and —
// where Prometheus' promtool is installed — a scrape promtool accepts.
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';
import { sendPipelined } from '../support/pipelined.ts';
import { checkScrape, findPromtool } from '../support/prometheus.ts';
import { startService, type StartedService } from '../support/start.ts';

async function scrape(service: StartedService, headers: Record<string, string> = {}) {
  const response = await fetch(`${service.url}/metrics`, { headers });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: await response.text(),
  };
}

/** The lines of one metric family's samples (name followed by labels or a space). */
function samples(body: string, name: string): string[] {
  return body
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('GET /metrics', () => {
  let service: StartedService;
  before(async () => {
    service = await startService();
  });
  after(async () => {
    await service.close();
  });

  it('counts requests by route pattern and status class, and times them', async () => {
    for (const id of ['1', '2', '999999'])
      await (await fetch(`${service.url}/api/v1/products/${id}`)).text();
    const { status, type, body } = await scrape(service);
    assert.equal(status, 200);
    assert.match(type ?? '', /^text\/plain; version=0\.0\.4/);
    const reads = samples(body, 'http_requests_total').filter((l) =>
      l.includes('route="/api/v1/products/:id"'),
    );
    assert.ok(
      reads.some((l) => /method="GET".*status="2xx"} 2$/.test(l)),
      reads.join('\n'),
    );
    assert.ok(
      reads.some((l) => /status="4xx"} 1$/.test(l)),
      reads.join('\n'),
    );
    assert.ok(!body.includes('/api/v1/products/999999'));
    assert.match(
      body,
      /http_request_duration_seconds_bucket{le="0\.025",method="GET",route="\/api\/v1\/products\/:id"} \d+/,
    );
    assert.match(body, /^http_requests_in_flight \d+$/m);
    assert.match(body, /^nodejs_eventloop_lag_p99_seconds /m);
    assert.match(body, /^queue_jobs{queue="[^"]+",state="pending"} \d+$/m);
    // PGlite has no pool to report.
    assert.doesNotMatch(body, /^db_pool_connections{/m);
    // The statements behind the reads, labelled by what they do and to which table.
    assert.match(
      body,
      /^db_query_duration_seconds_count{database="pglite",statement="select products"} \d+$/m,
    );
    assert.match(body, /^outbox_lag_seconds \d/m);
    assert.match(body, /^queue_oldest_due_age_seconds{queue="[^"]+"} \d/m);
  });

  it('keeps the number of series bounded whatever URLs and methods clients send', async () => {
    const countSeries = (body: string) =>
      samples(body, 'http_requests_total').length +
      samples(body, 'http_request_duration_seconds_count').length;
    const before = countSeries((await scrape(service)).body);
    // Ids on a real route — a tenth numeric (looked up, not found), the rest
    // malformed (refused before any lookup: a database miss costs far more
    // than the label question needs) — and unknown paths, a tenth of all
    // with a method no route has; sent pipelined, as a scanner would.
    const productPath = (i: number) =>
      i % 10 === 0 ? `/api/v1/products/${1_000_000 + i}` : `/api/v1/products/x${i.toString(36)}`;
    const requests = Array.from({ length: 10_000 }, (_, i) => ({
      method: i % 10 === 1 ? 'PURGE' : 'GET',
      path: i % 2 === 0 ? productPath(i) : `/no/such/${i}/path-${i * 7919}`,
    }));
    const statuses = await sendPipelined(service.url, requests);
    assert.equal(
      [...statuses.values()].reduce((a, b) => a + b, 0),
      requests.length,
    );
    const { body } = await scrape(service);
    const added = countSeries(body) - before;
    // At most: the read route's 4xx, the unmatched pattern for GET and OTHER, each in two families.
    assert.ok(added <= 8, `${added} new series`);
    assert.match(body, /http_requests_total{method="OTHER",route="\*",status="4xx"} 1000$/m);
  });

  it('answers OpenMetrics when the scraper asks for it', async () => {
    const { status, type, body } = await scrape(service, {
      accept: 'application/openmetrics-text; version=1.0.0',
    });
    assert.equal(status, 200);
    assert.match(type ?? '', /^application\/openmetrics-text; version=1\.0\.0/);
    assert.ok(body.endsWith('# EOF\n'));
  });

  test('is a scrape promtool accepts', async (t) => {
    const tool = await findPromtool();
    if (tool === undefined) {
      t.skip('promtool is not installed (Debian: apt-get install prometheus)');
      return;
    }
    // After an OpenMetrics scrape too: the two formats share their metrics.
    await scrape(service, { accept: 'application/openmetrics-text; version=1.0.0' });
    const { body } = await scrape(service);
    await checkScrape(body);
  });
});

describe('GET /metrics with a token', () => {
  let service: StartedService;
  const token = 'scrape-token-0123456789';
  before(async () => {
    service = await startService({ env: { METRICS_TOKEN: token } });
  });
  after(async () => {
    await service.close();
  });

  it('refuses a scrape without the token or with another one', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-the-token-at-all' },
      { authorization: token },
    ]) {
      const response = await fetch(`${service.url}/metrics`, { headers });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const problem = (await response.json()) as { code: string };
      assert.equal(problem.code, 'METRICS_UNAUTHORIZED');
    }
    assert.equal((await scrape(service, { authorization: `Bearer ${token}` })).status, 200);
  });
});

describe('GET /metrics switched off', () => {
  let service: StartedService;
  before(async () => {
    service = await startService({ env: { METRICS_ENABLED: 'false' } });
  });
  after(async () => {
    await service.close();
  });

  it('is not served, and nothing is counted', async () => {
    assert.equal((await scrape(service)).status, 404);
  });
});

const postgres = ENGINES.find((engine) => engine.name === 'postgres')!;

describe('GET /metrics on PostgreSQL', { skip: postgres.skip }, () => {
  let database: EngineDatabase;
  let service: StartedService;
  before(async () => {
    database = await postgres.open();
    service = await startService({ sql: database.sql });
  });
  after(async () => {
    await service.close();
    await database.close();
  });

  it("reports the pool's connections, waiters and size", async () => {
    await Promise.all(
      ['1', '2', '3'].map(async (id) =>
        (await fetch(`${service.url}/api/v1/products/${id}`)).text(),
      ),
    );
    const { body } = await scrape(service);
    const value = (pattern: RegExp) => Number(pattern.exec(body)?.[1]);
    const busy = value(/^db_pool_connections{pool="primary",state="busy"} (\d+)$/m);
    const idle = value(/^db_pool_connections{pool="primary",state="idle"} (\d+)$/m);
    assert.ok(busy + idle >= 1, body);
    // Background work (relay, queue polls) shares the pool: a waiter may be queued at the scrape.
    assert.ok(Number.isInteger(value(/^db_pool_waiting{pool="primary"} (\d+)$/m)), body);
    assert.equal(value(/^db_pool_max_connections{pool="primary"} (\d+)$/m), 5);
  });
});
