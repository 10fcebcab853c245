// Route pattern syntax, parsed once at registration:
//
//   /users/all          static segments, matched on the raw request path
//   /users/:id          parameter: one non-empty segment
//   /users/:id(\d+)     constrained parameter, regex anchored to the whole
//   /users/{id:\d+}     decoded segment (both spellings mean the same)
//   /files/*path        named wildcard: the rest of the path, last segment only
//   /docs/              a trailing slash is a segment of its own (empty)
//
// A parameter fills its whole segment: `/:id.json` is refused rather than
// silently taking `id.json` as the name.

import { checkSegment, encodeNonAscii } from './path.ts';

export type PatternSegment =
  /** `keys`: the segment as written, plus its percent-encoded form when that differs. */
  | { readonly kind: 'static'; readonly keys: readonly string[] }
  | { readonly kind: 'param'; readonly name: string }
  | {
      readonly kind: 'constrained';
      readonly name: string;
      readonly source: string;
      readonly regex: RegExp;
    }
  | { readonly kind: 'wildcard'; readonly name: string };

export class InvalidRoutePatternError extends Error {
  override readonly name = 'InvalidRoutePatternError';
  readonly pattern: string;

  constructor(pattern: string, problem: string) {
    super(`Invalid route pattern "${pattern}": ${problem}`);
    this.pattern = pattern;
  }
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_CHAR = /[A-Za-z0-9_]/;
// Characters that cannot appear in a request path (RFC 3986 §3.3): a pattern
// containing them could never match.
const FORBIDDEN_STATIC = /[?#\s]/;

/**
 * Index of the bracket closing the one at `open`, or -1. Skips escapes and
 * character classes so that `{code:[A-Z]{3}}` and `:v([^)/]+)` parse whole.
 */
function findClosing(text: string, open: number, opener: string, closer: string): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < text.length; i++) {
    const char = text[i];
    if (char === '\\') i++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === opener) depth++;
    else if (char === closer && --depth === 0) return i;
  }
  return -1;
}

interface ParsedSegment {
  readonly segment: PatternSegment;
  /** Index just past the segment: the pattern's end or a `/`. */
  readonly next: number;
}

class PatternParser {
  readonly #pattern: string;
  readonly #names = new Set<string>();

  constructor(pattern: string) {
    this.#pattern = pattern;
  }

  fail(problem: string): never {
    throw new InvalidRoutePatternError(this.#pattern, problem);
  }

  parse(): PatternSegment[] {
    const pattern = this.#pattern;
    if (pattern[0] !== '/') this.fail('it must start with "/"');
    const segments: PatternSegment[] = [];
    let start = 1;
    for (;;) {
      const { segment, next } = this.#segmentAt(start);
      segments.push(segment);
      if (next === pattern.length) break;
      if (segment.kind === 'wildcard') {
        this.fail(`wildcard "*${segment.name}" must be the last segment`);
      }
      if (segment.kind === 'static' && segment.keys[0] === '') {
        this.fail('empty segment ("//")');
      }
      start = next + 1;
    }
    return segments;
  }

  #segmentAt(start: number): ParsedSegment {
    const pattern = this.#pattern;
    const first = pattern[start];
    if (first === '{') return this.#braceParam(start);
    if (first === ':') return this.#colonParam(start);
    if (first === '*') {
      const end = this.#nameEnd(start + 1);
      this.#endOfSegment(end, pattern.slice(start, end));
      return { segment: { kind: 'wildcard', name: this.#name(start + 1, end) }, next: end };
    }
    const slash = pattern.indexOf('/', start);
    const next = slash === -1 ? pattern.length : slash;
    return { segment: this.#staticSegment(pattern.slice(start, next)), next };
  }

  #braceParam(start: number): ParsedSegment {
    const close = findClosing(this.#pattern, start, '{', '}');
    if (close === -1) this.fail('unbalanced "{"');
    this.#endOfSegment(close + 1, this.#pattern.slice(start, close + 1));
    const body = this.#pattern.slice(start + 1, close);
    const colon = body.indexOf(':');
    const name = colon === -1 ? body : body.slice(0, colon);
    this.#checkName(name);
    const segment: PatternSegment =
      colon === -1 ? { kind: 'param', name } : this.#constrained(name, body.slice(colon + 1));
    return { segment, next: close + 1 };
  }

  #colonParam(start: number): ParsedSegment {
    const pattern = this.#pattern;
    const nameEnd = this.#nameEnd(start + 1);
    const name = this.#name(start + 1, nameEnd);
    if (pattern[nameEnd] !== '(') {
      this.#endOfSegment(nameEnd, pattern.slice(start, nameEnd));
      return { segment: { kind: 'param', name }, next: nameEnd };
    }
    const close = findClosing(pattern, nameEnd, '(', ')');
    if (close === -1) this.fail('unbalanced "("');
    this.#endOfSegment(close + 1, pattern.slice(start, close + 1));
    return { segment: this.#constrained(name, pattern.slice(nameEnd + 1, close)), next: close + 1 };
  }

  #constrained(name: string, source: string): PatternSegment {
    if (source === '') this.fail(`parameter "${name}" has an empty regular expression`);
    try {
      // Compiled alone first: a source such as `a)|(b` would otherwise break
      // out of the anchoring group below and match partial segments.
      // eslint-disable-next-line security/detect-non-literal-regexp -- route constraints are written in code by the route table, never taken from a request
      new RegExp(source);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.fail(`parameter "${name}" has an invalid regular expression /${source}/: ${why}`);
    }
    // eslint-disable-next-line security/detect-non-literal-regexp -- route constraints are written in code by the route table, never taken from a request
    return { kind: 'constrained', name, source, regex: new RegExp(`^(?:${source})$`) };
  }

  #staticSegment(text: string): PatternSegment {
    if (FORBIDDEN_STATIC.test(text)) this.fail(`segment "${text}" contains "?", "#" or whitespace`);
    const unsafe = checkSegment(text);
    if (unsafe !== null) this.fail(`segment "${text}": ${unsafe}`);
    let encoded: string;
    try {
      encoded = encodeNonAscii(text);
    } catch {
      this.fail(`segment "${text}" is not well-formed Unicode`);
    }
    return { kind: 'static', keys: encoded === text ? [text] : [text, encoded] };
  }

  #nameEnd(from: number): number {
    let end = from;
    while (end < this.#pattern.length && NAME_CHAR.test(this.#pattern[end]!)) end++;
    return end;
  }

  #name(from: number, to: number): string {
    const name = this.#pattern.slice(from, to);
    this.#checkName(name);
    return name;
  }

  #checkName(name: string): void {
    if (name === '') this.fail('empty parameter name');
    if (!PARAM_NAME.test(name)) {
      this.fail(`parameter name "${name}" must match ${PARAM_NAME.source}`);
    }
    // Assigning `__proto__` on the params object would replace its prototype.
    if (name === '__proto__') this.fail('parameter name "__proto__" is reserved');
    if (this.#names.has(name)) this.fail(`parameter name "${name}" is used twice`);
    this.#names.add(name);
  }

  #endOfSegment(index: number, written: string): void {
    if (index < this.#pattern.length && this.#pattern[index] !== '/') {
      this.fail(`parameter "${written}" must fill its whole segment`);
    }
  }
}

/** Parses a route pattern; throws InvalidRoutePatternError with the reason. */
export function parsePattern(pattern: string): PatternSegment[] {
  return new PatternParser(pattern).parse();
}
