// Finds where a JSON text (RFC 8259) first goes wrong. Only used after
// JSON.parse has already failed: the engine's own messages sometimes quote the
// input back, which a public error detail must not do, and their wording
// changes between versions. This scanner is iterative (an explicit container
// stack), so hostile nesting cannot exhaust the call stack.

export interface JsonSyntaxError {
  /** Zero-based UTF-16 offset of the offending character. */
  readonly offset: number;
  /** One-based line and column, for humans. */
  readonly line: number;
  readonly column: number;
  readonly reason: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const SIMPLE_ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9A-Fa-f]{4}$/;
// eslint-disable-next-line security/detect-unsafe-regex -- the JSON number grammar: every part starts with a distinct character, linear
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

type Expectation =
  | 'value'
  | 'value-or-close' // right after '['
  | 'key'
  | 'key-or-close' // right after '{'
  | 'colon'
  | 'after-value';

class SyntaxFault {
  readonly offset: number;
  readonly reason: string;
  constructor(offset: number, reason: string) {
    this.offset = offset;
    this.reason = reason;
  }
}

/** Returns the end offset of the string starting at `start` (a '"'). */
function scanString(text: string, start: number): number | SyntaxFault {
  let index = start + 1;
  while (index < text.length) {
    const char = text[index]!;
    if (char === '"') return index + 1;
    if (char === '\\') {
      const escaped = text[index + 1];
      if (escaped === undefined) break;
      if (escaped === 'u') {
        if (!HEX.test(text.slice(index + 2, index + 6))) {
          return new SyntaxFault(index, 'invalid \\u escape in string');
        }
        index += 6;
        continue;
      }
      if (!SIMPLE_ESCAPES.has(escaped)) return new SyntaxFault(index, 'invalid escape in string');
      index += 2;
      continue;
    }
    if (char.charCodeAt(0) < 0x20) {
      return new SyntaxFault(index, 'unescaped control character in string');
    }
    index++;
  }
  return new SyntaxFault(text.length, 'unterminated string');
}

/** Returns the end offset of the scalar (number or literal) starting at `start`. */
function scanScalar(text: string, start: number): number | SyntaxFault {
  const char = text[start]!;
  if (char === '-' || (char >= '0' && char <= '9')) {
    NUMBER.lastIndex = start;
    const match = NUMBER.exec(text);
    if (match === null) return new SyntaxFault(start, 'invalid number');
    return start + match[0].length;
  }
  for (const literal of LITERALS) {
    if (text.startsWith(literal, start)) return start + literal.length;
    if (
      literal.startsWith(text.slice(start, start + literal.length)) &&
      start + literal.length > text.length
    ) {
      return new SyntaxFault(text.length, 'unexpected end of input');
    }
  }
  return new SyntaxFault(start, 'unexpected character, expected a value');
}

function findFault(text: string): SyntaxFault | undefined {
  const containers: ('array' | 'object')[] = [];
  let expecting: Expectation = 'value';
  let index = 0;

  while (index <= text.length) {
    while (index < text.length && WHITESPACE.has(text[index]!)) index++;
    const char = text[index];
    const top = containers[containers.length - 1];

    if (char === undefined) {
      if (expecting === 'after-value' && top === undefined) return undefined;
      return new SyntaxFault(index, 'unexpected end of input');
    }

    switch (expecting) {
      case 'value':
      case 'value-or-close':
        if (char === ']' && expecting === 'value-or-close') {
          containers.pop();
          expecting = 'after-value';
          index++;
        } else if (char === '[') {
          containers.push('array');
          expecting = 'value-or-close';
          index++;
        } else if (char === '{') {
          containers.push('object');
          expecting = 'key-or-close';
          index++;
        } else {
          const end = char === '"' ? scanString(text, index) : scanScalar(text, index);
          if (end instanceof SyntaxFault) return end;
          index = end;
          expecting = 'after-value';
        }
        break;
      case 'key':
      case 'key-or-close':
        if (char === '}' && expecting === 'key-or-close') {
          containers.pop();
          expecting = 'after-value';
          index++;
        } else if (char === '"') {
          const end = scanString(text, index);
          if (end instanceof SyntaxFault) return end;
          index = end;
          expecting = 'colon';
        } else {
          return new SyntaxFault(index, 'expected a double-quoted property name');
        }
        break;
      case 'colon':
        if (char !== ':') return new SyntaxFault(index, "expected ':' after property name");
        expecting = 'value';
        index++;
        break;
      case 'after-value':
        if (top === undefined) {
          return new SyntaxFault(index, 'unexpected data after the JSON value');
        }
        if (char === ',') {
          expecting = top === 'array' ? 'value' : 'key';
          index++;
        } else if ((char === ']' && top === 'array') || (char === '}' && top === 'object')) {
          containers.pop();
          index++;
        } else {
          return new SyntaxFault(
            index,
            top === 'array' ? "expected ',' or ']' after array element" : "expected ',' or '}'",
          );
        }
        break;
    }
  }
  return undefined;
}

/** Locates the first syntax error, or returns undefined when the text is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const fault = findFault(text);
  if (fault === undefined) return undefined;

  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index !== -1 && index < fault.offset;) {
    line++;
    lineStart = index + 1;
    index = text.indexOf('\n', lineStart);
  }
  return { offset: fault.offset, line, column: fault.offset - lineStart + 1, reason: fault.reason };
}
