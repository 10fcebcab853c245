// Response compression: which bodies to compress, and with which settings.
//
// Default preference is br, zstd, gzip:
// - br is decoded by every current browser and mature in node:zlib; at quality
//   4 it compresses JSON about as fast as gzip level 6 and noticeably smaller.
//   Quality 11 (the node default) is for build-time precompression: it is two
//   orders of magnitude slower and would dominate a dynamic response's latency.
// - zstd compresses faster than br at a similar ratio, but client support is
//   recent (Chromium 123+, Firefox 126+) and node:zlib still marks it
//   experimental, so it is offered second, and only when the runtime has it.
// - gzip is the universal fallback.
// The client's weights decide first; this order only breaks ties
// (browsers send `gzip, deflate, br, zstd` all at q=1).
//
// Security: compressing a body that mixes a secret (e.g. a CSRF token) with
// attacker-reflected input leaks the secret through the compressed length
// (BREACH). Such responses must opt out (no-transform or an identity route).
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Transform } from 'node:stream';
import {
  negotiateEncoding,
  zstdAvailable,
  type ContentCoding,
  type NegotiatedEncoding,
} from '../../response/negotiation.ts';

export interface CompressorOptions {
  /** Smallest body (bytes) worth compressing. Default 1024; see `shouldCompress`. */
  readonly threshold?: number;
  /** Codings in server preference order. zstd is dropped when the runtime lacks it. */
  readonly encodings?: readonly ContentCoding[];
  /** Brotli quality 0–11. Default 4: tuned for per-request compression. */
  readonly brotliQuality?: number;
  /** zstd level 1–19. Default 3 (zstd's own default; fast with a good ratio). */
  readonly zstdLevel?: number;
  /** gzip level 1–9. Default 6. */
  readonly gzipLevel?: number;
}

export interface Compressor {
  /** The effective preference list (after dropping unavailable codings). */
  readonly encodings: readonly ContentCoding[];
  /** `negotiateEncoding` against `encodings`, with decisions cached per header value. */
  negotiate(acceptEncoding: string | undefined): NegotiatedEncoding | undefined;
  /**
   * Whether a response is worth compressing. `length` is undefined for bodies of
   * unknown size (streams); `cacheControl` is the response's Cache-Control.
   */
  shouldCompress(
    contentType: string | undefined,
    length: number | undefined,
    alreadyEncoded: boolean,
    cacheControl?: string,
  ): boolean;
  /** On the calling thread: cheaper than a thread-pool hop for small bodies. */
  compressSync(body: Buffer | string, encoding: ContentCoding): Buffer;
  /** On the libuv thread pool: keeps the event loop free for large bodies. */
  compressAsync(body: Buffer | string, encoding: ContentCoding): Promise<Buffer>;
  stream(encoding: ContentCoding): Transform;
}

const DEFAULT_ENCODINGS: readonly ContentCoding[] = ['br', 'zstd', 'gzip'];

const brotliAsync = promisify(zlib.brotliCompress);
const gzipAsync = promisify(zlib.gzip);
const zstdAsync = promisify(zlib.zstdCompress);

const DECISION_CACHE_SIZE = 128;
const typeCache = new Map<string, boolean>();
const TYPE_CACHE_SIZE = 128;

/** Text-like formats; images, audio, video, archives and fonts are already compressed. */
function classify(contentType: string): boolean {
  const semi = contentType.indexOf(';');
  const essence = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  // Each SSE event must reach the client when written; a compressor buffers.
  if (essence === 'text/event-stream') return false;
  if (essence.startsWith('text/')) return true;
  // Covers application/problem+json, image/svg+xml, application/atom+xml, …
  if (essence.endsWith('+json') || essence.endsWith('+xml')) return true;
  switch (essence) {
    case 'application/json':
    case 'application/javascript':
    case 'application/ecmascript':
    case 'application/xml':
    case 'application/wasm':
      return true;
    default:
      return false;
  }
}

