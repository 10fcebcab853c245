// Values a JSON Schema (2020-12, as OpenAPI 3.1 uses it) accepts, as
// fast-check arbitraries.
//
// Written here rather than taken from a library: no maintained JSON Schema →
// fast-check generator is installed, and the keywords this document uses are
// few (type, enum, const, anyOf/oneOf, properties/required/
// additionalProperties/propertyNames, items with min/maxItems, min/max,
// min/maxLength, pattern, a couple of formats). Patterns go through
// fc.stringMatching, so a pattern the document states is honoured exactly.
//
// Documented examples (`example`, `examples`) are offered next to generated
// values: they are the document's own word on what is valid. Callers can
// replace the values of named members or parameters (real ids, cursors) with
// a hint.

import fc from 'fast-check';
import {
  resolveRef,
  type JsonObject,
  type OpenApiDocument,
} from '../../support/contract/document.ts';
import { hasFormat } from '../../support/contract/schemas.ts';

export interface SchemaHints {
  /** An arbitrary to use for the member or parameter `name`, or undefined for the schema's own. */
  (name: string, schema: JsonObject): fc.Arbitrary<unknown> | undefined;
}

/** Longest generated string unless the schema asks for more (a boundary value may still reach maxLength). */
const TYPICAL_LENGTH = 24;
const TYPICAL_ITEMS = 4;
const MAX_DEPTH = 6;

/** Characters of a JSON string length as JSON Schema counts them: code points. */
export function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export function arbitraryFor(
  document: OpenApiDocument,
  schema: JsonObject,
  hints: SchemaHints = () => undefined,
  name = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const resolved = resolveRef<JsonObject>(document, schema);
  const hinted = name === '' ? undefined : hints(name, resolved);
  if (hinted !== undefined) return hinted;
  const generated = generate(document, resolved, hints, depth);
  const examples = examplesOf(resolved);
  return examples.length === 0
    ? generated
    : fc.oneof(
        { arbitrary: fc.constantFrom(...examples), weight: 1 },
        { arbitrary: generated, weight: 3 },
      );
}

function examplesOf(schema: JsonObject): unknown[] {
  const out: unknown[] = [];
  if (schema.example !== undefined) out.push(schema.example);
  if (Array.isArray(schema.examples)) out.push(...(schema.examples as unknown[]));
  return out;
}

function generate(
  document: OpenApiDocument,
  schema: JsonObject,
  hints: SchemaHints,
  depth: number,
): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.anyOf ?? schema.oneOf) as JsonObject[] | undefined;
  if (branches !== undefined) {
    const { anyOf: _any, oneOf: _one, ...base } = schema;
    const exclusive = schema.oneOf !== undefined;
    const options = branches.map((branch) => {
      const resolved = resolveRef<JsonObject>(document, branch);
      if (Object.keys(base).length === 0) return resolved;
      // Branches next to other keywords narrow them ("exactly one of code
      // and recoveryCode"): each is merged with the rest of the schema, and
      // for oneOf the members other branches require are left out.
      const merged = mergeAll(document, [base, resolved]);
      if (!exclusive) return merged;
      const own = new Set((resolved.required ?? []) as string[]);
      const others = branches
        .filter((other) => other !== branch)
        .flatMap((other) => (resolveRef<JsonObject>(document, other).required ?? []) as string[])
        .filter((name) => !own.has(name));
      const properties = Object.fromEntries(
        Object.entries((merged.properties ?? {}) as JsonObject).filter(
          ([name]) => !others.includes(name),
        ),
      );
      return { ...merged, properties };
    });
    return fc.oneof(...options.map((option) => arbitraryFor(document, option, hints, '', depth)));
  }
  if (Array.isArray(schema.allOf)) {
    return arbitraryFor(
      document,
      mergeAll(document, schema.allOf as JsonObject[]),
      hints,
      '',
      depth,
    );
  }
  const type = schema.type ?? inferType(schema);
  if (Array.isArray(type)) {
    return fc.oneof(
      ...(type as string[]).map((one) =>
        generate(document, { ...schema, type: one }, hints, depth),
      ),
    );
  }
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer':
      return integerFor(schema);
    case 'number':
      return numberFor(schema);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return arrayFor(document, schema, hints, depth);
    case 'object':
      return objectFor(document, schema, hints, depth);
    default:
      // `{}`: anything at all.
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function inferType(schema: JsonObject): string | undefined {
  if ('properties' in schema || 'additionalProperties' in schema) return 'object';
  if ('items' in schema) return 'array';
  if ('pattern' in schema || 'minLength' in schema || 'format' in schema) return 'string';
  if ('minimum' in schema || 'maximum' in schema) return 'number';
  return undefined;
}

