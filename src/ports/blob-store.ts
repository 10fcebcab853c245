// The blob-store port: files too large or too opaque for the database
// (product images and their thumbnails). Two adapters: local disk under
// DATA_DIR/blobs (the default: nothing to install) and S3 (S3_URL, any
// S3-protocol server). Both pass the same contract suite
// (blob-store.contract.ts).
//
// Rules for code that uses the port:
// - Keys are chosen by the service, never taken from a user's file name:
//   `<module>/<id>/<name>` made of the characters `assertBlobKey` allows.
// - Bodies are streams: a large object never sits in the service's memory.
// - Clients move the bytes themselves through presigned URLs (upload and
//   download), so a large upload does not hold a request handler open. A
//   presigned upload fixes the content type and the exact size; the caller
//   still checks what arrived (magic bytes) before trusting it.
// - The SQL row is the source of truth: an object nobody points at is an
//   orphan, and a scheduled sweep removes it after a grace period.

import type { Readable } from 'node:stream';
import { blobError } from './blob-errors.ts';

/** What a listing tells about an object (S3 lists no content types). */
export interface BlobEntry {
  readonly key: string;
  /** Bytes. */
  readonly size: number;
  /** Changes whenever the bytes change; quoted, usable as an HTTP ETag. */
  readonly etag: string;
  readonly lastModified: Date;
}

export interface BlobInfo extends BlobEntry {
  readonly contentType: string;
}

export interface PutOptions {
  readonly contentType: string;
  /** The object is refused (BLOBS_TOO_LARGE) once more bytes than this arrive. */
  readonly maxBytes?: number;
  /**
   * The exact size announced (Content-Length): more bytes are BLOBS_TOO_LARGE,
   * fewer BLOBS_SIZE_MISMATCH, and nothing is stored either way.
   */
  readonly size?: number;
}

/** An inclusive byte range, as HTTP's Range header counts (RFC 9110 §14.1.2). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface BlobRead {
  readonly info: BlobInfo;
  /** The bytes, or the requested range of them. */
  readonly body: Readable;
}

export interface PresignUploadOptions {
  readonly contentType: string;
  /** The exact size the client announced; the store refuses any other. */
  readonly size: number;
  readonly expiresInSeconds: number;
}

/** What a client sends its bytes with. */
export interface PresignedRequest {
  readonly method: 'PUT' | 'GET';
  /** Absolute, or a path on this service when the service serves the store itself. */
  readonly url: string;
  /** Headers the client must send as they are (they are part of the signature). */
  readonly headers: Readonly<Record<string, string>>;
  readonly expiresAt: Date;
}

export interface BlobStore {
  /** `local-disk` or `s3`: logs and the health report. */
  readonly kind: string;
  put(key: string, body: Readable | Uint8Array, options: PutOptions): Promise<BlobInfo>;
  /** Undefined when there is no such object. */
  head(key: string): Promise<BlobInfo | undefined>;
  /** Undefined when there is no such object; a range past the end is the caller's to refuse. */
  get(key: string, options?: { readonly range?: ByteRange }): Promise<BlobRead | undefined>;
  /** Removes the objects; missing ones are not an error. */
  delete(keys: readonly string[]): Promise<void>;
  /** Every object whose key starts with `prefix`, in no promised order. */
  list(prefix: string): AsyncIterable<BlobEntry>;
  presignUpload(key: string, options: PresignUploadOptions): Promise<PresignedRequest>;
  presignDownload(key: string, options: { expiresInSeconds: number }): Promise<PresignedRequest>;
  close(): Promise<void>;
}

export const MAX_BLOB_KEY_LENGTH = 512;
// Segments start with a letter or digit, so `.`, `..` and hidden names cannot
// be spelled; no backslash, no percent, nothing a path or URL would reinterpret.
// eslint-disable-next-line security/detect-unsafe-regex -- each repeated segment starts with "/", which the previous segment cannot consume: linear
export const BLOB_KEY_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/;

export function isBlobKey(key: string): boolean {
  return key.length <= MAX_BLOB_KEY_LENGTH && BLOB_KEY_SHAPE.test(key);
}

/** Throws BLOBS_INVALID_KEY for a key that could escape its place (`..`, `/`-leading, `\`). */
export function assertBlobKey(key: string): void {
  if (!isBlobKey(key)) {
    throw blobError('BLOBS_INVALID_KEY', {
      detail: 'keys are /-separated segments of letters, digits, ".", "_" and "-"',
    });
  }
}

/** A prefix may end with `/`; otherwise the rules of a key. */
export function assertBlobPrefix(prefix: string): void {
  if (prefix !== '' && !isBlobKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix)) {
    throw blobError('BLOBS_INVALID_KEY', { detail: 'not a valid key prefix' });
  }
}

/** What a valid presigned URL allows, once its signature and expiry were checked. */
export interface SignedGrant {
  readonly method: 'GET' | 'PUT';
  readonly key: string;
  /** Uploads: the exact size and the content type the URL was signed for. */
  readonly size?: number;
  readonly contentType?: string;
}

/**
 * A store that serves its own presigned URLs (the local disk): the service
 * answers them, after `verify` accepted the URL (BLOBS_SIGNATURE_INVALID or
 * BLOBS_URL_EXPIRED otherwise). Path of every such URL: `/blobs/<key>`.
 */
export interface SelfServedBlobs {
  verify(method: string, key: string, query: URLSearchParams): SignedGrant;
}
