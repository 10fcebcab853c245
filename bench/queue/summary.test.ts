import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { pairedQueueRatio, perSecond, summariseQueue, type QueueRun } from './summary.ts';

const run = (
  contenderId: QueueRun['contenderId'],
  round: number,
  totalMs: number,
  enqueueMs = totalMs,
): QueueRun => ({ contenderId, round, jobs: 1000, enqueueMs, totalMs });

describe('queue benchmark summary', () => {
  test('jobs per second from a count and milliseconds', () => {
    assert.equal(perSecond(1000, 500), 2000);
    assert.equal(perSecond(1000, 0), 0);
  });

  test('ratios pair rounds: drift that hits both sides of a round cancels', () => {
    // Round 2 is twice as slow for everyone; ours is half raw's speed in both.
    const runs = [
      run('bullmq-raw', 1, 100),
      run('bullmq-adapter', 1, 200),
      run('bullmq-raw', 2, 400),
      run('bullmq-adapter', 2, 800),
    ];
    assert.equal(pairedQueueRatio(runs, 'bullmq-adapter'), 0.5);
    assert.equal(pairedQueueRatio(runs, 'postgres-server'), undefined);
  });

  test('one row per measured contender: medians over rounds, enqueue and end to end apart', () => {
    const runs = [
      run('bullmq-raw', 1, 100),
      run('postgres-pglite', 1, 1000, 250),
      run('bullmq-raw', 2, 100),
      run('postgres-pglite', 2, 2000, 500),
      run('bullmq-raw', 3, 100),
      run('postgres-pglite', 3, 4000, 1000),
    ];
    const rows = summariseQueue(runs, [
      { id: 'postgres-pglite', label: 'pglite' },
      { id: 'postgres-server', label: 'not measured' },
      { id: 'bullmq-raw', label: 'raw' },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.label, r.rounds, r.enqueuePerSec, r.jobsPerSec, r.vsRawBullmq]),
      [
        ['pglite', 3, 2000, 500, 0.05],
        ['raw', 3, 10_000, 10_000, 1],
      ],
    );
  });
});
