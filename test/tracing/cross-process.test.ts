// One trace across the web and the worker process: a client calls with its
// own `traceparent`, the request places an order (SQL, an outbox event), the
// worker's relay turns the event into a job, the job fans out to a webhook
// delivery job, and the delivery POSTs to an endpoint with a `traceparent` of
// its own span. An OTLP receiver in this test (a node:http server decoding
// what the exporters post) must end up with every span of that chain in the
// caller's trace, each under the right parent, with the expected attributes —
// and, sampling at 0, with nothing else: the caller's decision is followed.
//
// Two processes on one database: PostgreSQL only (DATABASE_URL).

import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { apiClient } from '../support/api.ts';
import { eventually } from '../support/eventually.ts';
import { createFreshDatabase } from '../support/fresh-database.ts';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts';
import { listeningUrl, spawnEntry, type MainProcess } from '../support/process.ts';
import { startReceiver } from '../webhooks/receiver.ts';

const TEST_TIMEOUT_MS = 180_000;

const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

function run(t: TestContext, entry: string, env: Record<string, string>): MainProcess {
  const child = spawnEntry(entry, env);
  t.after(async () => {
    if (child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
  });
  return child;
}

async function stop(process: MainProcess): Promise<void> {
  process.child.kill('SIGTERM');
  assert.deepEqual(await process.exited, { code: 0, signal: null }, process.stderr());
}

function only(
  spans: readonly ReceivedSpan[],
  match: (span: ReceivedSpan) => boolean,
  what: string,
) {
  const found = spans.filter(match);
  assert.equal(found.length, 1, `one ${what}, found ${found.length}: ${names(spans)}`);
  return found[0]!;
}

function names(spans: readonly ReceivedSpan[]): string {
  return spans.map((span) => `${span.name}(${span.kind})`).join(', ');
}

test(
  'a traced order reaches the webhook in one trace across the web and the worker process',
  {
    timeout: TEST_TIMEOUT_MS,
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
  },
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-tracing-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const fresh = await createFreshDatabase(process.env.DATABASE_URL!);
    t.after(() => fresh.drop());
    const collector = await startOtlpReceiver();
    t.after(() => collector.close());
    const hooks = await startReceiver();
    t.after(() => hooks.close());

    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATA_DIR: dir,
      DATABASE_URL: fresh.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      // Nothing starts a trace of its own: only the caller's sampled one is kept.
      OTEL_TRACES_SAMPLER_ARG: '0',
      WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      WEBHOOK_ALLOW_HTTP: 'true',
    };
    const web = run(t, 'src/wiring/main.ts', {
      ...env,
      PORT: '0',
      HOST: '127.0.0.1',
      WORKERS: 'off',
      SEED_ON_START: 'true',
    });
    const url = await listeningUrl(web);
    const worker = run(t, 'src/wiring/worker.ts', {
      ...env,
      QUEUE_POLL_INTERVAL_MS: '50',
      OUTBOX_POLL_INTERVAL_MS: '50',
    });
    await worker.waitForLog((record) => record.msg === 'workers running');

    const api = apiClient(url);
    const admin = (await api.login(DEMO_ACCOUNTS.admin.email, DEMO_ACCOUNTS.admin.password))
      .accessToken;
    const endpoint = await api.call('/api/v1/webhooks/endpoints', {
      method: 'POST',
      token: admin,
      json: { url: `${hooks.url}/orders`, eventTypes: ['order.placed'] },
    });
    assert.equal(endpoint.status, 201, await endpoint.clone().text());
    const sql = createPostgresDatabase<Database>({ url: fresh.url, poolSize: 1 });
    try {
      await sql.db.updateTable('products').set({ stock: 10 }).where('id', '=', '1').execute();
    } finally {
      await sql.close();
    }
    const buyer = await api.login(DEMO_ACCOUNTS.customer.email, DEMO_ACCOUNTS.customer.password);

    // The caller's trace, sampled.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const idempotencyKey = randomUUID();
    const placed = await api.call('/api/v1/orders', {
      method: 'POST',
      token: buyer.accessToken,
      json: { items: [{ productId: '1', quantity: 1 }] },
      headers: {
        'idempotency-key': idempotencyKey,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        tracestate: 'caller=yes',
      },
    });
    assert.equal(placed.status, 201, await placed.clone().text());

    const delivered = await eventually('the webhook delivery', () => hooks.received('/orders')[0], {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    const sent = String(delivered.headers.traceparent);
    assert.match(sent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    assert.equal(delivered.headers.tracestate, 'caller=yes');
    // The context travels beside the event's data, never in what integrations receive.
    assert.ok(!delivered.body.includes('_trace'), delivered.body);

    // Stopping flushes what each process still buffers.
    await stop(worker);
    await stop(web);
    const spans = collector.spans.filter((span) => span.traceId === traceId);
    assert.deepEqual(
      collector.spans.filter((span) => span.traceId !== traceId).map((span) => span.name),
      [],
      'with sampling at 0, no trace but the caller’s',
    );
    // Both processes post OTLP's protobuf encoding unless told otherwise.
    assert.ok(collector.protobufRequests >= 2, `${collector.protobufRequests} protobuf posts`);

    const request = only(
      spans,
      (span) => span.kind === SERVER && span.name === 'POST /api/v1/orders',
      'server span',
    );
    assert.equal(request.parentSpanId, callerSpanId);
    assert.equal(request.attributes['http.route'], '/api/v1/orders');
    assert.equal(request.attributes['http.request.method'], 'POST');
    assert.equal(request.attributes['http.response.status_code'], 201);
    assert.equal(request.resource['throughline.process.role'], 'web');
    assert.equal(request.resource['service.name'], 'throughline');

    // The request's statements: named, under the request, without values.
    const queries = spans.filter(
      (span) => span.kind === CLIENT && span.attributes['db.system.name'] === 'postgresql',
    );
    const inserts = queries.filter(
      (span) => span.parentSpanId === request.spanId && span.name === 'INSERT orders',
    );
    assert.equal(inserts.length, 1, names(queries));
    assert.equal(inserts[0]!.attributes['db.collection.name'], 'orders');
    assert.ok(queries.some((span) => span.name === 'INSERT outbox'));
    assert.ok(!JSON.stringify(queries).includes(idempotencyKey), 'no values in SQL spans');

    // The worker, walked back from the POST the endpoint was told about…
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan, kind: number, name: string): ReceivedSpan => {
      const parent = byId.get(span.parentSpanId ?? '');
      assert.ok(parent, `${span.name} has its parent in the trace`);
      assert.deepEqual([parent.kind, parent.name], [kind, name], `parent of ${span.name}`);
      return parent;
    };
    const post = only(
      spans,
      (span) => span.kind === CLIENT && span.name === 'POST',
      'webhook POST',
    );
    assert.equal(sent.split('-')[2], post.spanId);
    assert.equal(post.attributes['http.response.status_code'], 200);
    assert.equal(post.attributes['server.address'], '127.0.0.1');
    assert.equal(post.resource['throughline.process.role'], 'worker');
    // … is the delivery job's, enqueued by the fan-out inside the event's job …
    const delivery = parentOf(post, CONSUMER, 'process webhooks.deliver');
    assert.equal(delivery.attributes['messaging.destination.name'], 'webhooks.deliver');
    const fannedOut = parentOf(delivery, PRODUCER, 'send webhooks.deliver');
    const handled = parentOf(fannedOut, CONSUMER, 'process events.deliver');
    // … which the relay enqueued in the request's trace.
    const relayed = parentOf(handled, PRODUCER, 'send events.deliver');
    assert.equal(relayed.parentSpanId, request.spanId);
    // The order's other event (the stock change) went the same way.
    const relays = spans.filter((span) => span.name === 'send events.deliver');
    assert.equal(relays.length, 2, names(spans));
    assert.ok(relays.every((span) => span.parentSpanId === request.spanId));

    // Log lines written under the request carry its ids.
    const line = web.logs.find(
      (record) => record.msg === 'request' && record.path === '/api/v1/orders',
    );
    assert.equal(line?.trace_id, traceId);
    assert.equal(line?.span_id, request.spanId);
  },
);
