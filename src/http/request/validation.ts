// Input validation against the route's zod schemas. Every part (params,
// query, headers, body) is checked and ALL failures are reported together in
// one 422 problem, each with the field, a stable code and a message.
//
// The three kinds of check the seed names map onto zod naturally: type
// (`invalid_type`), syntax (formats, patterns: `invalid_format`) and semantics
// (ranges, cross-field refinements). Zod runs refinements only once the type
// checks pass, which is exactly the type → syntax → semantics order.

import { z } from 'zod';
import { httpError } from '../errors.ts';
import type { FieldError } from '../../errors/index.ts';

export type InputPart = FieldError['in'];

type Issue = z.core.$ZodIssue;

export function issuesToFieldErrors(
  part: InputPart,
  issues: readonly Issue[],
  input: unknown,
): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      // One entry per unknown key, so clients can point at each field.
      for (const key of issue.keys) {
        out.push({
          field: joinPath([...issue.path, key]),
          in: part,
          code: 'unknown_field',
          message: 'is not allowed',
        });
      }
      continue;
    }
    out.push({
      field: joinPath(issue.path),
      in: part,
      code: stableCode(issue, input),
      message: issue.message,
    });
  }
  return out;
}

/** The raw value an issue points at (zod does not keep inputs on issues by default). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function joinPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => String(segment)).join('.');
}

/** Maps zod's issue codes onto the public, documented set. */
function stableCode(issue: Issue, input: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? 'required' : 'invalid_type';
    case 'too_small':
    case 'too_big':
      return issue.origin === 'string' || issue.origin === 'array' || issue.origin === 'set'
        ? issue.code === 'too_small'
          ? 'too_short'
          : 'too_long'
        : 'out_of_range';
    case 'invalid_format':
      return 'invalid_format';
    case 'not_multiple_of':
      return 'out_of_range';
    case 'invalid_value':
      return 'invalid_value';
    case 'invalid_union':
      return 'invalid_value';
    case 'custom': {
      const code = (issue.params as { code?: unknown } | undefined)?.code;
      return typeof code === 'string' ? code : 'invalid';
    }
    default:
      return 'invalid';
  }
}

export interface PartSchemas {
  readonly params?: z.ZodType | undefined;
  readonly query?: z.ZodType | undefined;
  readonly headers?: z.ZodType | undefined;
  readonly body?: z.ZodType | undefined;
}

export interface RawInput {
  params: unknown;
  query: unknown;
  headers: unknown;
  body: unknown;
}

/**
 * Validates each declared part; returns the parsed (coerced, defaulted)
 * values or throws one HTTP_VALIDATION_FAILED listing every failure.
 * Schemas are parsed synchronously (the common case, no promise per part);
 * a schema with async refinements is retried with the async parser.
 */
export function validateInput(schemas: PartSchemas, raw: RawInput): RawInput | Promise<RawInput> {
  const errors: FieldError[] = [];
  const out: RawInput = { ...raw };
  for (const part of PARTS) {
    const schema = schemas[part];
    if (schema === undefined) continue;
    let result: z.ZodSafeParseResult<unknown>;
    try {
      result = schema.safeParse(raw[part]);
    } catch (error) {
      if (error instanceof z.core.$ZodAsyncError) return validateInputAsync(schemas, raw);
      throw error;
    }
    if (result.success) out[part] = result.data;
    else errors.push(...issuesToFieldErrors(part, result.error.issues, raw[part]));
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

/**
 * Precondition headers a route can require (RFC 9110 §13.1). A request whose
 * only problem is leaving a required one out gets 428 Precondition Required
 * (RFC 6585 §3), which tells the client to read the resource and retry with
 * the validator — not a 422. With other problems besides, the 422 lists them
 * all, the missing header included.
 */
export const PRECONDITION_HEADERS: ReadonlySet<string> = new Set([
  'if-match',
  'if-unmodified-since',
]);

/** `if-match` → `If-Match`, as the header is written in documentation. */
function headerName(field: string): string {
  return field.replace(
    /(^|-)([a-z])/g,
    (_, dash: string, letter: string) => dash + letter.toUpperCase(),
  );
}

function isMissingPrecondition(error: FieldError): boolean {
  return (
    error.in === 'headers' && error.code === 'required' && PRECONDITION_HEADERS.has(error.field)
  );
}

async function validateInputAsync(schemas: PartSchemas, raw: RawInput): Promise<RawInput> {
  const errors: FieldError[] = [];
  const out: RawInput = { ...raw };
  for (const part of PARTS) {
    const schema = schemas[part];
    if (schema === undefined) continue;
    const result = await schema.safeParseAsync(raw[part]);
    if (result.success) out[part] = result.data;
    else errors.push(...issuesToFieldErrors(part, result.error.issues, raw[part]));
  }
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

function validationFailed(errors: FieldError[]) {
  if (errors.every(isMissingPrecondition)) {
    const names = errors.map((error) => headerName(error.field)).join(' and ');
    return httpError('HTTP_PRECONDITION_REQUIRED', {
      detail: `this request must carry ${names} with the validator of the version you last read`,
    });
  }
  return httpError('HTTP_VALIDATION_FAILED', {
    detail: `${errors.length} field${errors.length === 1 ? '' : 's'} failed validation`,
    errors,
  });
}

const PARTS = ['params', 'query', 'headers', 'body'] as const;

/** Query strings as plain objects: repeated keys become arrays, null prototype. */
export function queryToObject(query: URLSearchParams): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const [key, value] of query) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[key] = [existing, value];
  }
  return out;
}
