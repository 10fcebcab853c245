// Counts the bytes of an upload as they stream past, and fails the stream the
// moment they exceed the limit (BLOBS_TOO_LARGE) — so an adapter never stores
// more than it allowed — or when it ends short of an announced exact size
// (BLOBS_SIZE_MISMATCH). Both adapters put their bodies through it.

import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { blobError } from '../../ports/blob-errors.ts';

export interface SizeGuardOptions {
  readonly maxBytes?: number | undefined;
  /** The exact size announced; fewer bytes fail at the end, more at once. */
  readonly exactBytes?: number | undefined;
}

export class SizeGuard extends Transform {
  bytes = 0;
  readonly #limit: number;
  readonly #exact: number | undefined;
  readonly #hash: Hash = createHash('sha256');

  constructor(options: SizeGuardOptions) {
    super();
    this.#exact = options.exactBytes;
    this.#limit = Math.min(options.maxBytes ?? Infinity, options.exactBytes ?? Infinity);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.#limit) {
      callback(blobError('BLOBS_TOO_LARGE', { detail: `more than ${this.#limit} bytes` }));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#exact !== undefined && this.bytes !== this.#exact) {
      callback(
        blobError('BLOBS_SIZE_MISMATCH', {
          detail: `${this.bytes} bytes arrived, ${this.#exact} were announced`,
        }),
      );
      return;
    }
    callback();
  }

  /** A strong validator of the bytes that passed; read once the stream ended. */
  etag(): string {
    return `"${this.#hash.digest('base64url').slice(0, 27)}"`;
  }
}
