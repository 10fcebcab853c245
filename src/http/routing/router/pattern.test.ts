import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InvalidRoutePatternError, parsePattern, type PatternSegment } from './pattern.ts';

/** A comparable summary of a parsed pattern. */
function shape(pattern: string): string[] {
  return parsePattern(pattern).map((segment: PatternSegment) => {
    switch (segment.kind) {
      case 'static':
        return `static:${segment.keys.join('|')}`;
      case 'param':
        return `param:${segment.name}`;
      case 'constrained':
        return `constrained:${segment.name}=${segment.regex.source}`;
      case 'wildcard':
        return `wildcard:${segment.name}`;
    }
  });
}

describe('parsePattern', () => {
  test('root and trailing slash are empty static segments', () => {
    assert.deepEqual(shape('/'), ['static:']);
    assert.deepEqual(shape('/a'), ['static:a']);
    assert.deepEqual(shape('/a/'), ['static:a', 'static:']);
  });

  test('parameters, both constraint spellings and wildcards', () => {
    assert.deepEqual(shape('/u/:id/{n:\\d+}/:c([a-z]+)/{plain}/*rest'), [
      'static:u',
      'param:id',
      'constrained:n=^(?:\\d+)$',
      'constrained:c=^(?:[a-z]+)$',
      'param:plain',
      'wildcard:rest',
    ]);
  });

  test('regexes may contain "/", nested groups, braces and escaped brackets', () => {
    assert.deepEqual(shape('/{v:[^/]+}/x'), ['constrained:v=^(?:[^/]+)$', 'static:x']);
    assert.deepEqual(shape('/:v((a|b)(c))'), ['constrained:v=^(?:(a|b)(c))$']);
    assert.deepEqual(shape('/{v:\\d{2,3}}'), ['constrained:v=^(?:\\d{2,3})$']);
    assert.deepEqual(shape('/:v(\\))'), ['constrained:v=^(?:\\))$']);
    assert.deepEqual(shape('/:v([)])'), ['constrained:v=^(?:[)])$']);
  });

  test('anchors the regex to the whole segment', () => {
    const [segment] = parsePattern('/{fmt:json|xml}');
    assert.ok(segment?.kind === 'constrained');
    assert.equal(segment.regex.test('json'), true);
    assert.equal(segment.regex.test('jsonx'), false);
    assert.equal(segment.regex.test('xjson'), false);
  });

  test('a static segment with non-ASCII characters also carries its encoded form', () => {
    assert.deepEqual(shape('/café/x'), ['static:café|caf%C3%A9', 'static:x']);
    assert.deepEqual(shape('/caf%C3%A9'), ['static:caf%C3%A9']);
  });

  test('a colon or brace inside a static segment is literal', () => {
    assert.deepEqual(shape('/a:b/c{d}'), ['static:a:b', 'static:c{d}']);
  });

  test('errors name the pattern', () => {
    assert.throws(
      () => parsePattern('/a/*rest/b'),
      (error: unknown) =>
        error instanceof InvalidRoutePatternError &&
        error.pattern === '/a/*rest/b' &&
        error.message.includes('"/a/*rest/b"'),
    );
  });
});
