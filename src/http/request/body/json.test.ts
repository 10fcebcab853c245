import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAppError } from '../../../errors/index.ts';
import { parseJsonText } from './json.ts';
import { locateJsonSyntaxError } from './json-syntax.ts';

function failure(text: string, maxDepth = 64): { code: string; detail: string } {
  try {
    parseJsonText(text, maxDepth);
  } catch (error) {
    assert.ok(isAppError(error), String(error));
    return { code: error.code, detail: error.detail ?? '' };
  }
  assert.fail(`expected ${JSON.stringify(text.slice(0, 40))} to be rejected`);
}

describe('parseJsonText', () => {
  test('parses scalars, arrays and objects', () => {
    assert.equal(parseJsonText('"x"', 64), 'x');
    assert.equal(parseJsonText(' null ', 64), null);
    assert.deepEqual(parseJsonText('{"a":[1,{"b":true}]}', 64), { a: [1, { b: true }] });
  });

  test('allows exactly maxDepth levels and rejects one more', () => {
    const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
    assert.ok(Array.isArray(parseJsonText(nested(3), 3)));
    assert.deepEqual(failure(nested(4), 3).code, 'HTTP_MALFORMED_BODY');
    assert.deepEqual(failure('{"a":{"b":{"c":{}}}}', 3).code, 'HTTP_MALFORMED_BODY');
    assert.equal(parseJsonText('{"a":[{"b":1}]}', 3) !== undefined, true);
  });

  test('rejects very deep nesting without overflowing the stack', () => {
    const depth = 500_000;
    const { code } = failure('{"a":'.repeat(depth) + '1' + '}'.repeat(depth));
    assert.equal(code, 'HTTP_MALFORMED_BODY');
  });

  test('refuses __proto__, constructor and prototype keys at every depth', () => {
    for (const text of [
      '{"__proto__":{"x":1},"ok":1}',
      '{"ok":1,"constructor":1}',
      '{"list":[{"ok":[{"prototype":2}]}]}',
      // "\u005f_proto__" parses to the same key.
      '{"\\u005f_proto__":{"polluted":true},"ok":1}',
    ]) {
      const { code, detail } = failure(text);
      assert.equal(code, 'HTTP_MALFORMED_BODY', text);
      assert.match(detail, /a member named "(__proto__|constructor|prototype)"/);
    }
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  test('a value that merely mentions a prototype key is kept', () => {
    assert.deepEqual(parseJsonText('{"note":"the constructor of __proto__"}', 8), {
      note: 'the constructor of __proto__',
    });
  });

  test('a flat body within the limit is returned as parsed', () => {
    assert.deepEqual(parseJsonText('{"a":[1,2,{"b":"c"}]}', 3), { a: [1, 2, { b: 'c' }] });
    assert.throws(() => parseJsonText('{"a":[1,2,{"b":[]}]}', 3), { code: 'HTTP_MALFORMED_BODY' });
  });

  test('reports line and column of malformed input without quoting it', () => {
    const { code, detail } = failure('{\n  "secret": "hunter2",\n  "b": [1 2]\n}');
    assert.equal(code, 'HTTP_MALFORMED_JSON');
    assert.match(detail, /line 3, column 11/);
    assert.ok(!detail.includes('hunter2'));
  });
});

describe('locateJsonSyntaxError', () => {
  test('returns undefined for valid JSON', () => {
    for (const text of ['0', '-1.5e+3', '"\\u00e9\\n"', '[]', '{}', ' [ {"a" : [ ] } ] ']) {
      assert.equal(locateJsonSyntaxError(text), undefined, text);
    }
  });

  test('names the fault and its offset', () => {
    const cases: readonly [string, number, RegExp][] = [
      ['', 0, /end of input/],
      ['{"a":1,}', 7, /property name/],
      ['{"a" 1}', 5, /':'/],
      ['[1,2', 4, /end of input/],
      ['[1 2]', 3, /',' or ']'/],
      ['{"a":1 "b"}', 7, /',' or '}'/],
      ['"abc', 4, /unterminated/],
      ['"a\\qb"', 2, /escape/],
      ['"\\u12G4"', 1, /\\u escape/],
      ['"a\u0001"', 2, /control character/],
      ['nul', 3, /end of input/],
      ['tru}', 0, /expected a value/],
      ['-', 0, /invalid number/],
      ['1 2', 2, /after the JSON value/],
      ['[01]', 2, /',' or ']'/],
    ];
    for (const [text, offset, reason] of cases) {
      const fault = locateJsonSyntaxError(text);
      assert.equal(fault?.offset, offset, text);
      assert.match(fault.reason, reason, text);
      assert.throws(() => JSON.parse(text), SyntaxError, 'the locator and V8 must agree');
    }
  });

  test('copes with 1M levels of nesting', () => {
    const fault = locateJsonSyntaxError('['.repeat(1_000_000));
    assert.equal(fault?.reason, 'unexpected end of input');
  });
});
