import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from './duration.ts';

test('parses one integer and one unit', () => {
  assert.equal(parseDuration('50ms'), 50);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration(' 1m '), 60_000);
  assert.equal(parseDuration('6h'), 6 * 3_600_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('0s'), 0);
});

test('refuses what it would have to guess at', () => {
  for (const text of ['', '5', 'm', '1.5h', '1m30s', '-1s', '5 s', '5S', '1w', 'soon']) {
    assert.equal(parseDuration(text), undefined, text);
  }
});
