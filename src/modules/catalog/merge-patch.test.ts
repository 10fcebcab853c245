// JSON Merge Patch as RFC 7386 specifies it: the examples of its Appendix A,
// plus the properties the PATCH route relies on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyMergePatch } from './merge-patch.ts';

describe('applyMergePatch', () => {
  test('RFC 7386 Appendix A test cases', () => {
    const cases: [unknown, unknown, unknown][] = [
      [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
      [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
      [{ a: 'b' }, { a: null }, {}],
      [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
      [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
      [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
      [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
      [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
      [
        ['a', 'b'],
        ['c', 'd'],
        ['c', 'd'],
      ],
      [{ a: 'b' }, ['c'], ['c']],
      [{ a: 'foo' }, null, null],
      [{ a: 'foo' }, 'bar', 'bar'],
      [{ e: null }, { a: 1 }, { e: null, a: 1 }],
      [[1, 2], { a: 'b', c: null }, { a: 'b' }],
      [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    ];
    for (const [target, patch, expected] of cases) {
      assert.deepEqual(applyMergePatch(target, patch), expected, JSON.stringify(patch));
    }
  });

  test('absent members stay, null removes, objects merge, arrays replace whole', () => {
    const product = {
      title: 'Old',
      description: '<p>x</p>',
      tags: ['a', 'b'],
      price: { amount: 100, currency: 'EUR' },
    };
    assert.deepEqual(
      applyMergePatch(product, { price: { amount: 90 }, description: null, tags: ['c'] }),
      { title: 'Old', tags: ['c'], price: { amount: 90, currency: 'EUR' } },
    );
  });

  test('an empty patch changes nothing; undefined members count as absent', () => {
    const target = { a: 1, b: { c: 2 } };
    assert.deepEqual(applyMergePatch(target, {}), target);
    assert.deepEqual(applyMergePatch(target, { a: undefined, b: { c: undefined } }), target);
  });

  test('never mutates the target or the patch', () => {
    const target = { a: { b: 1 }, c: [1] };
    const patch = { a: { b: null, d: 2 }, c: [2] };
    const before = structuredClone({ target, patch });
    applyMergePatch(target, patch);
    assert.deepEqual({ target, patch }, before);
  });

  test('a __proto__ member is plain data and cannot change the prototype', () => {
    const patch = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as unknown;
    const result = applyMergePatch({}, patch) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(result), Object.prototype);
    assert.equal((result as { polluted?: unknown }).polluted, undefined);
    assert.deepEqual(Object.getOwnPropertyDescriptor(result, '__proto__')?.value, {
      polluted: true,
    });
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
  });
});
