// Picks the parser for a request body from its Content-Type and the kinds the
// route accepts, after checking that a body is there at all and that it is
// not content-coded.

import { httpError } from '../../errors.ts';
import { isAppError } from '../../../errors/index.ts';
import type { FieldRecord } from './field-record.ts';
import { parseFormBytes } from './form.ts';
import { parseJsonText } from './json.ts';
import { MSGPACK_MEDIA_TYPE, parseMsgpackBytes } from './msgpack.ts';
import { isBodyKind, type BodyAccept, type BodyKind, type BodyLimits } from './limits.ts';
import {
  hasUtf8Charset,
  isJsonMediaType,
  isValidBoundary,
  parseMediaType,
  type MediaType,
} from './media-type.ts';
import { parseMultipart, type UploadedFile } from './multipart.ts';
import { declaredContentLength, readBody, type BodySource } from './read-body.ts';
import { decodeUtf8Strict } from './utf8.ts';

export type ParsedBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'form'; readonly value: FieldRecord }
  | {
      readonly kind: 'multipart';
      readonly fields: FieldRecord;
      readonly files: UploadedFile[];
      /** Deletes the uploaded temp files; a plain function, safe to pass around unbound. */
      readonly cleanup: () => Promise<void>;
    };

export interface ParseBodyOptions {
  /** Directory for multipart uploads; created (mode 0700) if missing. */
  readonly tmpDir: string;
  readonly signal?: AbortSignal;
}

const NO_BODY: ParsedBody = Object.freeze({ kind: 'none' });

const MEDIA_TYPE_NAMES: Readonly<Record<BodyKind, string>> = {
  json: 'application/json (or any +json type), application/msgpack',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
};

type Presence = 'none' | 'present' | 'unknown';

/**
 * HTTP/1.1 frames a request body only with Content-Length or
 * Transfer-Encoding; without either there is none (RFC 9112 §6.3). HTTP/2
 * frames it with DATA frames, so only END_STREAM on the HEADERS frame proves
 * there is no body (RFC 9113 §8.1); otherwise we have to read to find out.
 */
function bodyPresence(req: BodySource): Presence {
  const declared = declaredContentLength(req.headers);
  if (declared !== undefined) return declared === 0 ? 'none' : 'present';
  if (req.headers['transfer-encoding'] !== undefined) return 'present';
  if (req.httpVersionMajor === 2 || req.stream !== undefined) {
    return req.stream?.endAfterHeaders === true ? 'none' : 'unknown';
  }
  return 'none';
}

/**
 * Request bodies are never inflated: a few KiB of gzip can expand to
 * gigabytes (a zip bomb), and every size limit here counts wire bytes. So any
 * coding but identity is a 415, with Accept-Encoding saying what we take
 * (RFC 9110 §15.5.16).
 */
function assertIdentityEncoding(req: BodySource): void {
  const header = req.headers['content-encoding'];
  if (header === undefined) return;
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '');
  if (codings.every((coding) => coding === 'identity')) return;
  throw httpError('HTTP_UNSUPPORTED_MEDIA_TYPE', {
    detail: 'Compressed request bodies are not accepted; send the body without Content-Encoding.',
    headers: { 'accept-encoding': 'identity' },
  });
}

function unsupportedMediaType(problem: string, accept: readonly BodyAccept[]): Error {
  const names = accept.map((entry) => (isBodyKind(entry) ? MEDIA_TYPE_NAMES[entry] : entry));
  const detail =
    accept.length === 0
      ? `${problem} This endpoint does not accept a request body.`
      : `${problem} Send one of: ${names.join(', ')}.`;
  return httpError('HTTP_UNSUPPORTED_MEDIA_TYPE', { detail });
}

function kindOf(mediaType: MediaType): BodyKind | undefined {
  // MessagePack carries the JSON data model: same routes, same schemas.
  if (isJsonMediaType(mediaType) || mediaType.essence === MSGPACK_MEDIA_TYPE) return 'json';
  if (mediaType.essence === 'application/x-www-form-urlencoded') return 'form';
  if (mediaType.essence === 'multipart/form-data') return 'multipart';
  return undefined;
}

/** Accepted when the route takes the whole kind, or names this exact media type. */
function isAccepted(kind: BodyKind, mediaType: MediaType, accept: readonly BodyAccept[]): boolean {
  return accept.includes(kind) || accept.includes(mediaType.essence as BodyAccept);
}

