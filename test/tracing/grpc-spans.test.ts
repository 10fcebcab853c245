// The server span of a gRPC call, through the real service and a grpc-js
// client, exported to an OTLP receiver in the test: a caller's traceparent
// in the metadata is continued (at ratio 0 nothing else is kept), the span
// is named by service and method with the RPC attributes and status code,
// the call's SQL statements are its children, and a client's mistake
// (NOT_FOUND) is not recorded as an error, though its log line carries the
// span's ids.

import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { test } from 'node:test';
import { Lifecycle } from '../../src/platform/lifecycle.ts';
import { querySpans } from '../../src/platform/tracing/sql-spans.ts';
import { startGrpc } from '../../src/wiring/grpc.ts';
import { openTestDatabase } from '../support/database.ts';
import { grpcClients } from '../support/grpc-client.ts';
import { startTracedReceiver } from '../support/traced-receiver.ts';
import { captureLogger, silentLogger, startService } from '../support/start.ts';

// OTLP's span kinds.
const SERVER = 2;
const CLIENT = 3;
const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const MISSING_TRACE = '1bf7651916cd43dd8448eb211c80319d';

test('a gRPC call continues its caller’s trace in a server span', async (t) => {
  const { collector, tracing } = await startTracedReceiver(t, {
    serviceName: 'grpc-test',
    sampleRatio: 0,
  });
  // The service's own engine opening adds the statement spans; a test database does when asked.
  const database = await openTestDatabase({ queryLog: querySpans });
  t.after(() => database.close());
  const service = await startService({
    sql: database.sql,
    env: { GRPC_PORT: '0', GRPC_HOST: '127.0.0.1' },
  });
  t.after(() => service.close());
  const lifecycle = new Lifecycle(silentLogger());
  t.after(() => lifecycle.stop('test over'));
  // The gRPC layer's own lines, with the trace ids the service's logger adds.
  const { logger, records: lines } = captureLogger('debug', tracing.logFields);
  const server = await startGrpc(service.context.config, service.context, {
    logger,
    lifecycle,
  });
  assert.ok(server);
  const grpc = grpcClients(server.port);
  t.after(() => {
    grpc.close();
  });

  const found = await grpc.call(
    'CatalogService',
    'GetProduct',
    { id: '1' },
    {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
      tracestate: 'caller=yes',
    },
  );
  assert.ok(found.ok, JSON.stringify(found));
  const missing = await grpc.call(
    'CatalogService',
    'GetProduct',
    { id: '999999999' },
    {
      traceparent: `00-${MISSING_TRACE}-${CALLER_SPAN}-01`,
    },
  );
  assert.equal(missing.ok ? undefined : missing.code, status.NOT_FOUND);
  // Drawn at 0 and without a caller: not kept.
  assert.ok((await grpc.call('CatalogService', 'GetProduct', { id: '2' })).ok);

  await tracing.shutdown();
  const spans = collector.spans;
  assert.deepEqual(
    [...new Set(spans.map((span) => span.traceId))].sort(),
    [CALLER_TRACE, MISSING_TRACE].sort(),
    'only the callers’ traces are kept',
  );

  const call = spans.find((span) => span.traceId === CALLER_TRACE && span.kind === SERVER);
  assert.ok(call, spans.map((span) => span.name).join(', '));
  assert.equal(call.name, 'throughline.v1.CatalogService/GetProduct');
  assert.equal(call.parentSpanId, CALLER_SPAN);
  assert.equal(call.attributes['rpc.system'], 'grpc');
  assert.equal(call.attributes['rpc.service'], 'throughline.v1.CatalogService');
  assert.equal(call.attributes['rpc.method'], 'GetProduct');
  assert.equal(call.attributes['rpc.grpc.status_code'], status.OK);
  assert.equal(typeof call.attributes['throughline.request_id'], 'string');
  assert.equal(call.statusCode, 0);
  const children = spans.filter((span) => span.parentSpanId === call.spanId);
  assert.ok(
    children.some(
      (span) => span.kind === CLIENT && span.attributes['db.system.name'] !== undefined,
    ),
    `the call's statements are its children: ${children.map((span) => span.name).join(', ')}`,
  );

  const failed = spans.find((span) => span.traceId === MISSING_TRACE && span.kind === SERVER);
  assert.ok(failed);
  assert.equal(failed.attributes['rpc.grpc.status_code'], status.NOT_FOUND);
  assert.equal(failed.statusCode, 0, 'a client’s mistake is not an error');
  const failure = lines.find((line) => line.msg === 'gRPC call failed');
  assert.ok(failure, JSON.stringify(lines));
  assert.equal(failure.trace_id, MISSING_TRACE, 'the failure’s line belongs to the call’s span');
  assert.equal(failure.span_id, failed.spanId);
});
