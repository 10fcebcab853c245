// The OpenSearch adapter's behaviour where OpenSearch fails — timeouts, 429,
// 5xx, refused connections, bulk item errors — and the calls a rebuild makes,
// against a fake OpenSearch (test/support/fake-opensearch.ts: a real HTTP
// server that answers what each test says). Then the whole service with
// OPENSEARCH_URL pointing at it, down or silent: searches answered 200 by
// PostgreSQL with a Search-Degraded header, never a 500, the breaker
// skipping OpenSearch after repeated failures, and /readyz reporting it
// without failing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  createOpenSearchSearch,
  type OpenSearchEngine,
} from '../../src/adapters/search/opensearch/engine.ts';
import { isSearchEngineUnavailable } from '../../src/adapters/search/unavailable.ts';
import type { SearchDocument } from '../../src/ports/search.ts';
import {
  errorBody,
  refusedUrl,
  startFakeOpenSearch,
  type FakeAnswer,
  type FakeOpenSearch,
  type RecordedRequest,
} from '../support/fake-opensearch.ts';
import { eventually } from '../support/eventually.ts';
import { startService, type StartedService } from '../support/start.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`opensearch/${name}`, import.meta.url), 'utf8'));

const document = (id: string, version = 1): SearchDocument => ({
  id,
  title: `Lamp ${id}`,
  description: 'A lamp.',
  brand: { slug: 'b', name: 'B' },
  category: { slug: 'c', name: 'C' },
  tags: [],
  price: { amount: 1000, currency: 'EUR' },
  stock: 1,
  createdAt: '2026-12-01T00:00:00.000Z',
  version,
});

async function* batches(...sets: SearchDocument[][]): AsyncIterable<SearchDocument[]> {
  for (const set of sets) yield await Promise.resolve(set);
}

const open = (url: string, timeoutMs = 2_000): OpenSearchEngine =>
  createOpenSearchSearch({
    url,
    alias: 'products',
    timeoutMs,
    writeTimeoutMs: timeoutMs,
    now: () => 200,
  });

async function rejectsUnavailable(promise: Promise<unknown>, what: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isSearchEngineUnavailable(error), `${what}: ${String(error)}`);
    return true;
  });
}

describe('the OpenSearch adapter against a failing server', () => {
  let fake: FakeOpenSearch;
  let engine: OpenSearchEngine;
  before(async () => {
    fake = await startFakeOpenSearch();
    engine = open(fake.url, 300);
  });
  after(async () => {
    await engine.close();
    await fake.close();
  });

  test('a server that stops answering: unavailable after the timeout', async () => {
    fake.answer(() => ({ silent: true }));
    await rejectsUnavailable(engine.search({ text: 'lamp', limit: 10 }), 'silent');
    await rejectsUnavailable(engine.suggest('lam'), 'silent suggest');
  });

  test('429 and 5xx are unavailable; a missing index too; a bad request is not', async () => {
    const cases: [FakeAnswer, boolean][] = [
      [{ status: 429, body: fixture('error-429.json') }, true],
      [{ status: 503, body: errorBody(503, 'cluster_block_exception') }, true],
      [{ status: 500, body: errorBody(500, 'exception') }, true],
      [{ status: 404, body: fixture('index-not-found.json') }, true],
      [{ status: 400, body: errorBody(400, 'parsing_exception') }, false],
    ];
    for (const [answer, unavailable] of cases) {
      fake.answer(() => answer);
      const failed = await engine.search({ text: 'lamp', limit: 10 }).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(failed !== undefined, JSON.stringify(answer));
      assert.equal(isSearchEngineUnavailable(failed), unavailable, JSON.stringify(answer));
    }
  });

  test('a dropped connection, and no server at all, are unavailable', async () => {
    fake.answer(() => ({ reset: true }));
    await rejectsUnavailable(engine.search({ text: 'lamp', limit: 10 }), 'reset');
    const nowhere = open(await refusedUrl());
    try {
      await rejectsUnavailable(nowhere.search({ text: 'lamp', limit: 10 }), 'refused');
      await rejectsUnavailable(nowhere.ping(), 'ping refused');
    } finally {
      await nowhere.close();
    }
  });

  test('ping: the alias must exist', async () => {
    fake.answer((request) => ({ status: request.path === '/products' ? 404 : 200 }));
    await rejectsUnavailable(engine.ping(), 'no alias');
    fake.answer(() => ({ status: 200 }));
    await engine.ping();
  });
});

