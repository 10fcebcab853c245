// The realtime benchmark end to end at a tiny size: the real server process
// on a copy of the tests' PGlite template, two client processes, 40 idle connections, two order
// cancellations fanned out to 20 of them, a 1 MiB upload. It checks the
// report's shape and that every measurement saw what it was meant to —
// never how fast anything was.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { preparePgliteDataDir } from '../../test/support/database.ts';
import { runRealtimeBench, type RealtimeReport, type RealtimeSizes } from './bench.ts';
import { startBenchServer, type StartedBenchServer } from './bench-server.ts';
import { split } from './client-pool.ts';
import { formatReport } from './summary.ts';

const sizes: RealtimeSizes = {
  idle: { sockets: 20, streams: 20 },
  fanOut: { sockets: 10, streams: 10 },
  events: 2,
  processes: 2,
  concurrency: 8,
  uploadBytes: 1024 * 1024,
  uploadRounds: 1,
};

let server: StartedBenchServer | undefined;
let report: RealtimeReport;

before(async () => {
  server = await startBenchServer({
    postgresUrl: undefined,
    pollMs: 1000,
    connections: 40,
    preparePglite: (dataDir) => preparePgliteDataDir(dataDir),
  });
  report = await runRealtimeBench(server, sizes);
});
// Unset when the start itself failed: that failure is the one to see.
after(() => server?.stop());

test('connections are split over the client processes as evenly as possible', () => {
  assert.deepEqual(split(10, 4), [3, 3, 2, 2]);
  assert.deepEqual(split(1, 3), [1, 0, 0]);
});

test('the memory readings count the connections the server held', () => {
  const { baseline, withSockets, withStreams } = report.memory;
  assert.deepEqual(baseline.clients, { websocket: 0, sse: 0 });
  assert.deepEqual(withSockets.clients, { websocket: 20, sse: 0 });
  assert.deepEqual(withStreams.clients, { websocket: 20, sse: 20 });
  for (const reading of [baseline, withSockets, withStreams]) {
    assert.ok(reading.residentBytes > 0 && reading.heapUsedBytes > 0);
  }
  for (const per of Object.values(report.memory).filter((value) => 'heapUsedBytes' in value)) {
    assert.ok(Number.isFinite(per.residentBytes) && Number.isFinite(per.heapUsedBytes));
  }
});

test('every fanned-out client received every cancellation, none was lost', () => {
  assert.equal(report.fanOut.socket.samples, 2 * 10);
  assert.equal(report.fanOut.stream.samples, 2 * 10);
  assert.equal(report.fanOut.all.samples, 40);
  assert.equal(report.fanOut.cancelRoundTrip.samples, 2);
  assert.equal(report.fanOut.lost, 0);
  assert.ok(report.openRetries >= 0);
  assert.ok(Number.isFinite(report.fanOut.all.p99Ms));
});

test('the upload and both copies are measured, with their ratios', () => {
  const { upload } = report;
  assert.equal(upload.bytes, 1024 * 1024);
  for (const value of [upload.uploadMiBps, upload.cpMiBps, upload.cpSyncMiBps]) {
    assert.ok(value > 0, String(value));
  }
  assert.ok(upload.ratioToCp > 0 && upload.ratioToCpSync > 0);
});

test('the printed report has its three tables', () => {
  const text = formatReport(report, { engine: 'pglite', pollMs: 1000, cores: 2 });
  assert.match(text, /\| WebSocket \| 20 \| /);
  assert.match(text, /\| event stream \| 10 \| 20 \| /);
  assert.match(text, /\| cp \+ sync \| /);
});