export function isCompressibleType(contentType: string): boolean {
  let compressible = typeCache.get(contentType);
  if (compressible === undefined) {
    compressible = classify(contentType);
    if (typeCache.size >= TYPE_CACHE_SIZE) typeCache.clear();
    if (contentType.length <= 256) typeCache.set(contentType, compressible);
  }
  return compressible;
}

function checkLevel(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function createCompressor(options: CompressorOptions = {}): Compressor {
  const threshold = options.threshold ?? 1024;
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new RangeError(`threshold must be a non-negative integer, got ${threshold}`);
  }
  const brotliQuality = checkLevel('brotliQuality', options.brotliQuality ?? 4, 0, 11);
  const zstdLevel = checkLevel('zstdLevel', options.zstdLevel ?? 3, 1, 19);
  const gzipLevel = checkLevel('gzipLevel', options.gzipLevel ?? 6, 1, 9);
  const requested = options.encodings ?? DEFAULT_ENCODINGS;
  const encodings = Object.freeze(
    requested.filter((e, i) => (e !== 'zstd' || zstdAvailable) && requested.indexOf(e) === i),
  );

  const brotliParams = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: brotliQuality,
    [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
  };
  const brotliOptions: zlib.BrotliOptions = { params: brotliParams };
  const zstdOptions: zlib.ZstdOptions = {
    params: { [zlib.constants.ZSTD_c_compressionLevel]: zstdLevel },
  };
  const gzipOptions: zlib.ZlibOptions = { level: gzipLevel };

  // Clients send a handful of distinct Accept-Encoding strings: remember decisions.
  const decisions = new Map<string, NegotiatedEncoding | null>();

  // With a known size, a size hint lets brotli pick a window no larger than needed.
  const brotliFor = (size: number): zlib.BrotliOptions => ({
    params: { ...brotliParams, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size },
  });

  return {
    encodings,
    negotiate(acceptEncoding) {
      if (acceptEncoding === undefined) return 'identity';
      const cached = decisions.get(acceptEncoding);
      if (cached !== undefined) return cached ?? undefined;
      const decision = negotiateEncoding(acceptEncoding, encodings);
      if (decisions.size >= DECISION_CACHE_SIZE) decisions.clear();
      if (acceptEncoding.length <= 256) decisions.set(acceptEncoding, decision ?? null);
      return decision;
    },

    shouldCompress(contentType, length, alreadyEncoded, cacheControl) {
      if (alreadyEncoded || contentType === undefined) return false;
      // Bodies below the threshold are sent as they are: compressed formats carry
      // fixed framing (gzip alone adds 18 bytes) and small inputs have little
      // redundancy, so the output can even grow; a ~1 KB response already fits
      // in one TCP segment, so no round trip is saved; and every compression
      // allocates a codec context and burns CPU that a tiny body never repays.
      if (length !== undefined && length < threshold) return false;
      // RFC 9111 §5.2.2.6: no-transform forbids intermediaries changing the
      // content; we honour it at the origin too (it is how a route opts out).
      if (cacheControl !== undefined && cacheControl.toLowerCase().includes('no-transform')) {
        return false;
      }
      return isCompressibleType(contentType);
    },

    compressSync(body, encoding) {
      switch (encoding) {
        case 'br':
          return zlib.brotliCompressSync(body, brotliFor(Buffer.byteLength(body)));
        case 'zstd':
          return zlib.zstdCompressSync(body, zstdOptions);
        case 'gzip':
          return zlib.gzipSync(body, gzipOptions);
      }
    },

    compressAsync(body, encoding) {
      switch (encoding) {
        case 'br':
          return brotliAsync(body, brotliFor(Buffer.byteLength(body)));
        case 'zstd':
          return zstdAsync(body, zstdOptions);
        case 'gzip':
          return gzipAsync(body, gzipOptions);
      }
    },

    stream(encoding) {
      switch (encoding) {
        case 'br':
          return zlib.createBrotliCompress(brotliOptions);
        case 'zstd':
          return zlib.createZstdCompress(zstdOptions);
        case 'gzip':
          return zlib.createGzip(gzipOptions);
      }
    },
  };
}
