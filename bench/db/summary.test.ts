import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LoadResult } from '../lib/load-result.ts';
import { pathsScript, roundRobinScript } from './load.ts';
import {
  compareDb,
  counterDelta,
  formatCacheTable,
  formatComparisons,
  formatDbTable,
  summariseCache,
  summariseDb,
  checkDbTargets,
  formatTargets,
  type CacheCounters,
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

const READ_TARGET = [
  { caseId: 'product-read', subject: 'throughline-postgres', against: 'fastify-pg', minimum: 1.0 },
] as const;

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
    const [check] = checkDbTargets(runs, READ_TARGET);
    assert.equal(check?.ratio, 1);
    assert.equal(check?.throughput, 'PASS');
    // p99s 1, 3, 2 against 0.5, 3, 2.5: medians 2 and 2.5.
    assert.deepEqual([check?.subjectP99Ms, check?.againstP99Ms, check?.latency], [2, 2.5, 'PASS']);
  });

  test('failed runs are counted and a missing baseline gives no verdict', () => {
    const runs = [run(1, 'throughline-postgres', 900), run(1, 'fastify-pg', undefined)];
    const rows = summariseDb(runs, CONTENDERS);
    assert.equal(rows[1]?.failedRuns, 1);
    assert.equal(rows[0]?.vsFastifyPg, undefined);
    const [check] = checkDbTargets(runs, READ_TARGET);
    assert.deepEqual([check?.throughput, check?.latency], ['NOT MEASURED', 'NOT MEASURED']);
    assert.match(
      formatDbTable(rows),
      /product-read +\| fastify \+ pg \(1 failed\) +\| +— \| +— \| +—/,
    );
  });

  test('a slower subject misses the throughput target, a higher p99 the latency one', () => {
    const [slower] = checkDbTargets(
      [run(1, 'throughline-postgres', 900), run(1, 'fastify-pg', 1000)],
      READ_TARGET,
    );
    assert.deepEqual([slower?.throughput, slower?.latency], ['MISS', 'PASS']);
    const [faster] = checkDbTargets(
      [run(1, 'throughline-postgres', 1100), run(1, 'fastify-pg', 1000)],
      READ_TARGET,
    );
    assert.deepEqual([faster?.throughput, faster?.latency], ['PASS', 'MISS']);
  });
});

