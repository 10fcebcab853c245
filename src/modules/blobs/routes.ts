// The presigned URLs of the local-disk store, served by the service: GET
// (and HEAD) to download, PUT to upload, at `/blobs/<key>`. The URL is the
// credential — no session, no API key — so the signature is checked before
// anything else, and a URL that was edited or has expired is a 403.
//
// Downloads honour one byte range (206, 416 past the end) and the
// conditional headers (If-None-Match / If-Modified-Since: 304, If-Range). An
// upload is refused before its bytes are read when its Content-Length or
// Content-Type is not the one the URL was signed for (413 / 400 / 415), and
// is counted as it streams otherwise (a chunked body): never buffered.
// With S3 the bucket serves its own URLs, and these routes answer 404.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { countBodyBytes } from '../../http/request/body/index.ts';
import { checkPreconditions } from '../../http/response/preconditions.ts';
import { blobError } from '../../ports/blob-errors.ts';
import {
  BLOB_KEY_SHAPE,
  MAX_BLOB_KEY_LENGTH,
  type BlobInfo,
  type BlobStore,
  type SelfServedBlobs,
} from '../../ports/blob-store.ts';
import { parseRange } from './byte-range.ts';

// The key's shape is in the document, so a client (and the contract fuzz)
// knows which keys exist at all; any other is refused before the signature check.
const keyParams = z.strictObject({
  key: z
    .string()
    .max(MAX_BLOB_KEY_LENGTH)
    .regex(BLOB_KEY_SHAPE)
    .meta({ description: 'The object key the URL was signed for' }),
});

const signedQuery = z.looseObject({
  expires: z.string().optional().meta({ description: 'Unix time the URL expires at' }),
  size: z.string().optional().meta({ description: 'Uploads: the exact size signed for' }),
  type: z.string().optional().meta({ description: 'Uploads: the content type signed for' }),
  signature: z.string().optional().meta({ description: 'HMAC-SHA256 of all of the above' }),
});

/** The stored bytes, in the content type they were uploaded with. */
const binary = z.string().meta({ format: 'binary' });

const SIGNED_URL_ERRORS = ['BLOBS_SIGNATURE_INVALID', 'BLOBS_URL_EXPIRED', 'BLOBS_INVALID_KEY'];

function essence(contentType: string | undefined): string {
  return (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

function validators(info: BlobInfo) {
  return { etag: info.etag, lastModified: info.lastModified };
}

/** Whether an If-Range header still names this version (RFC 9110 §13.1.5): strong ETags only. */
function rangeStillApplies(c: Context, info: BlobInfo): boolean {
  const ifRange = c.header('if-range');
  if (ifRange === undefined) return true;
  if (ifRange.startsWith('"')) return ifRange === info.etag;
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(info.lastModified.getTime() / 1000) * 1000 <= date;
}

async function download(c: Context, store: BlobStore, info: BlobInfo): Promise<void> {
  c.set('accept-ranges', 'bytes');
  c.set('cache-control', 'private, max-age=60');
  if (checkPreconditions(c, validators(info)) === 'not-modified') return;
  const requested = rangeStillApplies(c, info) ? parseRange(c.header('range'), info.size) : 'whole';
  if (requested === 'unsatisfiable') {
    throw blobError('BLOBS_RANGE_NOT_SATISFIABLE', {
      headers: { 'content-range': `bytes */${info.size}` },
    });
  }
  const range = requested === 'whole' ? undefined : requested;
  const read = await store.get(info.key, range === undefined ? {} : { range });
  if (read === undefined) throw blobError('BLOBS_NOT_FOUND');
  // Byte ranges count the stored bytes: no compression on top of them.
  c.noTransform = true;
  c.stream(read.body, info.contentType, range === undefined ? 200 : 206);
  if (range === undefined) {
    c.set('content-length', String(info.size));
  } else {
    c.set('content-range', `bytes ${range.start}-${range.end}/${info.size}`);
    c.set('content-length', String(range.end - range.start + 1));
  }
}

export function registerBlobRoutes(
  app: App,
  store: BlobStore,
  selfServed: SelfServedBlobs | undefined,
): void {
  const verify = (c: Context, key: string) => {
    if (selfServed === undefined) throw blobError('BLOBS_NOT_FOUND');
    return selfServed.verify(c.method, key, c.query);
  };

  app.route({
    method: 'GET',
    path: '/blobs/*key',
    auth: 'public',
    tags: ['blobs'],
    operationId: 'downloadBlob',
    summary: 'Download an object with a presigned URL',
    description:
      'The URL comes from the API (an image’s `url`), signed and expiring: 403 when edited or expired. One byte range is honoured (206; 416 past the end), and If-None-Match / If-Modified-Since answer 304.',
    errors: [...SIGNED_URL_ERRORS, 'BLOBS_NOT_FOUND', 'BLOBS_RANGE_NOT_SATISFIABLE'],
    etag: false,
    produces: ['*/*'],
    schema: {
      params: keyParams,
      query: signedQuery,
      responses: {
        200: { description: 'The object', contentType: '*/*', schema: binary },
        206: { description: 'The requested byte range', contentType: '*/*', schema: binary },
      },
    },
    handler: async (c) => {
      const { key } = c.input.params;
      verify(c, key);
      const info = await store.head(key);
      if (info === undefined) throw blobError('BLOBS_NOT_FOUND');
      await download(c, store, info);
    },
  });

  app.route({
    method: 'PUT',
    path: '/blobs/*key',
    auth: 'public',
    tags: ['blobs'],
    operationId: 'uploadBlob',
    summary: 'Upload an object with a presigned URL',
    description:
      'The URL comes from the API (createProductImage), signed for one key, one content type and one exact size, and expiring: 403 when edited or expired. Send the headers it came with. A Content-Length above the signed size is refused with 413 before the body is read; another Content-Type is 415.',
    errors: [
      ...SIGNED_URL_ERRORS,
      'BLOBS_NOT_FOUND',
      'BLOBS_TOO_LARGE',
      'BLOBS_SIZE_MISMATCH',
      'BLOBS_CONTENT_TYPE_MISMATCH',
    ],
    schema: {
      params: keyParams,
      query: signedQuery,
      responses: {
        204: {
          description: 'Stored',
          headers: { etag: { description: 'The stored version' } },
        },
      },
    },
    handler: async (c) => {
      const { key } = c.input.params;
      const grant = verify(c, key);
      const size = grant.size ?? 0;
      const contentType = grant.contentType ?? 'application/octet-stream';
      if (essence(c.header('content-type')) !== essence(contentType)) {
        throw blobError('BLOBS_CONTENT_TYPE_MISMATCH', {
          detail: `this URL takes ${contentType}`,
        });
      }
      const announced = c.header('content-length');
      if (announced !== undefined && Number(announced) > size) {
        throw blobError('BLOBS_TOO_LARGE', { detail: `this URL takes exactly ${size} bytes` });
      }
      if (announced !== undefined && Number(announced) !== size) {
        throw blobError('BLOBS_SIZE_MISMATCH', { detail: `this URL takes exactly ${size} bytes` });
      }
      const stored = await store.put(key, c.req, { contentType, size });
      // Streamed to the store, not through a body parser: counted once stored.
      countBodyBytes(c.req, stored.size);
      c.set('etag', stored.etag);
      c.noContent();
    },
  });
}
