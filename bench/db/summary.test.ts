import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadResult } from '../lib/load-result.ts';
import { pathsScript, roundRobinScript } from './load.ts';
import {
  formatDbTable,
  summariseDb,
  targetVerdict,
  type DbCaseId,
  type DbContenderId,
  type DbRun,
} from './summary.ts';

function run(
  round: number,
  contenderId: DbContenderId,
  rps: number | undefined,
  caseId: DbCaseId = 'product-read',
): DbRun {
  const result: LoadResult | undefined =
    rps === undefined
      ? undefined
      : {
          requests: rps,
          durationSec: 1,
          rps,
          latencyMs: { p50: 1, p90: 2, p99: rps / 1000, max: 9 },
          socketErrors: 0,
          badStatus: 0,
        };
  return {
    caseId,
    round,
    contenderId,
    result,
    serverCpu: 1,
    othersCpu: 0,
    error: result ? undefined : 'x',
  };
}

const CONTENDERS = [
  { id: 'throughline-postgres', label: 'throughline + PostgreSQL' },
  { id: 'fastify-pg', label: 'fastify + pg' },
] as const;

describe('database benchmark summary', () => {
  test('ratios are medians of same-round ratios, not ratios of medians', () => {
    const runs = [
      run(1, 'throughline-postgres', 1000),
      run(1, 'fastify-pg', 500),
      run(2, 'throughline-postgres', 3000),
      run(2, 'fastify-pg', 3000),
      run(3, 'throughline-postgres', 2000),
      run(3, 'fastify-pg', 2500),
    ];
    const [subject, baseline] = summariseDb(runs, CONTENDERS);
    assert.equal(subject?.rps, 2000);
    assert.equal(subject?.p99Ms, 2);
    assert.equal(subject?.vsFastifyPg, 1); // ratios 2, 1, 0.8
    assert.equal(baseline?.vsFastifyPg, 1);
    assert.equal(targetVerdict([subject, baseline]), 'PASS');
  });

  test('failed runs are counted and a missing baseline gives no verdict', () => {
    const rows = summariseDb(
      [run(1, 'throughline-postgres', 900), run(1, 'fastify-pg', undefined)],
      CONTENDERS,
    );
    assert.equal(rows[1]?.failedRuns, 1);
    assert.equal(rows[0]?.vsFastifyPg, undefined);
    assert.equal(targetVerdict(rows), undefined);
    assert.match(
      formatDbTable(rows),
      /product-read +\| fastify \+ pg \(1 failed\) +\| +— \| +— \| +—/,
    );
  });

  test('a slower subject misses the target', () => {
    const rows = summariseDb(
      [run(1, 'throughline-postgres', 900), run(1, 'fastify-pg', 1000)],
      CONTENDERS,
    );
    assert.equal(targetVerdict(rows), 'MISS');
  });
});

describe('database benchmark cases', () => {
  test('each case is summarised on its own, and the verdict needs every case', () => {
    const rows = summariseDb(
      [
        run(1, 'throughline-postgres', 1200, 'product-read'),
        run(1, 'fastify-pg', 1000, 'product-read'),
        run(1, 'throughline-postgres', 450, 'product-list'),
        run(1, 'fastify-pg', 500, 'product-list'),
      ],
      CONTENDERS,
    );
    assert.deepEqual(
      rows.map((r) => [r.caseId, r.contenderId, r.rps, r.vsFastifyPg]),
      [
        ['product-read', 'throughline-postgres', 1200, 1.2],
        ['product-read', 'fastify-pg', 1000, 1],
        ['product-list', 'throughline-postgres', 450, 0.9],
        ['product-list', 'fastify-pg', 500, 1],
      ],
    );
    assert.equal(targetVerdict(rows, 'product-read'), 'PASS');
    assert.equal(targetVerdict(rows, 'product-list'), 'MISS');
    assert.equal(targetVerdict(rows), 'MISS');
    assert.match(formatDbTable(rows), /^case +\| contender/);
  });
});

describe('round-robin wrk script', () => {
  test('cycles ids 1..count and keeps the result hook', () => {
    const script = roundRobinScript('/api/v1/products/', 10000);
    assert.match(script, /next_id = next_id % 10000 \+ 1/);
    assert.match(script, /wrk\.format\(nil, "\/api\/v1\/products\/" \.\. next_id\)/);
    assert.match(script, /^done = function/m);
  });

  test('cycles a fixed list of paths', () => {
    const script = pathsScript(['/a?x=1&y=2', '/b"c']);
    assert.match(script, /local paths = \{"\/a\?x=1&y=2", "\/b\\"c"\}/);
    assert.match(script, /next_path = next_path % 2 \+ 1/);
    assert.match(script, /wrk\.format\(nil, paths\[next_path\]\)/);
    assert.match(script, /^done = function/m);
  });
});
