import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServerTiming } from './server-timing.ts';

/** A clock the test moves by hand, so durations are exact. */
function manualClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

test('no metrics → no header', () => {
  assert.equal(createServerTiming().header(), undefined);
});

test('start/end measures with the clock and formats dur with 1–3 decimals', () => {
  const clock = manualClock();
  const timing = createServerTiming(clock.now);
  timing.start('db', 'orders query');
  clock.advance(12.5);
  assert.equal(timing.end('db'), 12.5);
  timing.start('render');
  clock.advance(3);
  timing.end('render');
  timing.add('cache', 0.12345);
  assert.equal(timing.header(), 'db;dur=12.5;desc="orders query", render;dur=3.0, cache;dur=0.123');
});

test('end without start is ignored; unended measurements are left out', () => {
  const timing = createServerTiming(manualClock().now);
  assert.equal(timing.end('never'), undefined);
  timing.start('open');
  timing.add('done', 1);
  assert.equal(timing.header(), 'done;dur=1.0');
});

test('durations are clamped at zero and non-finite ones dropped', () => {
  const timing = createServerTiming();
  timing.add('neg', -5);
  timing.add('nan', Number.NaN);
  assert.equal(timing.header(), 'neg;dur=0.0');
});

test('descriptions are quoted, escaped and stripped of header-breaking characters', () => {
  const timing = createServerTiming();
  timing.add('q', 1, 'say "hi" \\ now\r\nX-Injected: 1');
  assert.equal(timing.header(), 'q;dur=1.0;desc="say \\"hi\\" \\\\ nowX-Injected: 1"');
});

test('names must be tokens', () => {
  const timing = createServerTiming();
  for (const bad of ['', 'has space', 'semi;colon', 'a,b', 'quote"', 'é']) {
    assert.throws(
      () => {
        timing.add(bad, 1);
      },
      TypeError,
      bad,
    );
  }
  timing.add("ok-name_1.2!#$%&'*+^`|~", 1);
  assert.ok(timing.header()?.startsWith("ok-name_1.2!#$%&'*+^`|~;dur="));
});

test('the number of metrics is capped', () => {
  const timing = createServerTiming();
  for (let i = 0; i < 100; i++) timing.add(`m${i}`, 1);
  assert.equal(timing.header()?.split(', ').length, 32);
});
