// Response compression by Accept-Encoding (RFC 9110 §12.5.3). Runs after the
// handler: it sees the final body. Small bodies are left alone (see
// policy.ts), bodies up to 64 KiB are compressed on the event loop
// (cheaper than a thread-pool hop), larger ones on the libuv pool, streams
// through a Transform.
//
// A strong ETag describes exact bytes; once we re-encode, those bytes change,
// so the tag is weakened (W/"…"). If-None-Match uses weak comparison, so a
// client holding either form still gets its 304.

import { pipeline } from 'node:stream';
import { createCompressor, isCompressibleType, type CompressorOptions } from './policy.ts';
import type { Context } from '../../pipeline/context.ts';
import { isPromise, middleware, type Middleware } from '../../pipeline/pipeline.ts';

const SYNC_LIMIT = 64 * 1024;

export function compression(options: CompressorOptions = {}): Middleware {
  const compressor = createCompressor(options);
  const compress = (c: Context): Promise<void> | void => {
    const body = c.body;
    if (body === null || c.noTransform || c.status === 204 || c.status === 304) return;
    if (c.method === 'HEAD') return;
    const isBuffered = typeof body === 'string' || Buffer.isBuffer(body);
    const length = isBuffered ? Buffer.byteLength(body) : undefined;
    const contentType = c.getResponseHeader('content-type');
    const alreadyEncoded = c.getResponseHeader('content-encoding') !== undefined;
    if (
      !compressor.shouldCompress(
        contentType,
        length,
        alreadyEncoded,
        c.getResponseHeader('cache-control'),
      )
    ) {
      // Below the threshold the body goes as is, but a larger one at the same URL might not.
      if (contentType !== undefined && !alreadyEncoded && isCompressibleType(contentType)) {
        c.vary('Accept-Encoding');
      }
      return;
    }
    c.vary('Accept-Encoding');
    const encoding = compressor.negotiate(c.header('accept-encoding'));
    if (encoding === undefined || encoding === 'identity') return;
    markEncoded(c, encoding);
    if (!isBuffered) {
      // pipeline (not pipe) so a failing source also tears down the encoder.
      c.body = pipeline(body, compressor.stream(encoding), noop);
    } else if (length! <= SYNC_LIMIT) {
      c.body = compressor.compressSync(body, encoding);
    } else {
      return compressor.compressAsync(body, encoding).then((compressed) => {
        c.body = compressed;
      });
    }
    return undefined;
  };
  return middleware('compression', 'compression', (c, next) => {
    const inner = next();
    return isPromise(inner) ? inner.then(() => compress(c)) : compress(c);
  });
}

function markEncoded(c: Context, encoding: string): void {
  c.set('content-encoding', encoding);
  // A length the handler set counts the bytes before encoding (a streamed
  // file's size): sent with the shorter encoded body, the client would wait
  // for bytes that never come. Buffered bodies get theirs when written;
  // streams go chunked.
  c.removeResponseHeader('content-length');
  const etag = c.getResponseHeader('etag');
  if (etag !== undefined && !etag.startsWith('W/')) c.set('etag', `W/${etag}`);
}

function noop(): void {}
