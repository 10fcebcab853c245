// JSON request bodies: a nesting limit, refusal of keys that could pollute
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
 * `maxDepth` and refusing prototype keys in every object.
 *
 * Prototype keys (`__proto__`, `constructor`, `prototype`) are refused, not
 * dropped: JSON.parse stores `"__proto__"` as a plain own property, so the
 * danger is later code that merges the value into another object, and a
 * silently dropped member would let `{"constructor": …}` through schemas
 * that refuse every other unknown member. No API member has these names.
 */
function enforceDepthAndRefusePrototypeKeys(root: unknown, maxDepth: number): void {
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
      : valuesRefusingPrototypeKeys(entry.value as Record<string, unknown>);
    for (const child of children) {
      if (child !== null && typeof child === 'object') {
        pending.push({ value: child, depth: entry.depth + 1 });
      }
    }
  }
}

function valuesRefusingPrototypeKeys(object: Record<string, unknown>): unknown[] {
  const values: unknown[] = [];
  for (const key of Object.keys(object)) {
    if (isPrototypeKey(key)) {
      throw httpError('HTTP_MALFORMED_BODY', {
        detail: `The JSON body has a member named "${key}", a name no request may use.`,
      });
    }
    values.push(object[key]);
  }
  return values;
}

/**
 * Parses JSON text with a nesting limit and prototype-key refusal. Throws
 * HTTP_MALFORMED_JSON (detail gives line and column, never the input) or
 * HTTP_MALFORMED_BODY when the depth limit is exceeded or a prototype key appears.
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
    enforceDepthAndRefusePrototypeKeys(value, maxDepth);
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
