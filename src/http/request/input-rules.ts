// Input rules that plain zod checks cannot put into the OpenAPI document by
// themselves. A refinement validates but leaves no trace in the generated
// JSON Schema, so a client reading the document would think more is allowed
// than the server takes. Each helper here does both halves: it refuses the
// input with a stable field code in the 422, and it adds the JSON Schema
// keyword that says the same (`uniqueItems`, `minProperties`, `oneOf`, no
// `null`). zod copies `.meta()` members into the generated schema as they are.
//
// Metadata does not survive a later `.refine()` (a refinement makes a fresh
// schema), so call these last, or chain only `.meta()` after them.

import { z } from 'zod';

/** An array whose items must all differ: `duplicate` in the 422, `uniqueItems` in the document. */
export function uniqueItems<T extends z.ZodType<readonly unknown[]>>(array: T, message: string) {
  return array
    .refine((items) => new Set(items).size === items.length, {
      message,
      params: { code: 'duplicate' },
    })
    .meta({ uniqueItems: true });
}

/** Cross-member rules run whenever the body is an object, even with other members failing. */
const whenObject = { when: (payload: { value: unknown }) => isObject(payload.value) };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A change (PATCH body) that must name at least one member: `{}` changes
 * nothing, so it is refused as `empty` rather than acted on. In the document
 * as `minProperties: 1`.
 */
export function atLeastOneMember<T extends z.ZodType<Record<string, unknown>>>(object: T) {
  return object
    .refine((value) => Object.keys(value).length > 0, {
      message: 'names nothing to change: send at least one member',
      params: { code: 'empty' },
      // Only a body with nothing else wrong: `{ "colour": "red" }` is an
      // unknown member, not an empty change.
      when: (payload) => isObject(payload.value) && payload.issues.length === 0,
    })
    .meta({ minProperties: 1 });
}

/**
 * A member of a JSON Merge Patch (RFC 7386) that cannot be removed: absent
 * leaves it as it is, `null` — which would remove it — is refused as
 * `not_clearable`. The document shows the member's own schema without
 * `null`: the null check runs as a preprocessing step, which zod documents
 * as the schema it feeds.
 */
export function notClearable<T extends z.ZodType>(member: T) {
  return z
    .preprocess((value, ctx) => {
      if (value !== null) return value;
      ctx.addIssue({
        code: 'custom',
        message: 'is required and cannot be cleared (null would remove it)',
        params: { code: 'not_clearable' },
      });
      return z.NEVER;
    }, member)
    .optional();
}

/**
 * Exactly one of `names` must be present. None is `required` (on the first
 * name), more than one `exclusive` (on the second present). Checked even when
 * other members failed, so one 422 says everything. In the document as
 * `oneOf` of `required` lists.
 */
export function exactlyOneOf<T extends z.ZodType<Record<string, unknown>>>(
  object: T,
  names: readonly [string, string, ...string[]],
) {
  const listed = names.join(' or ');
  return object
    .superRefine((value, ctx) => {
      const present = names.filter((name) => value[name] !== undefined);
      if (present.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [names[0]],
          message: `send ${listed}`,
          params: { code: 'required' },
        });
      } else if (present.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: [present[1]!],
          message: `send only one of ${listed}`,
          params: { code: 'exclusive' },
        });
      }
    }, whenObject)
    .meta({ oneOf: names.map((name) => ({ required: [name] })) });
}