function mergeAll(document: OpenApiDocument, parts: JsonObject[]): JsonObject {
  const merged: JsonObject = {};
  for (const part of parts.map((p) => resolveRef<JsonObject>(document, p))) {
    for (const [key, value] of Object.entries(part)) {
      if (key === 'properties') {
        merged.properties = { ...(merged.properties as JsonObject), ...(value as JsonObject) };
      } else if (key === 'required') {
        merged.required = [...((merged.required as string[]) ?? []), ...(value as string[])];
      } else {
        merged[key] = value;
      }
    }
  }
  return merged;
}

// ---- strings ----------------------------------------------------------------

const FORMATS: Readonly<Record<string, () => fc.Arbitrary<string>>> = {
  'date-time': () =>
    fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T23:59:59Z') })
      .map((d) => d.toISOString()),
  date: () =>
    fc
      .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2999-12-31T00:00:00Z') })
      .map((d) => d.toISOString().slice(0, 10)),
  uri: () => fc.webUrl(),
  email: () => fc.emailAddress(),
  uuid: () => fc.uuid(),
};

/** `^[^\u0000]*$`: any text without NUL, the document's pattern for free text. */
const NUL_FREE = /^\^\[\^\\u0000\]\*\$$/;

function stringFor(schema: JsonObject): fc.Arbitrary<string> {
  const min = (schema.minLength as number | undefined) ?? 0;
  const max = (schema.maxLength as number | undefined) ?? Number.POSITIVE_INFINITY;
  const typical = Math.min(max, Math.max(min, TYPICAL_LENGTH));
  const formatName = schema.format as string | undefined;
  const format = formatName === undefined ? undefined : FORMATS[formatName];
  const pattern = schema.pattern as string | undefined;
  const fits = (text: string) => {
    const length = codePoints(text);
    return length >= min && length <= max;
  };
  // With both a pattern and a format, the pattern (usually the stricter)
  // generates and the format filters.
  if (format !== undefined && pattern === undefined) return format().filter(fits);
  if (pattern === undefined || NUL_FREE.test(pattern)) {
    // Any code point (NUL too, when no pattern forbids it), and now and then
    // the longest and shortest strings allowed.
    const noNul = pattern !== undefined;
    const text = fc
      .oneof(
        fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: typical }),
        fc.string({ unit: 'binary', minLength: min, maxLength: typical }),
      )
      .map((s) => (noNul ? s.replaceAll('\u0000', ' ') : s))
      .filter(fits);
    const boundaries: string[] = [];
    if (Number.isFinite(max) && max <= 100_000) boundaries.push('x'.repeat(max));
    if (min > 0) boundaries.push('y'.repeat(min));
    return boundaries.length === 0
      ? text
      : fc.oneof(
          { arbitrary: text, weight: 6 },
          { arbitrary: fc.constantFrom(...boundaries), weight: 1 },
        );
  }
  const expression = new RegExp(pattern, 'u');
  return fc
    .stringMatching(expression)
    .map((s) => (codePoints(s) > typical ? Array.from(s).slice(0, typical).join('') : s))
    .filter(
      (s) =>
        fits(s) && expression.test(s) && (formatName === undefined || hasFormat(formatName, s)),
    );
}

// ---- numbers ----------------------------------------------------------------

