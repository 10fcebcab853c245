import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statementTimeoutChange } from './statement-timeout-setting.ts';

test('reads SET statement_timeout in its plain forms, as milliseconds', () => {
  assert.deepEqual(statementTimeoutChange('set statement_timeout = 5000'), {
    scope: 'session',
    ms: 5000,
  });
  assert.deepEqual(statementTimeoutChange("SET SESSION statement_timeout TO '30s';"), {
    scope: 'session',
    ms: 30_000,
  });
  assert.deepEqual(statementTimeoutChange("set local statement_timeout = '50ms'"), {
    scope: 'local',
    ms: 50,
  });
  assert.deepEqual(statementTimeoutChange("set statement_timeout = '2min'"), {
    scope: 'session',
    ms: 120_000,
  });
  assert.deepEqual(statementTimeoutChange("set statement_timeout = '1.5 h'"), {
    scope: 'session',
    ms: 5_400_000,
  });
});

test('long blank runs around the value are read in one pass', () => {
  const blanks = ' '.repeat(50_000);
  assert.deepEqual(statementTimeoutChange(`set statement_timeout = 25${blanks};${blanks}`), {
    scope: 'session',
    ms: 25,
  });
  assert.deepEqual(statementTimeoutChange(`set statement_timeout =${blanks}'7s' ;`), {
    scope: 'session',
    ms: 7000,
  });
  assert.deepEqual(statementTimeoutChange(`set statement_timeout = 1${blanks}x;`), {
    scope: 'session',
    ms: Infinity,
  });
});

test('a lifted or unreadable limit is no limit', () => {
  assert.deepEqual(statementTimeoutChange('set statement_timeout = 0'), {
    scope: 'session',
    ms: Infinity,
  });
  assert.deepEqual(statementTimeoutChange("set statement_timeout = '0'"), {
    scope: 'session',
    ms: Infinity,
  });
  assert.deepEqual(statementTimeoutChange("set statement_timeout = 'soon'"), {
    scope: 'session',
    ms: Infinity,
  });
});

test('RESET, DISCARD ALL and DEFAULT go back to the pool default', () => {
  for (const text of [
    'reset statement_timeout',
    'RESET ALL;',
    'discard all',
    'set statement_timeout to default',
  ]) {
    assert.deepEqual(statementTimeoutChange(text), { scope: 'default' }, text);
  }
});

test('leaves every other statement alone', () => {
  for (const text of [
    'select 1',
    'set lock_timeout = 0',
    "select set_config('statement_timeout', '0', false)",
    'set local statement_timeout to default',
    "insert into notes (body) values ('set statement_timeout = 0')",
  ]) {
    assert.equal(statementTimeoutChange(text), undefined, text);
  }
});
