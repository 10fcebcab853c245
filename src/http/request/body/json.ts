// JSON request bodies: a nesting limit, removal of keys that could pollute
// prototypes, and error details that locate the fault without echoing input.

import { httpError } from '../../errors.ts';
import { isPrototypeKey } from './field-record.ts';
import { locateJsonSyntaxError } from './json-syntax.ts';

function malformedJson(text: string, cause: unknown): Error {
  const location = locateJsonSyntaxError(text);
  const detail =
    location === undefined
      ? 'The JSON body could not be parsed.'
      : `Malformed JSON at line ${location.line}, column ${location.column}: ${location.reason}.`;
  return httpError('HTTP_MALFORMED_JSON', { detail, cause });
}

/**
 * Walks the parsed value with an explicit stack (never recursion, so a
 * 100k-deep input is rejected with a 400, not a RangeError), enforcing
 * `maxDepth` and deleting prototype keys from every object.
 *
 * Prototype keys are dropped, not rejected: JSON.parse already stores
 * `"__proto__"` as a plain own property, so the danger is later code that
 * merges the value into another object. Deleting the keys removes that
 * hazard while keeping an otherwise valid request usable; schema validation
 * downstream never sees them.
 */
function enforceDepthAndStripPrototypeKeys(root: unknown, maxDepth: number): void {
  if (root === null || typeof root !== 'object') return;
  const pending: { readonly value: object; readonly depth: number }[] = [{ value: root, depth: 1 }];
  for (let entry = pending.pop(); entry !== undefined; entry = pending.pop()) {
    if (entry.depth > maxDepth) {
      throw httpError('HTTP_MALFORMED_BODY', {
        detail: `The JSON body is nested deeper than the limit of ${maxDepth} levels.`,
      });
    }
    const children: unknown[] = Array.isArray(entry.value)
      ? (entry.value as unknown[])
      : stripPrototypeKeys(entry.value as Record<string, unknown>);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        pending.push({ value: child, depth: entry.depth + 1 });
      }
    }
  }
}

function stripPrototypeKeys(object: Record<string, unknown>): unknown[] {
  const values: unknown[] = [];
  for (const key of Object.keys(object)) {
    if (isPrototypeKey(key)) Reflect.deleteProperty(object, key);
    else values.push(object[key]);
  }
  return values;
}

/**
 * Parses JSON text with a nesting limit and prototype-key removal. Throws
 * HTTP_MALFORMED_JSON (detail gives line and column, never the input) or
 * HTTP_MALFORMED_BODY when the depth limit is exceeded.
 */
export function parseJsonText(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    // V8's JSON.parse is iterative, so it copes with deep nesting; the depth
    // limit is enforced by the walk below. No reviver: V8 applies revivers
    // recursively, which would reintroduce the stack overflow.
    value = JSON.parse(text);
  } catch (cause) {
    throw malformedJson(text, cause);
  }
  // The walk costs as much as the parse; skip it when the text itself proves
  // it has nothing to do: fewer opening brackets than the limit cannot nest
  // deeper than it, and a prototype key needs its name (or an escape) in the text.
  if (mayNestBeyond(text, maxDepth) || mayHavePrototypeKey(text)) {
    enforceDepthAndStripPrototypeKeys(value, maxDepth);
  }
  return value;
}

function mayNestBeyond(text: string, maxDepth: number): boolean {
  let open = 0;
  for (const bracket of ['{', '[']) {
    let at = text.indexOf(bracket);
    while (at !== -1) {
      if (++open > maxDepth) return true;
      at = text.indexOf(bracket, at + 1);
    }
  }
  return false;
}

function mayHavePrototypeKey(text: string): boolean {
  return (
    text.includes('__proto__') ||
    text.includes('constructor') ||
    text.includes('prototype') ||
    // "\u005f_proto__" parses to the same key.
    text.includes('\\u')
  );
}