describe('database benchmark cases', () => {
  test('each case is summarised and judged on its own; unmeasured targets say so', () => {
    const runs = [
      run(1, 'throughline-postgres', 1200, 'product-read'),
      run(1, 'fastify-pg', 1000, 'product-read'),
      run(1, 'throughline-postgres', 450, 'product-list'),
      run(1, 'fastify-pg', 500, 'product-list'),
    ];
    const rows = summariseDb(runs, CONTENDERS);
    assert.deepEqual(
      rows.map((r) => [r.caseId, r.contenderId, r.rps, r.vsFastifyPg]),
      [
        ['product-read', 'throughline-postgres', 1200, 1.2],
        ['product-read', 'fastify-pg', 1000, 1],
        ['product-list', 'throughline-postgres', 450, 0.9],
        ['product-list', 'fastify-pg', 500, 1],
      ],
    );
    const checks = checkDbTargets(runs);
    assert.deepEqual(
      checks.map((c) => [c.target.caseId, c.target.subject, c.target.against, c.throughput]),
      [
        ['product-read', 'throughline-postgres', 'fastify-pg', 'PASS'],
        ['product-list', 'throughline-postgres', 'fastify-pg', 'MISS'],
        ['product-read', 'throughline-postgres-cached', 'fastify-pg-cached', 'NOT MEASURED'],
        ['product-read', 'throughline-postgres-cached', 'fastify-matched-cached', 'NOT MEASURED'],
      ],
    );
    const labels = new Map(CONTENDERS.map((c) => [c.id, c.label] as const));
    assert.match(
      formatTargets(checks, labels),
      /product-read \| throughline \+ PostgreSQL ≥ 1\.20× fastify \+ pg +\| +1\.20× \| +PASS \| +1\.20 \/ 1\.00 \| +MISS/,
    );
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

function counters(overrides: Partial<CacheCounters>): CacheCounters {
  return {
    hits: 0,
    localHits: 0,
    misses: 0,
    staleServed: 0,
    coalesced: 0,
    loads: 0,
    errors: 0,
    ...overrides,
  };
}

const CACHE_CONTENDERS = [
  { id: 'throughline-postgres', label: 'throughline + PostgreSQL' },
  { id: 'fastify-pg', label: 'fastify + pg' },
  { id: 'throughline-postgres-cached', label: 'throughline cached' },
  { id: 'throughline-postgres-redis', label: 'throughline Redis cache' },
  { id: 'fastify-pg-cached', label: 'fastify cached' },
] as const;

describe('product cache comparisons', () => {
  test('contenders without runs in a case get no row there', () => {
    const rows = summariseDb(
      [
        run(1, 'throughline-postgres', 1000, 'product-read'),
        run(1, 'fastify-pg', 1000, 'product-read'),
        run(1, 'throughline-postgres-cached', 3000, 'product-read'),
        run(1, 'throughline-postgres', 400, 'product-list'),
        run(1, 'fastify-pg', 500, 'product-list'),
      ],
      CACHE_CONTENDERS,
    );
    assert.deepEqual(
      rows.map((r) => [r.caseId, r.contenderId, r.vsFastifyPg]),
      [
        ['product-read', 'throughline-postgres', 1],
        ['product-read', 'fastify-pg', 1],
        ['product-read', 'throughline-postgres-cached', 3],
        ['product-list', 'throughline-postgres', 0.8],
        ['product-list', 'fastify-pg', 1],
      ],
    );
  });

  test('ratios pair each round, p99s are medians, and pairs with a side missing are left out', () => {
    const runs = [
      run(1, 'throughline-postgres', 1000),
      run(1, 'throughline-postgres-cached', 4000),
      run(1, 'fastify-pg-cached', 2000),
      run(2, 'throughline-postgres', 2000),
      run(2, 'throughline-postgres-cached', 4000),
      run(2, 'fastify-pg-cached', 5000),
      run(3, 'throughline-postgres', 3000),
      run(3, 'throughline-postgres-cached', 9000),
      run(3, 'fastify-pg-cached', undefined),
      run(1, 'throughline-postgres', 300, 'product-list'),
    ];
    const rows = compareDb(runs);
    assert.deepEqual(
      rows.map((r) => [r.caseId, r.label, r.ratio, r.subjectP99Ms, r.baselineP99Ms]),
      [
        // ratios 4, 2, 3 → 3; medians of p99 (rps / 1000): 4 and 2.
        ['product-read', 'throughline cached ÷ uncached', 3, 4, 2],
        // round 3 has no Fastify result: ratios 2 and 0.8 → 1.4; its p99 median is of 2 and 5.
        ['product-read', 'throughline cached ÷ fastify cached', 1.4, 4, 3.5],
        // fastify-pg was not measured: no row, rather than an empty one.
      ],
    );
    assert.match(
      formatComparisons(rows),
      /product-read \| throughline cached ÷ fastify cached \| +1\.40× \| +4\.00 \/ 3\.50/,
    );
  });

  test('counter readings are differenced per run and summed per contender', () => {
    assert.deepEqual(
      counterDelta(
        counters({ hits: 10, localHits: 4, loads: 3 }),
        counters({ hits: 110, localHits: 84, loads: 5, staleServed: 2 }),
      ),
      counters({ hits: 100, localHits: 80, loads: 2, staleServed: 2 }),
    );
    const withCache = (
      round: number,
      id: DbContenderId,
      rps: number,
      cache: CacheCounters,
    ): DbRun => ({ ...run(round, id, rps), cache });
    const rows = summariseCache(
      [
        withCache(1, 'throughline-postgres-cached', 900, counters({ hits: 900, localHits: 600 })),
        withCache(
          2,
          'throughline-postgres-cached',
          1100,
          counters({ hits: 1000, localHits: 900, loads: 10, staleServed: 100 }),
        ),
        withCache(1, 'throughline-postgres-redis', 500, counters({ hits: 500, localHits: 500 })),
        run(1, 'throughline-postgres', 400),
      ],
      CACHE_CONTENDERS,
    );
    assert.deepEqual(
      rows.map((r) => [r.contenderId, r.runs, r.requests, r.counters.hits, r.counters.loads]),
      [
        ['throughline-postgres-cached', 2, 2000, 1900, 10],
        ['throughline-postgres-redis', 1, 500, 500, 0],
      ],
    );
    assert.equal(rows[0]?.localShare, 1500 / 1900);
    assert.equal(rows[0]?.hitsPerLoad, 190);
    assert.equal(rows[1]?.hitsPerLoad, Infinity);
    const text = formatCacheTable(rows);
    assert.match(text, /throughline cached +\| +2,000 \| +1,900 \| 78\.9% \/ 21\.1% \|/);
    assert.match(text, /\| +190$/m);
    assert.match(text, /\| +no loads$/m);
  });
});