describe('the OpenSearch index against a fake server', () => {
  let fake: FakeOpenSearch;
  let engine: OpenSearchEngine;
  before(async () => {
    fake = await startFakeOpenSearch();
    engine = open(fake.url);
  });
  after(async () => {
    await engine.close();
    await fake.close();
  });

  const calls = (from: number) =>
    fake.requests.slice(from).map((request) => `${request.method} ${request.path}`);
  const ndjson = (request: RecordedRequest) =>
    request.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  test('upsert: one bulk through the alias, external versions, stale items ignored', async () => {
    const start = fake.requests.length;
    fake.answer(() => ({
      status: 200,
      body: {
        took: 1,
        errors: true,
        items: [
          { index: { _id: '1', status: 201, result: 'created' } },
          {
            index: {
              _id: '2',
              status: 409,
              error: { type: 'version_conflict_engine_exception', reason: 'stale' },
            },
          },
        ],
      },
    }));
    await engine.index.upsert([document('1', 3), document('2', 1)]);
    assert.deepEqual(calls(start), ['POST /products/_bulk']);
    const request = fake.requests[start]!;
    assert.equal(request.query.get('require_alias'), 'true');
    const lines = ndjson(request);
    assert.deepEqual(lines[0], { index: { _id: '1', version: 3, version_type: 'external' } });
    assert.equal(lines.length, 4);
  });

  test('bulk item errors: 429 items are an outage, refused documents an error naming them', async () => {
    fake.answer(() => ({ status: 200, body: fixture('bulk-response.json') }));
    await assert.rejects(engine.index.upsert([document('104')]), /104: mapper_parsing_exception/);
    fake.answer(() => ({
      status: 200,
      body: {
        errors: true,
        items: [
          { index: { _id: '1', status: 429, error: { type: 'es_rejected_execution_exception' } } },
        ],
      },
    }));
    await rejectsUnavailable(engine.index.upsert([document('1')]), 'item 429');
  });

  test('remove: deletes of what is not there are ignored', async () => {
    const start = fake.requests.length;
    fake.answer(() => ({
      status: 200,
      body: { errors: false, items: [{ delete: { _id: '9', status: 404, result: 'not_found' } }] },
    }));
    await engine.index.remove(['9']);
    assert.deepEqual(ndjson(fake.requests[start]!), [{ delete: { _id: '9' } }]);
  });

  /** A fake cluster holding `indices`, the alias on `live`. */
  const cluster =
    (indices: string[], live: string) =>
    (request: RecordedRequest): FakeAnswer => {
      if (request.method === 'GET' && request.path.endsWith('/_alias')) {
        return {
          status: 200,
          body: Object.fromEntries(
            indices.map((name) => [name, { aliases: name === live ? { products: {} } : {} }]),
          ),
        };
      }
      if (request.path.endsWith('/_bulk'))
        return { status: 200, body: { errors: false, items: [] } };
      return { status: 200, body: { acknowledged: true } };
    };

  test('rebuild: a new index, filled, then the alias moved in one call and the old copy deleted', async () => {
    const start = fake.requests.length;
    fake.answer(cluster(['products-100'], 'products-100'));
    const progress: string[] = [];
    const { indexed } = await engine.index.rebuild(
      batches([document('1'), document('2')], [document('3')]),
      {
        onProgress: (p) => progress.push(`${p.indexed}:${p.lastId}`),
      },
    );
    assert.equal(indexed, 3);
    assert.deepEqual(progress, ['2:2', '3:3']);
    assert.deepEqual(calls(start), [
      'GET /products-*/_alias',
      'PUT /products-200',
      'POST /products-200/_bulk',
      'POST /products-200/_bulk',
      'PUT /products-200/_settings',
      'POST /products-200/_refresh',
      'GET /products-*/_alias',
      'POST /_aliases',
      'DELETE /products-100',
    ]);
    const created = JSON.parse(fake.requests[start + 1]!.body) as {
      settings: { refresh_interval: string };
      mappings: { dynamic: string };
    };
    assert.equal(created.settings.refresh_interval, '-1');
    assert.equal(created.mappings.dynamic, 'strict');
    assert.deepEqual(JSON.parse(fake.requests[start + 7]!.body), {
      actions: [
        { remove: { index: 'products-100', alias: 'products' } },
        { add: { index: 'products-200', alias: 'products' } },
      ],
    });
    assert.equal(fake.requests[start + 2]!.query.get('require_alias'), 'false');
  });

  test('rebuild with resume: fills the copy an interrupted rebuild left', async () => {
    const start = fake.requests.length;
    fake.answer(cluster(['products-100', 'products-150'], 'products-100'));
    await engine.index.rebuild(batches([document('4')]), { resume: true });
    assert.deepEqual(calls(start), [
      'GET /products-*/_alias',
      'POST /products-150/_bulk',
      'PUT /products-150/_settings',
      'POST /products-150/_refresh',
      'GET /products-*/_alias',
      'POST /_aliases',
      'DELETE /products-100',
    ]);
  });

  test('a rebuild that cannot write fails as unavailable, leaving the alias alone', async () => {
    const start = fake.requests.length;
    const healthy = cluster(['products-100'], 'products-100');
    fake.answer((request) =>
      request.path.endsWith('/_bulk')
        ? { status: 503, body: errorBody(503, 'unavailable') }
        : healthy(request),
    );
    await rejectsUnavailable(engine.index.rebuild(batches([document('5')])), 'bulk 503');
    assert.ok(!calls(start).includes('POST /_aliases'));
  });
});

