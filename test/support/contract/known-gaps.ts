// Known differences between the service and its OpenAPI document, each
// excused by operations, status, kind and a pattern on the detail, never more
// broadly. Every entry is a defect to fix (in the document, a route's
// metadata or the server) unless its reason says the document cannot express
// the rule; when it is fixed, delete the entry. An entry that no longer
// matches anything costs nothing, so the list only shrinks by hand.

import type { MismatchKind } from './response-check.ts';

/** What the fuzz suite finds besides response mismatches (see test/contract/). */
export type FuzzFindingKind =
  /** Input valid by the document was refused for a reason the document does not give. */
  | 'valid-refused'
  /** Input invalid by the document was accepted (2xx). */
  | 'invalid-accepted';

export interface KnownGap {
  /** As in the document: `POST /api/v1/orders/{id}/pay`, or `(no route)`. */
  readonly operations: readonly string[];
  readonly status: number;
  readonly kind: MismatchKind | FuzzFindingKind;
  /** Only findings whose detail matches. */
  readonly detail: RegExp;
  /** What is wrong and where the fix belongs. */
  readonly why: string;
}

/** Every operation whose integer query parameters the server reads with z.coerce.number(). */
const COERCED_QUERY_OPERATIONS = [
  'GET /api/v1/admin/users',
  'GET /api/v1/products',
  'GET /api/v2/products',
  'GET /api/v1/wallet/entries',
  'GET /api/v1/orders',
  'GET /api/v1/webhooks/deliveries',
  'GET /api/v1/admin/audit',
  'GET /api/v1/admin/jobs/{queue}/dead',
  'GET /api/v1/admin/mail/suppressions',
  'GET /api/v1/admin/emails',
];

export const KNOWN_GAPS: readonly KnownGap[] = [
  {
    operations: COERCED_QUERY_OPERATIONS,
    status: 200,
    kind: 'invalid-accepted',
    detail: /^query \w+ = ".*" \(query \w+ not of its type\)$/,
    why:
      'The document says integer, but z.coerce.number() also takes "0x10", "+1", " 7", "1e1" ' +
      '(GET /api/v1/admin/emails?limit=0x10 answers 200 with 16 entries). Fix in the query ' +
      'schemas: parse /^-?\\d+$/ strictly before the range check.',
  },
  {
    operations: ['POST /api/v1/orders'],
    status: 422,
    kind: 'valid-refused',
    detail: /^HTTP_VALIDATION_FAILED body\.items:invalid$/,
    why:
      'An order lists each product once; JSON Schema cannot say "unique by productId", so ' +
      'the schema allows what the server refuses. Keep this entry, and say it in the items ' +
      "member's description.",
  },
  {
    operations: ['GET /api/v1/admin/jobs/{queue}/dead'],
    status: 404,
    kind: 'valid-refused',
    detail: /^HTTP_NOT_FOUND$/,
    why:
      'The queue parameter allows the empty string (maxLength only), which makes the path ' +
      '/api/v1/admin/jobs//dead that no route matches. Fix in the route: z.string().min(1).',
  },
  {
    operations: [
      'PATCH /api/v1/me',
      'POST /api/v1/me/api-keys',
      'POST /api/v1/products',
      'PUT /api/v1/products/{id}',
      'PATCH /api/v1/products/{id}',
      'GET /api/v1/products',
      'GET /api/v2/products',
      'POST /api/v1/webhooks/endpoints',
      'PATCH /api/v1/webhooks/endpoints/{id}',
    ],
    status: 422,
    kind: 'valid-refused',
    detail: /^HTTP_VALIDATION_FAILED( \w+\.[\w.]+:too_short)+$/,
    why:
      'The server trims these strings before their minLength check, so a blank one the document ' +
      'allows (PATCH /api/v1/me {"displayName":" "}) is refused as too_short. Fix in the ' +
      'schemas: say "not blank" in the document (a pattern with \\S), as the server means it.',
  },
];

export function isKnownGap(finding: {
  readonly operation: string;
  readonly status: number;
  readonly kind: string;
  readonly detail: string;
}): boolean {
  return KNOWN_GAPS.some(
    (gap) =>
      gap.operations.includes(finding.operation) &&
      gap.status === finding.status &&
      gap.kind === finding.kind &&
      gap.detail.test(finding.detail),
  );
}

/** Type errors tsc reports in the client generated from the document (test/contract/client.test.ts). */
export const KNOWN_CLIENT_ERRORS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern:
      /api-types\.ts\(\d+,\d+\): error TS2502: '__schema0' is referenced directly or indirectly/,
    why:
      "An audit entry's details hold any JSON value (z.json()), which the document gives as an " +
      'unnamed recursive schema, __schema0; openapi-typescript makes it a type that refers to ' +
      'itself, which TypeScript refuses (a consumer compiling the generated .ts, or a .d.ts ' +
      'without skipLibCheck, fails). Fix in the document: an open schema ({}) for those values, ' +
      'or a named one written so it does not recurse.',
  },
];

export function isKnownClientError(line: string): boolean {
  return KNOWN_CLIENT_ERRORS.some((known) => known.pattern.test(line));
}
