// What `RadixRouter.find` answers. Pure data: the application layer turns
// each variant into a response (404, 405 + Allow, 308, 400, ...).

/** Captured, percent-decoded path parameters. Treat as read-only: it may be shared and frozen. */
export type Params = Record<string, string>;

export interface FoundMatch<T> {
  readonly type: 'found';
  readonly value: T;
  readonly params: Params;
  /** The pattern as registered, e.g. `/users/:id` (for logs, metrics and OpenAPI). */
  readonly pattern: string;
}

export type MatchResult<T> =
  | FoundMatch<T>
  /** The path exists under other methods only; `allow` is sorted and includes OPTIONS. */
  | { readonly type: 'method-not-allowed'; readonly allow: readonly string[] }
  /** Automatic answer to OPTIONS for a path that exists (RFC 9110 §9.3.7). */
  | { readonly type: 'options'; readonly allow: readonly string[] }
  /** Trailing-slash policy: the canonical path, to be answered with 308. */
  | { readonly type: 'redirect'; readonly location: string }
  /** Malformed percent-encoding, dot segments or NUL bytes: answer 400. */
  | { readonly type: 'bad-path'; readonly reason: string }
  | { readonly type: 'not-found' };
