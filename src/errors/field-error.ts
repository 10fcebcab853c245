// A failure of one input field, carried by an AppError to the client.

/** One failure of one input field (RFC 9457 extension member `errors`). */
export interface FieldError {
  /** Dotted path inside the input part, e.g. `items.0.sku`; empty for the part itself. */
  readonly field: string;
  /** Which part of the request the field lives in. */
  readonly in: 'body' | 'query' | 'params' | 'headers';
  /** Stable machine-readable code, e.g. `invalid_type`, `out_of_range`. */
  readonly code: string;
  readonly message: string;
}
