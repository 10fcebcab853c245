import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Breakers } from './breakers.ts';
import { createCircuitBreaker, type BreakerState } from './circuit-breaker.ts';

describe('circuit breaker', () => {
  test('opens after repeated failures, lets one trial through after the cooldown', () => {
    let now = 0;
    const seen: string[] = [];
    const breaker = createCircuitBreaker(
      { failures: 2, cooldownMs: 100 },
      () => now,
      (f, t) => {
        seen.push(`${f}>${t}`);
      },
    );
    assert.ok(breaker.tryAcquire());
    breaker.failed();
    assert.equal(breaker.state(), 'closed');
    breaker.failed();
    assert.equal(breaker.state(), 'open');
    assert.equal(breaker.tryAcquire(), false);
    assert.equal(breaker.retryInMs(), 100);
    now = 100;
    assert.equal(breaker.state(), 'half-open');
    assert.equal(breaker.tryAcquire(), true);
    assert.equal(breaker.tryAcquire(), false, 'one trial at a time');
    breaker.failed();
    assert.equal(breaker.state(), 'open', 'a failed trial opens it again');
    now = 200;
    assert.ok(breaker.tryAcquire());
    breaker.succeeded();
    assert.equal(breaker.state(), 'closed');
    assert.deepEqual(seen, [
      'closed>open',
      'open>half-open',
      'half-open>open',
      'open>half-open',
      'half-open>closed',
    ]);
  });

  test('a trial that never reports back stops blocking after another cooldown', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ failures: 1, cooldownMs: 100 }, () => now);
    breaker.failed();
    now = 100;
    assert.ok(breaker.tryAcquire());
    now = 150;
    assert.equal(breaker.tryAcquire(), false);
    now = 200;
    assert.ok(breaker.tryAcquire());
  });

  test('a released call counts for nothing and frees the half-open trial', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ failures: 2, cooldownMs: 100 }, () => now);
    breaker.failed();
    assert.ok(breaker.tryAcquire());
    breaker.released();
    breaker.failed();
    assert.equal(breaker.state(), 'open', 'the release did not reset the count of failures');
    now = 100;
    assert.ok(breaker.tryAcquire());
    breaker.released();
    assert.equal(breaker.state(), 'half-open');
    assert.ok(breaker.tryAcquire(), 'the next call may try at once');
  });
});

describe('breakers', () => {
  test('a family keeps the most recently used keys and folds the rest into other', () => {
    const breakers = new Breakers(() => 0);
    const hosts = breakers.family('webhook', { failures: 1, cooldownMs: 1000 }, 3);
    for (let i = 0; i < 50; i++) hosts.get(`host-${i}.example`).failed();
    const states = breakers.states();
    assert.equal(states.length, 3);
    assert.deepEqual(
      states.map((s) => s.breaker),
      ['webhook:host-47.example', 'webhook:host-48.example', 'webhook:host-49.example'],
    );
    const transitions = breakers.transitions();
    assert.ok(transitions.length <= 4, JSON.stringify(transitions));
    const opened = transitions
      .filter((t) => t.to === ('open' satisfies BreakerState))
      .reduce((sum, t) => sum + t.count, 0);
    assert.equal(opened, 50, 'every opening still counted');
    assert.ok(transitions.some((t) => t.breaker === 'webhook:other'));
  });

  test('a used key is kept over older ones', () => {
    const breakers = new Breakers(() => 0);
    const hosts = breakers.family('webhook', { failures: 1, cooldownMs: 1000 }, 2);
    const a = hosts.get('a');
    hosts.get('b');
    assert.equal(hosts.get('a'), a);
    hosts.get('c');
    assert.deepEqual(
      breakers.states().map((s) => s.breaker),
      ['webhook:a', 'webhook:c'],
    );
  });
});
