import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluatePreconditions,
  ifMatchMatches,
  ifNoneMatchMatches,
  parseEtagList,
  strongEtag,
  strongMatch,
  weakEtag,
  weakMatch,
} from './etag.ts';

describe('entity tags', () => {
  test('strong tags are quoted, stable, and change with the content', () => {
    const tag = strongEtag('hello');
    assert.match(tag, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(strongEtag(Buffer.from('hello')), tag);
    assert.notEqual(strongEtag('hello!'), tag);
  });

  test('weak tags carry the W/ prefix over the same digest', () => {
    assert.equal(weakEtag('hello'), `W/${strongEtag('hello')}`);
  });

  test('comparison functions (RFC 9110 §8.8.3.2 table)', () => {
    assert.equal(strongMatch('W/"1"', 'W/"1"'), false);
    assert.equal(weakMatch('W/"1"', 'W/"1"'), true);
    assert.equal(strongMatch('W/"1"', 'W/"2"'), false);
    assert.equal(weakMatch('W/"1"', 'W/"2"'), false);
    assert.equal(strongMatch('W/"1"', '"1"'), false);
    assert.equal(weakMatch('W/"1"', '"1"'), true);
    assert.equal(strongMatch('"1"', '"1"'), true);
    assert.equal(weakMatch('"1"', '"1"'), true);
  });
});

describe('parseEtagList', () => {
  test('splits tags, keeps W/, and respects commas inside quotes', () => {
    assert.deepEqual(parseEtagList('"a", W/"b" ,"c,d"'), ['"a"', 'W/"b"', '"c,d"']);
  });

  test('recognises * and skips malformed members', () => {
    assert.deepEqual(parseEtagList('*'), ['*']);
    assert.deepEqual(parseEtagList('abc, "ok", W/x, "unterminated'), ['"ok"']);
    assert.deepEqual(parseEtagList(undefined), []);
  });
});

describe('ifNoneMatchMatches (weak comparison)', () => {
  test('weak and strong forms of the same tag match', () => {
    assert.equal(ifNoneMatchMatches('W/"x"', '"x"'), true);
    assert.equal(ifNoneMatchMatches('"x"', 'W/"x"'), true);
    assert.equal(ifNoneMatchMatches('"a", "x"', '"x"'), true);
    assert.equal(ifNoneMatchMatches('"a"', '"x"'), false);
  });

  test('* matches only an existing representation', () => {
    assert.equal(ifNoneMatchMatches('*', '"x"'), true);
    assert.equal(ifNoneMatchMatches('*', undefined), false);
    assert.equal(ifNoneMatchMatches('*', undefined, true), true);
  });

  test('absent header never matches', () => {
    assert.equal(ifNoneMatchMatches(undefined, '"x"'), false);
  });
});

describe('ifMatchMatches (strong comparison)', () => {
  test('only identical strong tags match', () => {
    assert.equal(ifMatchMatches('"x"', '"x"'), true);
    assert.equal(ifMatchMatches('"a", "x"', '"x"'), true);
    assert.equal(ifMatchMatches('W/"x"', '"x"'), false);
    assert.equal(ifMatchMatches('W/"x"', 'W/"x"'), false);
    assert.equal(ifMatchMatches('"x"', 'W/"x"'), false);
  });

  test('* matches any current representation, even one with a weak tag', () => {
    assert.equal(ifMatchMatches('*', 'W/"x"'), true);
    assert.equal(ifMatchMatches('*', undefined), false);
    assert.equal(ifMatchMatches('*', undefined, true), true);
  });

  test('absent header is satisfied', () => {
    assert.equal(ifMatchMatches(undefined, '"x"'), true);
  });
});

describe('evaluatePreconditions (RFC 9110 §13.2.2)', () => {
  const etag = '"v2"';
  const lastModified = new Date('2024-05-01T12:00:00.750Z');
  const before = 'Wed, 01 May 2024 11:00:00 GMT';
  const same = 'Wed, 01 May 2024 12:00:00 GMT';

  test('no conditional headers → ok', () => {
    assert.equal(evaluatePreconditions({ method: 'GET', etag, lastModified }), 'ok');
  });

  test('If-None-Match match: 304 for GET/HEAD, 412 otherwise', () => {
    for (const method of ['GET', 'HEAD', 'get']) {
      assert.equal(evaluatePreconditions({ method, ifNoneMatch: 'W/"v2"', etag }), 'not-modified');
    }
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifNoneMatch: '"v2"', etag }),
      'precondition-failed',
    );
  });

  test('If-None-Match: * on create: 412 when the resource exists, ok when not', () => {
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifNoneMatch: '*', etag }),
      'precondition-failed',
    );
    assert.equal(evaluatePreconditions({ method: 'PUT', ifNoneMatch: '*' }), 'ok');
  });

  test('If-Match failure → 412, for any method', () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      assert.equal(evaluatePreconditions({ method, ifMatch: '"v1"', etag }), 'precondition-failed');
    }
    assert.equal(evaluatePreconditions({ method: 'PUT', ifMatch: '"v2"', etag }), 'ok');
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifMatch: 'W/"v2"', etag }),
      'precondition-failed',
    );
  });

  test('If-Match is checked before If-None-Match', () => {
    const input = { method: 'GET', ifMatch: '"v1"', ifNoneMatch: '"v2"', etag };
    assert.equal(evaluatePreconditions(input), 'precondition-failed');
  });

  test('If-Unmodified-Since: 412 when modified after the date, ignored with If-Match', () => {
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifUnmodifiedSince: before, lastModified }),
      'precondition-failed',
    );
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifUnmodifiedSince: same, lastModified }),
      'ok',
    );
    assert.equal(
      evaluatePreconditions({
        method: 'PUT',
        ifMatch: '"v2"',
        ifUnmodifiedSince: before,
        etag,
        lastModified,
      }),
      'ok',
    );
  });

  test('If-Modified-Since: 304 at one-second resolution, GET/HEAD only', () => {
    assert.equal(
      evaluatePreconditions({ method: 'GET', ifModifiedSince: same, lastModified }),
      'not-modified',
    );
    assert.equal(
      evaluatePreconditions({ method: 'GET', ifModifiedSince: before, lastModified }),
      'ok',
    );
    assert.equal(
      evaluatePreconditions({ method: 'POST', ifModifiedSince: same, lastModified }),
      'ok',
    );
  });

  test('If-Modified-Since is ignored when If-None-Match is present', () => {
    const input = {
      method: 'GET',
      ifNoneMatch: '"other"',
      ifModifiedSince: same,
      etag,
      lastModified,
    };
    assert.equal(evaluatePreconditions(input), 'ok');
  });

  test('invalid dates and missing Last-Modified are ignored', () => {
    assert.equal(
      evaluatePreconditions({ method: 'GET', ifModifiedSince: 'yesterday', lastModified }),
      'ok',
    );
    assert.equal(
      evaluatePreconditions({ method: 'PUT', ifUnmodifiedSince: 'garbage', lastModified }),
      'ok',
    );
    assert.equal(evaluatePreconditions({ method: 'GET', ifModifiedSince: same, etag }), 'ok');
  });
});
