import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looseWords, parseQueryText, toTsquery, wordsOf } from './query-text.ts';

const none = new Map<string, string[]>();

test('words are folded: lower case, accents and width removed', () => {
  assert.deepEqual(wordsOf('Crème BRÛLÉE ｋｅｔｔｌｅ'), ['creme', 'brulee', 'kettle']);
});

test('web-search syntax: words, phrases, exclusions, or', () => {
  assert.equal(toTsquery(parseQueryText('wireless headphones'), none), 'wireless:* & headphones:*');
  assert.equal(
    toTsquery(parseQueryText('"electric kettle" -travel'), none),
    '(electric <-> kettle) & !travel',
  );
  assert.equal(toTsquery(parseQueryText('quietude or rapid'), none), '(quietude:* | rapid:*)');
  // A hyphenated word is a phrase of its parts, as the document indexes them.
  assert.equal(toTsquery(parseQueryText('wi-fi go'), none), '(wi <-> fi) & go');
});

test('corrections join the word and its completions', () => {
  const clauses = parseQueryText('headphnes -studio "a b"');
  assert.deepEqual(looseWords(clauses), ['headphnes']);
  assert.equal(
    toTsquery(clauses, new Map([['headphnes', ['headphones']]])),
    '(headphnes:* | headphones) & !studio & (a <-> b)',
  );
});

test('the highlight query accepts any word and drops exclusions', () => {
  assert.equal(
    toTsquery(parseQueryText('quietude battery -x'), none, 'any'),
    'quietude:* | battery:*',
  );
});

test('nothing of tsquery syntax survives from the input', () => {
  for (const text of ["a:* & b' | !(c) <-> d\\", "'); drop table products; --", '"unclosed']) {
    const expression = toTsquery(parseQueryText(text), none);
    assert.match(expression, /^[\p{L}\p{N}:*&|!()<\-> ]*$/u, expression);
    assert.doesNotMatch(expression, /['\\;]/);
  }
  assert.deepEqual(parseQueryText('!!! -- ""'), []);
});
