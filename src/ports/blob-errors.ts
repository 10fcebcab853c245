// What a blob store refuses, in one registry: raised by the adapters and by
// the code that serves presigned URLs, mapped to problem+json at the edge
// like every other code (wiring/error-catalog.ts).

import { defineErrors, errorFactory } from '../errors/index.ts';

export const blobErrors = defineErrors({
  // A key with a path trick in it (`..`, a leading `/`, a backslash): never a 500.
  BLOBS_INVALID_KEY: { status: 400, title: 'Invalid object key', level: 'info' },
  BLOBS_NOT_FOUND: { status: 404, title: 'Object not found', level: 'debug' },
  // A presigned URL whose signature does not match what it grants (edited, or
  // signed with another key): 403, as S3 answers.
  BLOBS_SIGNATURE_INVALID: { status: 403, title: 'Invalid signature', level: 'info' },
  BLOBS_URL_EXPIRED: { status: 403, title: 'Presigned URL expired', level: 'info' },
  // More bytes than were allowed (or announced): refused before they are stored.
  BLOBS_TOO_LARGE: { status: 413, title: 'Upload too large', level: 'info' },
  // Fewer bytes arrived than were announced.
  BLOBS_SIZE_MISMATCH: { status: 400, title: 'Upload size mismatch', level: 'info' },
  // The upload's Content-Type is not the one its URL was signed for.
  BLOBS_CONTENT_TYPE_MISMATCH: { status: 415, title: 'Unexpected content type', level: 'info' },
  BLOBS_RANGE_NOT_SATISFIABLE: { status: 416, title: 'Range not satisfiable', level: 'info' },
  BLOBS_UNAVAILABLE: { status: 503, title: 'Object storage unavailable', level: 'warn' },
});

export type BlobErrorCode = keyof typeof blobErrors;

export const blobError = errorFactory(blobErrors);
