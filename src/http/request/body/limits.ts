// Per-route ceilings on what a request body may cost us. Every limit is
// enforced while streaming, so a hostile client can never make the server
// buffer or write more than these numbers allow.

export type BodyKind = 'json' | 'form' | 'multipart';

/**
 * What a route takes as a body: a kind (any of its media types), or one exact
 * media type of a kind, e.g. `application/merge-patch+json` for a PATCH that
 * must not be mistaken for a plain JSON document. Exact types are matched on
 * their essence (type/subtype, no parameters) and parsed as their kind.
 */
export type BodyAccept = BodyKind | `${string}/${string}`;

export function isBodyKind(entry: BodyAccept): entry is BodyKind {
  return entry === 'json' || entry === 'form' || entry === 'multipart';
}

export interface MultipartLimits {
  /** Max bytes of one uploaded file. */
  readonly fileSize: number;
  /** Max number of file parts. */
  readonly files: number;
  /** Max number of non-file fields. */
  readonly fields: number;
  /** Max bytes of one non-file field value. */
  readonly fieldSize: number;
  /** Max number of parts of any kind. */
  readonly parts: number;
}

export interface BodyLimits {
  /** Max bytes of a JSON body. */
  readonly json: number;
  /** Max bytes of an application/x-www-form-urlencoded body. */
  readonly form: number;
  /** Max nesting of arrays/objects in JSON: `[]` is depth 1, `[[]]` depth 2. */
  readonly jsonMaxDepth: number;
  /** Max number of name/value pairs in a urlencoded body. */
  readonly formMaxFields: number;
  readonly multipart: MultipartLimits;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const defaultBodyLimits: BodyLimits = Object.freeze({
  json: 1 * MiB,
  form: 100 * KiB,
  jsonMaxDepth: 64,
  formMaxFields: 1000,
  multipart: Object.freeze({
    fileSize: 10 * MiB,
    files: 10,
    fields: 100,
    fieldSize: 100 * KiB,
    parts: 110,
  }),
});