function assertUtf8Charset(mediaType: MediaType, accept: readonly BodyAccept[]): void {
  if (!hasUtf8Charset(mediaType)) {
    throw unsupportedMediaType(
      `Only the utf-8 charset is supported for ${mediaType.essence}.`,
      accept,
    );
  }
}

/** HTTP/2 without END_STREAM and no Content-Type: acceptable only if the body turns out empty. */
async function expectEmptyBody(
  req: BodySource,
  accept: readonly BodyAccept[],
  signal: AbortSignal | undefined,
): Promise<ParsedBody> {
  try {
    await readBody(req, 0, signal);
  } catch (error) {
    if (isAppError(error) && error.code === 'HTTP_PAYLOAD_TOO_LARGE') {
      throw unsupportedMediaType('The request has a body but no Content-Type.', accept);
    }
    throw error;
  }
  return NO_BODY;
}

// Clients send the same few Content-Type strings over and over; parsed values
// are read-only, so they can be shared. Bounded: hostile headers cannot grow it.
const mediaTypeCache = new Map<string, MediaType | undefined>();
const MEDIA_TYPE_CACHE_SIZE = 64;

function cachedMediaType(header: string): MediaType | undefined {
  if (mediaTypeCache.has(header)) return mediaTypeCache.get(header);
  const parsed = parseMediaType(header);
  if (mediaTypeCache.size < MEDIA_TYPE_CACHE_SIZE) mediaTypeCache.set(header, parsed);
  return parsed;
}

/**
 * Reads and parses the body by Content-Type. Rejects with an AppError for
 * client mistakes (400, 413, 415). When the client goes away mid-body it
 * rejects too (see isClientAbortError); when `signal` aborts it rejects with
 * the signal's reason. Multipart results own temp files: call `cleanup()`.
 */
export async function parseBody(
  req: BodySource,
  accept: readonly BodyAccept[],
  limits: BodyLimits,
  options: ParseBodyOptions,
): Promise<ParsedBody> {
  const { signal } = options;
  const presence = bodyPresence(req);
  if (presence === 'none') return NO_BODY;
  assertIdentityEncoding(req);

  const header = req.headers['content-type'];
  if (header === undefined || header.trim() === '') {
    if (presence === 'unknown') return expectEmptyBody(req, accept, signal);
    throw unsupportedMediaType('The request has a body but no Content-Type.', accept);
  }
  const mediaType = cachedMediaType(header);
  if (mediaType === undefined) {
    throw httpError('HTTP_BAD_REQUEST', { detail: 'The Content-Type header is malformed.' });
  }
  const kind = kindOf(mediaType);
  if (kind === undefined || !isAccepted(kind, mediaType, accept)) {
    // The essence is made of token characters only, so echoing it is safe;
    // long ones are cut so the detail stays small.
    const essence = mediaType.essence.slice(0, 100);
    throw unsupportedMediaType(`Content-Type ${essence} is not supported here.`, accept);
  }

  switch (kind) {
    case 'json': {
      if (mediaType.essence === MSGPACK_MEDIA_TYPE) {
        const bytes = await readBody(req, limits.json, signal);
        if (bytes.length === 0) return NO_BODY;
        return { kind: 'json', value: parseMsgpackBytes(bytes, limits.jsonMaxDepth) };
      }
      // RFC 8259 §8.1: JSON exchanged between systems is UTF-8.
      assertUtf8Charset(mediaType, accept);
      const bytes = await readBody(req, limits.json, signal);
      if (bytes.length === 0) return NO_BODY;
      const text = decodeUtf8Strict(bytes, 'JSON body');
      return { kind: 'json', value: parseJsonText(text, limits.jsonMaxDepth) };
    }
    case 'form': {
      assertUtf8Charset(mediaType, accept);
      const bytes = await readBody(req, limits.form, signal);
      if (bytes.length === 0) return NO_BODY;
      return { kind: 'form', value: parseFormBytes(bytes, limits.formMaxFields) };
    }
    case 'multipart': {
      const boundary = mediaType.params.get('boundary');
      if (boundary === undefined || !isValidBoundary(boundary)) {
        throw httpError('HTTP_MALFORMED_BODY', {
          detail:
            boundary === undefined
              ? 'multipart/form-data requires a boundary parameter.'
              : 'The multipart boundary is not valid (RFC 2046 §5.1.1).',
        });
      }
      const body = await parseMultipart(req, boundary, limits.multipart, options);
      return { kind: 'multipart', ...body };
    }
  }
}