/**
 * The service in front of a fake OpenSearch that starts silent, for the
 * suite around the call: `settings` are the search timeout and breaker's.
 */
function serviceOnSilentFake(settings: { timeoutMs: number; breakerFailures: number }) {
  const running = {} as { fake: FakeOpenSearch; service: StartedService };
  before(async () => {
    running.fake = await startFakeOpenSearch(() => ({ silent: true }));
    running.service = await startService({
      env: {
        OPENSEARCH_URL: running.fake.url,
        OPENSEARCH_TIMEOUT_MS: String(settings.timeoutMs),
        OPENSEARCH_BREAKER_FAILURES: String(settings.breakerFailures),
        OPENSEARCH_BREAKER_COOLDOWN_MS: '3600000',
      },
    });
  });
  after(async () => {
    await running.service.close();
    await running.fake.close();
  });
  return running;
}

describe('the service with OpenSearch down or silent', () => {
  const running = serviceOnSilentFake({ timeoutMs: 200, breakerFailures: 3 });

  const searches = () =>
    running.fake.requests.filter((request) => request.path.endsWith('/_search')).length;

  test('a silent OpenSearch: PostgreSQL answers 200, marked degraded and not cached', async () => {
    const res = await fetch(`${running.service.url}/api/v1/search?q=audio&limit=5`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('search-degraded'), 'opensearch-unavailable');
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = (await res.json()) as { data: unknown[]; meta: { total: number } };
    assert.ok(body.meta.total > 0 && body.data.length > 0, 'the stand-in found products');
  });

  test('server errors too, and suggest the same way', async () => {
    running.fake.answer(() => ({ status: 503, body: errorBody(503, 'cluster_block_exception') }));
    const res = await fetch(`${running.service.url}/api/v1/search/suggest?q=aud`);
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(res.headers.get('search-degraded'), 'opensearch-unavailable');
    assert.ok(((await res.json()) as { data: string[] }).data.includes('audio'));
  });

  test('after repeated failures the breaker skips OpenSearch; still 200, still degraded', async () => {
    running.fake.answer(() => ({ status: 429, body: fixture('error-429.json') }));
    // The failures so far and these open it (3 in a row).
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${running.service.url}/api/v1/search?q=audio`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    const before = searches();
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${running.service.url}/api/v1/search?q=audio&limit=2`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('search-degraded'), 'opensearch-unavailable');
      await res.arrayBuffer();
    }
    assert.equal(searches(), before, 'no search reached OpenSearch while the breaker was open');
  });

  test('/readyz reports the search engine without failing readiness', async () => {
    const res = await fetch(`${running.service.url}/readyz`);
    const body = (await res.json()) as {
      status: string;
      checks: Record<string, { status: string; error?: string }>;
    };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.status, 'ready');
    assert.equal(body.checks.search?.status, 'failing');
    assert.match(body.checks.search?.error ?? '', /answered by PostgreSQL/);
  });
});

describe('the service with a search its client leaves', () => {
  // A timeout far longer than the test: only the client leaving ends the
  // search; one failure would open the breaker.
  const running = serviceOnSilentFake({ timeoutMs: 600_000, breakerFailures: 1 });

  test('the search is cut off on OpenSearch and does not count against it', async () => {
    const client = new AbortController();
    const pending = fetch(`${running.service.url}/api/v1/search?q=lamp`, { signal: client.signal });
    const searching = () =>
      running.fake.requests.some((request) => request.path.endsWith('/_search'));
    await eventually('the search reached OpenSearch', searching);
    client.abort();
    await assert.rejects(pending, { name: 'AbortError' });
    await eventually('OpenSearch saw the search closed', () => running.fake.cutOff() === 1);
    const metrics = await (await fetch(`${running.service.url}/metrics`)).text();
    // One failure would have opened it (OPENSEARCH_BREAKER_FAILURES=1).
    assert.match(metrics, /^circuit_breaker_state{breaker="search"} 0$/m);
  });
});
