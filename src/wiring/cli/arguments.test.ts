import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCommandLine } from './arguments.ts';

test('a cursor that starts with a dash is taken as the value of --after', () => {
  for (const cursor of ['-AbC_12', '--x9', '-']) {
    const parsed = parseCommandLine(['products', 'list', '--after', cursor, '--json']);
    assert.equal(parsed.values.after, cursor);
    assert.equal(parsed.values.json, true);
    assert.deepEqual(parsed.positionals, ['products', 'list']);
  }
});

test('an option after a value-taking one is still an option', () => {
  assert.throws(() => parseCommandLine(['products', 'list', '--after', '--json']), {
    code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE',
  });
  const parsed = parseCommandLine(['products', 'list', '--limit', '2', '--after=-Zz', '-h']);
  assert.equal(parsed.values.limit, '2');
  assert.equal(parsed.values.after, '-Zz');
  assert.equal(parsed.values.help, true);
});

test('unknown options are still refused', () => {
  assert.throws(() => parseCommandLine(['products', 'list', '--limt', '2']), {
    code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION',
  });
});
