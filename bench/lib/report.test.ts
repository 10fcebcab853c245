import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaseId } from './cases.ts';
import type { ContenderId } from './contenders.ts';
import {
  describeTargets,
  cpuPerRequest,
  formatTable,
  median,
  pairedRatio,
  runWarnings,
  summarise,
  type RunRecord,
} from './report.ts';
import { fastifyPattern, GENERATED_ROUTES, ROUTE_200_PATTERN } from './route-table.ts';

function run(caseId: CaseId, contenderId: ContenderId, rps: number, round = 1): RunRecord {
  return {
    round,
    caseId,
    contenderId,
    result: {
      requests: rps * 8,
      durationSec: 8,
      rps,
      latencyMs: { p50: 1, p90: 2, p99: rps / 10000, max: 9 },
      socketErrors: 0,
      badStatus: 0,
    },
    serverCpu: 0.99,
    loadCpu: 0.5,
    othersCpu: 0,
    attempts: 1,
    error: undefined,
  };
}

describe('median', () => {
  test('odd and even counts', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });
});

describe('summarise', () => {
  const runs = [
    run('json', 'raw-node', 100, 1),
    run('json', 'raw-node', 120, 2),
    run('json', 'raw-node', 110, 3),
    run('json', 'fastify', 80),
    run('json', 'throughline-bare', 105),
    run('json', 'throughline-default', 90),
    run('route-200', 'fastify', 50),
    run('route-200', 'throughline-bare', 49),
  ];
  const rows = summarise(runs, ['json', 'route-200']);
  const row = (c: CaseId, who: ContenderId) =>
    rows.find((r) => r.caseId === c && r.contenderId === who)!;

  test('takes the median over rounds, and ratios against runs of the same round', () => {
    assert.equal(row('json', 'raw-node').rps, 110);
    assert.equal(row('json', 'raw-node').samples, 3);
    // Only round 1 has both: 105 against raw's round-1 100, not its median 110.
    assert.equal(row('json', 'throughline-bare').vsRaw, 105 / 100);
    assert.equal(row('json', 'throughline-bare').vsFastify, 105 / 80);
  });

  test('a paired ratio is the median of the per-round ratios', () => {
    const paired = [
      run('json', 'raw-node', 100, 1),
      run('json', 'throughline-bare', 90, 1),
      run('json', 'raw-node', 50, 2),
      run('json', 'throughline-bare', 50, 2),
      run('json', 'raw-node', 200, 3),
      run('json', 'throughline-bare', 190, 3),
    ];
    assert.equal(pairedRatio(paired, 'json', 'throughline-bare', 'raw-node'), 0.95);
    assert.equal(pairedRatio(paired, 'json', 'throughline-bare', 'fastify'), undefined);
  });

  test('holds only the subjects to targets: bare against raw on json and fastify everywhere', () => {
    assert.deepEqual(row('json', 'raw-node').targets, []);
    assert.deepEqual(row('json', 'fastify').targets, []);
    assert.deepEqual(
      row('json', 'throughline-bare').targets.map((t) => [t.against, t.pass]),
      [
        ['raw node:http', true],
        ['fastify', true],
      ],
    );
    const routeTargets = row('route-200', 'throughline-bare').targets;
    assert.deepEqual(
      routeTargets.map((t) => [t.against, t.pass]),
      [['fastify', false]],
    );
  });

  test('the default pipeline is not held to raw node:http, only to the Fastify contenders', () => {
    // 90 req/s is 0.9× raw, but no raw target applies; 90/80 passes fastify ≥ 1.
    assert.deepEqual(
      row('json', 'throughline-default').targets.map((t) => [t.against, t.minimum, t.pass]),
      [['fastify', 1, true]],
    );
  });

  test('the server CPU per request is the core share over the throughput, as µs', () => {
    // 0.99 of a core for 110 req/s: 9,000 µs a request.
    assert.equal(Math.round(row('json', 'raw-node').cpuUsPerRequest!), 9000);
    assert.match(formatTable(rows), /\| server µs\/req \|/);
    assert.equal(cpuPerRequest({ ...runs[0]!, serverCpu: undefined }), undefined);
  });

  test('prints PASS and MISS in the table', () => {
    const table = formatTable(rows);
    assert.match(table, /throughline \(bare\).*PASS raw ≥ 0\.95, PASS fastify ≥ 1\.00/);
    assert.match(table, /route-200.*throughline \(bare\).*MISS fastify ≥ 1\.00/);
  });
});