function bounds(schema: JsonObject, integer: boolean): { min: number; max: number } {
  const step = integer ? 1 : Number.EPSILON;
  let min = Number.MIN_SAFE_INTEGER;
  let max = Number.MAX_SAFE_INTEGER;
  if (typeof schema.minimum === 'number') min = Math.max(min, schema.minimum);
  if (typeof schema.exclusiveMinimum === 'number') {
    min = Math.max(min, schema.exclusiveMinimum + step);
  }
  if (typeof schema.maximum === 'number') max = Math.min(max, schema.maximum);
  if (typeof schema.exclusiveMaximum === 'number') {
    max = Math.min(max, schema.exclusiveMaximum - step);
  }
  return integer ? { min: Math.ceil(min), max: Math.floor(max) } : { min, max };
}

function integerFor(schema: JsonObject): fc.Arbitrary<number> {
  const { min, max } = bounds(schema, true);
  const multiple = schema.multipleOf as number | undefined;
  if (multiple !== undefined && Number.isInteger(multiple) && multiple > 0) {
    return fc
      .integer({ min: Math.ceil(min / multiple), max: Math.floor(max / multiple) })
      .map((n) => n * multiple);
  }
  return fc.integer({ min, max });
}

function numberFor(schema: JsonObject): fc.Arbitrary<number> {
  const { min, max } = bounds(schema, false);
  const multiple = schema.multipleOf as number | undefined;
  if (multiple !== undefined && multiple > 0) {
    // Whole steps, rounded to the step's decimals: 7 × 0.01 is 0.07, not
    // binary floating point's 0.07000000000000001.
    const decimals = (String(multiple).split('.')[1] ?? '').length;
    return fc
      .integer({ min: Math.ceil(min / multiple), max: Math.floor(max / multiple) })
      .map((n) => Number((n * multiple).toFixed(decimals)));
  }
  return fc
    .double({ min, max, noNaN: true, noDefaultInfinity: true })
    .map((n) => (n === 0 ? 0 : n));
}

// ---- structures -------------------------------------------------------------

function arrayFor(
  document: OpenApiDocument,
  schema: JsonObject,
  hints: SchemaHints,
  depth: number,
): fc.Arbitrary<unknown[]> {
  const minLength = (schema.minItems as number | undefined) ?? 0;
  const maxItems = (schema.maxItems as number | undefined) ?? Number.POSITIVE_INFINITY;
  const maxLength = depth >= MAX_DEPTH ? minLength : Math.min(maxItems, minLength + TYPICAL_ITEMS);
  const items =
    schema.items === undefined || schema.items === true
      ? fc.jsonValue({ maxDepth: 1 })
      : arbitraryFor(document, schema.items as JsonObject, hints, '', depth + 1);
  return schema.uniqueItems === true
    ? fc.uniqueArray(items, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
    : fc.array(items, { minLength, maxLength });
}

function objectFor(
  document: OpenApiDocument,
  schema: JsonObject,
  hints: SchemaHints,
  depth: number,
): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set((schema.required ?? []) as string[]);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, property] of Object.entries(properties)) {
    if (depth >= MAX_DEPTH && !required.has(key)) continue;
    model[key] = arbitraryFor(document, property, hints, key, depth + 1);
  }
  for (const key of required) model[key] ??= fc.jsonValue({ maxDepth: 1 });
  const minProperties = (schema.minProperties as number | undefined) ?? 0;
  const maxProperties = (schema.maxProperties as number | undefined) ?? Number.POSITIVE_INFINITY;
  const declared = fc.record(model, { requiredKeys: [...required] }).filter((value) => {
    const count = Object.keys(value).length;
    return count >= minProperties && count <= maxProperties;
  });
  const additional = schema.additionalProperties;
  if (additional === undefined || additional === false || depth >= MAX_DEPTH) return declared;
  const keys = (
    schema.propertyNames === undefined
      ? fc.string({ minLength: 1, maxLength: 12 })
      : arbitraryFor(document, schema.propertyNames as JsonObject, hints, '', depth + 1)
  ).filter((key): key is string => typeof key === 'string' && !(key in properties));
  const values =
    additional === true
      ? fc.jsonValue({ maxDepth: 1 })
      : arbitraryFor(document, additional as JsonObject, hints, '', depth + 1);
  return fc
    .tuple(declared, fc.dictionary(keys, values, { maxKeys: 3 }))
    .map(([fixed, extra]) => ({ ...extra, ...fixed }));
}
