// What a shopper typed, read as web-search syntax — the grammar of
// PostgreSQL's websearch_to_tsquery: words are all required, `"…"` is a
// phrase, a leading `-` excludes, `or` between two parts accepts either —
// and written back as a to_tsquery expression that also accepts each word's
// completions and its corrections. Everything that reaches the expression is
// a word of letters and digits (unaccented, lower-cased) or an operator this
// file wrote, so no input can smuggle tsquery syntax of its own; the
// expression is still bound as a parameter, never spliced into SQL.

export interface Part {
  /** One word, or a phrase of several in order. */
  readonly words: readonly string[];
  readonly excluded: boolean;
}

/** Parts that must all hold; each clause holds when any of its alternatives does. */
export type Clause = readonly Part[];

const TOKEN = /"([^"]*)"?|(-?)([^\s"]+)/gu;
const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased, accents removed (as the `unaccent` dictionary does for Latin scripts). */
export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

export function wordsOf(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

export function parseQueryText(text: string): Clause[] {
  const clauses: Part[][] = [];
  let joinNext = false;
  for (const match of text.matchAll(TOKEN)) {
    const [, phrase, minus, bare] = match;
    if (phrase === undefined && bare !== undefined && minus === '' && fold(bare) === 'or') {
      joinNext = clauses.length > 0;
      continue;
    }
    const words = wordsOf(phrase ?? bare ?? '');
    if (words.length === 0) continue;
    // A `-` inside a word (wi-fi) is not an exclusion: only a leading one is.
    const part: Part = { words, excluded: phrase === undefined && minus === '-' };
    const previous = clauses.at(-1);
    if (joinNext && previous !== undefined && !part.excluded) previous.push(part);
    else clauses.push([part]);
    joinNext = false;
  }
  return clauses;
}

/** The single words a query looks for (not excluded, not in a phrase): those worth correcting. */
export function looseWords(clauses: readonly Clause[]): string[] {
  const words = new Set<string>();
  for (const clause of clauses) {
    for (const part of clause) {
      if (!part.excluded && part.words.length === 1) words.add(part.words[0]!);
    }
  }
  return [...words];
}

/** Shorter words are matched whole: as prefixes they match too much to mean anything. */
export const MIN_PREFIX_LENGTH = 3;

/**
 * The to_tsquery expression: each loose word as itself, its completions
 * (`word:*`) and its corrections; phrases as `a <-> b`; exclusions negated.
 * `any` joins the clauses with `|` and leaves exclusions out: the query that
 * marks matches, where a field holding some of the words must show them.
 */
export function toTsquery(
  clauses: readonly Clause[],
  corrections: ReadonlyMap<string, readonly string[]>,
  mode: 'all' | 'any' = 'all',
): string {
  const partText = (part: Part): string => {
    if (part.words.length > 1) {
      const phrase = `(${part.words.join(' <-> ')})`;
      return part.excluded ? `!${phrase}` : phrase;
    }
    const word = part.words[0]!;
    if (part.excluded) return `!${word}`;
    const forms = [word.length >= MIN_PREFIX_LENGTH ? `${word}:*` : word];
    for (const corrected of corrections.get(word) ?? []) forms.push(corrected);
    return forms.length === 1 ? forms[0]! : `(${forms.join(' | ')})`;
  };
  const kept = clauses
    .map((clause) => (mode === 'any' ? clause.filter((part) => !part.excluded) : clause))
    .filter((clause) => clause.length > 0);
  return kept
    .map((clause) =>
      clause.length === 1 ? partText(clause[0]!) : `(${clause.map(partText).join(' | ')})`,
    )
    .join(mode === 'all' ? ' & ' : ' | ');
}
