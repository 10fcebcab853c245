// Completions of the query being typed. The words before the last must all
// be in a product (as written); the last is matched as the start of a word
// (edge n-grams on title, brand, category and tags) or, from three letters
// on, as a misspelling of one (fuzzy). The completions are then read from
// the matching products' own words, so each one leads to a product, and a
// deleted product's words go with it:
// first the words the last one starts (shortest, then alphabetical), then
// the words it resembles (nearest first) — PostgreSQL's order.

import { MAX_SUGGESTIONS } from '../../../ports/search.ts';
import { MIN_PREFIX_LENGTH, wordsOf } from '../query-text.ts';
import type { JsonObject } from './index-settings.ts';
import { FUZZY_FIELDS, PREFIX_FIELDS, TEXT_FIELDS } from './query.ts';

/** Products read for their words per call: the best matches, enough for ten completions. */
export const SUGGEST_SAMPLE = 50;
/** The vocabulary PostgreSQL keeps: words of 2 to 40 characters, not bare numbers. */
const TERM = /^(?!\d+$).{2,40}$/u;

export interface SuggestSource {
  readonly title?: string;
  readonly brand?: { readonly name?: string };
  readonly category?: { readonly name?: string };
  readonly tags?: readonly string[];
}

export interface SuggestResponseBody {
  readonly hits: { readonly hits: readonly { readonly _source: SuggestSource }[] };
}

/** The typed words: all but the last (kept), and the last (completed). */
export function splitPrefix(prefix: string): { lead: string[]; last: string } | undefined {
  const words = wordsOf(prefix);
  const last = words.at(-1);
  return last === undefined ? undefined : { lead: words.slice(0, -1), last };
}

export function suggestBody(lead: readonly string[], last: string): JsonObject {
  const ways: JsonObject[] = [{ multi_match: { query: last, fields: PREFIX_FIELDS } }];
  if (last.length >= MIN_PREFIX_LENGTH) {
    ways.push({
      multi_match: { query: last, fields: FUZZY_FIELDS, fuzziness: 'AUTO', prefix_length: 1 },
    });
  }
  return {
    size: SUGGEST_SAMPLE,
    track_total_hits: false,
    _source: ['title', 'brand.name', 'category.name', 'tags'],
    query: {
      bool: {
        must: [
          ...lead.map((word) => ({
            multi_match: { query: word, fields: TEXT_FIELDS, zero_terms_query: 'all' },
          })),
          { bool: { should: ways, minimum_should_match: 1 } },
        ],
      },
    },
  };
}

/** Edits (insert, delete, substitute, swap two neighbours) between two words. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** OpenSearch's AUTO fuzziness: none up to 2 letters, 1 up to 5, 2 beyond. */
export function allowedEdits(word: string): number {
  return word.length <= 2 ? 0 : word.length <= 5 ? 1 : 2;
}

export function toSuggestions(
  body: SuggestResponseBody,
  lead: readonly string[],
  last: string,
  limit = MAX_SUGGESTIONS,
): string[] {
  const found = new Map<string, { tier: number; distance: number }>();
  for (const { _source: source } of body.hits.hits) {
    const text = [source.title, source.brand?.name, source.category?.name, ...(source.tags ?? [])];
    for (const word of wordsOf(text.filter(Boolean).join(' '))) {
      if (found.has(word) || !TERM.test(word)) continue;
      if (word.startsWith(last)) {
        found.set(word, { tier: 0, distance: 0 });
        continue;
      }
      if (last.length < MIN_PREFIX_LENGTH) continue;
      // Against the word whole and its start as long as what was typed:
      // "quietdue" is one swap from "quietude", "headphnoes" from "headphones".
      const distance = Math.min(
        editDistance(last, word),
        editDistance(last, word.slice(0, last.length)),
      );
      if (distance <= allowedEdits(last)) found.set(word, { tier: 1, distance });
    }
  }
  const head = lead.length === 0 ? '' : `${lead.join(' ')} `;
  return [...found]
    .sort(
      ([a, x], [b, y]) =>
        x.tier - y.tier ||
        x.distance - y.distance ||
        a.length - b.length ||
        (a < b ? -1 : a > b ? 1 : 0),
    )
    .slice(0, Math.max(1, Math.min(limit, MAX_SUGGESTIONS)))
    .map(([word]) => head + word);
}