describe('targets of the default pipeline', () => {
  const runs = [
    run('json', 'fastify', 100),
    run('json', 'fastify-matched', 70),
    run('json', 'throughline-default', 100),
    run('post-validated', 'fastify', 100),
    run('post-validated', 'fastify-matched', 60),
    run('post-validated', 'throughline-default', 120),
  ];
  const rows = summarise(runs, ['json', 'post-validated']);
  const row = (c: CaseId, who: ContenderId) =>
    rows.find((r) => r.caseId === c && r.contenderId === who)!;

  test('≥ 1.0× fastify on the GET cases and ≥ 1.3× fastify + plugins', () => {
    assert.deepEqual(
      row('json', 'throughline-default').targets.map((t) => [t.against, t.minimum, t.pass]),
      [
        ['fastify', 1, true],
        ['fastify + plugins', 1.3, true],
      ],
    );
    assert.equal(row('json', 'throughline-default').vsMatched, 100 / 70);
  });

  test('≥ 1.25× fastify on the validated POST', () => {
    // 1.2× bare Fastify misses 1.25; 2× fastify + plugins passes 1.3.
    assert.deepEqual(
      row('post-validated', 'throughline-default').targets.map((t) => [
        t.against,
        t.minimum,
        t.pass,
      ]),
      [
        ['fastify', 1.25, false],
        ['fastify + plugins', 1.3, true],
      ],
    );
  });

  test('the baselines get ratios but no targets: fastify + plugins against bare fastify', () => {
    assert.equal(row('json', 'fastify-matched').vsFastify, 0.7);
    assert.deepEqual(row('json', 'fastify-matched').targets, []);
  });

  test('the table has a fastify + plugins column and prints its verdicts', () => {
    const table = formatTable(rows);
    assert.match(table, /\| × fastify \+ plugins \|/);
    assert.match(
      table,
      /post-validated.*throughline \(default pipeline\).*1\.20×.*2\.00×.*MISS fastify ≥ 1\.25, PASS fastify\+plugins ≥ 1\.30/,
    );
  });

  test('the run header states every target, one line per subject', () => {
    assert.deepEqual(describeTargets(), [
      'throughline (bare): ≥ 0.95× raw node:http on plaintext/json; ≥ 1.00× fastify on every case',
      'throughline (default pipeline): ≥ 1.00× fastify on plaintext/json/route-200; ≥ 1.25× fastify on post-validated; ≥ 1.30× fastify + plugins on every case',
      'throughline (pipeline, tracing 10 %): ≥ 0.95× metrics off on json/post-validated',
    ]);
  });
});

describe('warnings', () => {
  test('a starved server and a saturated load generator are both flagged', () => {
    const base = run('json', 'fastify', 1000);
    const warnings = runWarnings({ ...base, serverCpu: 0.6, loadCpu: 0.97 }, 'wrk');
    assert.equal(warnings.length, 2);
    assert.match(warnings[0]!, /server used only 60%/);
    assert.match(warnings[1]!, /wrk used 97%/);
  });

  test('a run disturbed by other processes says so instead of blaming the load generator', () => {
    const base = run('json', 'fastify', 1000);
    const warnings = runWarnings({ ...base, serverCpu: 0.6, othersCpu: 0.8 }, 'wrk');
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /other processes used 80%/);
  });
});

describe('route table', () => {
  test('200 distinct routes including the one the route-200 case requests', () => {
    assert.equal(GENERATED_ROUTES.length, 200);
    assert.equal(new Set(GENERATED_ROUTES).size, 200);
    assert.ok(GENERATED_ROUTES.includes(ROUTE_200_PATTERN));
    assert.equal(GENERATED_ROUTES.filter((p) => p.includes('*')).length, 5);
  });

  test('Fastify spelling of a named wildcard', () => {
    assert.equal(fastifyPattern('/users/:id/files/*path'), '/users/:id/files/*');
    assert.equal(fastifyPattern('/users/:id'), '/users/:id');
  });
});
