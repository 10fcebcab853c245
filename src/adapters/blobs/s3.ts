// The S3 blob store (S3_URL): any server that speaks the S3 protocol. Uploads
// stream through lib-storage, which sends a body of unknown length in
// multipart parts of PART_BYTES (two in flight), so memory stays bounded by
// the part size whatever the object's size; a failed or refused upload is
// aborted, leaving no parts behind. Presigned URLs are S3's own (SigV4 in the
// query): the bucket checks them, and the bytes never touch the service.
//
// S3_URL carries the endpoint and, in its user-info, the access key and
// secret (`https://KEY:SECRET@s3.example.com`); without them the SDK's
// default credential chain applies (instance roles, AWS_* variables).
// Requests are path-style (`/<bucket>/<key>`), which every S3-compatible
// server understands.

import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Readable } from 'node:stream';
import { AppError } from '../../errors/index.ts';
import { blobError } from '../../ports/blob-errors.ts';
import type { BlobInfo, BlobStore, PresignedRequest } from '../../ports/blob-store.ts';
import { assertBlobKey, assertBlobPrefix } from '../../ports/blob-store.ts';
import { SizeGuard } from './size-guard.ts';

export interface S3BlobStoreOptions {
  /** The endpoint, with the access key and secret as user-info. */
  readonly url: string;
  readonly bucket: string;
  readonly region?: string | undefined;
}

/** S3's smallest part is 5 MiB; 8 MiB parts keep at most 16 MiB of an upload in memory. */
const PART_BYTES = 8 * 1024 * 1024;
const DELETE_BATCH = 1000;

interface S3Failure {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function statusOf(error: unknown): number | undefined {
  return (error as S3Failure).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = (error as S3Failure).name;
  return name === 'NotFound' || name === 'NoSuchKey' || statusOf(error) === 404;
}

/** An outage (no answer, or a 5xx) becomes BLOBS_UNAVAILABLE; anything else stays as it is. */
function mapFailure(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const status = statusOf(error);
  if (status === undefined || status >= 500) {
    return blobError('BLOBS_UNAVAILABLE', { headers: { 'retry-after': '5' }, cause: error });
  }
  return error;
}

function clientFor(options: S3BlobStoreOptions): S3Client {
  const url = new URL(options.url);
  const credentials =
    url.username === ''
      ? undefined
      : {
          accessKeyId: decodeURIComponent(url.username),
          secretAccessKey: decodeURIComponent(url.password),
        };
  return new S3Client({
    endpoint: `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`,
    region: options.region ?? 'us-east-1',
    forcePathStyle: true,
    ...(credentials === undefined ? {} : { credentials }),
    // Checksums only where S3 requires them: the default streams uploads as
    // aws-chunked with trailing checksums, which not every S3-compatible
    // server accepts, and a presigned PUT must not sign a checksum of no body.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore {
  const client = clientFor(options);
  const Bucket = options.bucket;

  async function head(key: string): Promise<BlobInfo | undefined> {
    try {
      const found = await client.send(new HeadObjectCommand({ Bucket, Key: key }));
      return {
        key,
        size: found.ContentLength ?? 0,
        contentType: found.ContentType ?? 'application/octet-stream',
        etag: found.ETag ?? '""',
        lastModified: found.LastModified ?? new Date(0),
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw mapFailure(error);
    }
  }

  return {
    kind: 's3',

    async put(key, body, putOptions) {
      assertBlobKey(key);
      const guard = new SizeGuard({ maxBytes: putOptions.maxBytes, exactBytes: putOptions.size });
      const source = body instanceof Uint8Array ? Readable.from([body]) : body;
      source.on('error', (error) => guard.destroy(error));
      // A refusal stops the source too, instead of leaving it paused mid-stream.
      guard.once('error', () => source.destroy());
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: source.pipe(guard), ContentType: putOptions.contentType },
        partSize: PART_BYTES,
        queueSize: 2,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (error) {
        // The guard's refusal is the reason, whatever the SDK wrapped it in.
        if (guard.errored instanceof AppError) throw guard.errored;
        throw mapFailure(error);
      }
      const stored = await head(key);
      if (stored === undefined) throw blobError('BLOBS_UNAVAILABLE', { detail: 'upload vanished' });
      return stored;
    },

    async head(key) {
      assertBlobKey(key);
      return await head(key);
    },

    async get(key, getOptions = {}) {
      assertBlobKey(key);
      const range = getOptions.range;
      try {
        const found = await client.send(
          new GetObjectCommand({
            Bucket,
            Key: key,
            ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
          }),
        );
        // A range answer's length is the range's; the whole size follows the slash.
        const total = /\/(\d+)$/.exec(found.ContentRange ?? '')?.[1];
        return {
          info: {
            key,
            size: total === undefined ? (found.ContentLength ?? 0) : Number(total),
            contentType: found.ContentType ?? 'application/octet-stream',
            etag: found.ETag ?? '""',
            lastModified: found.LastModified ?? new Date(0),
          },
          body: found.Body as Readable,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw mapFailure(error);
      }
    },

    async delete(keys) {
      for (const key of keys) assertBlobKey(key);
      for (let start = 0; start < keys.length; start += DELETE_BATCH) {
        const batch = keys.slice(start, start + DELETE_BATCH);
        try {
          await client.send(
            new DeleteObjectsCommand({
              Bucket,
              Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
            }),
          );
        } catch (error) {
          throw mapFailure(error);
        }
      }
    },

    async *list(prefix) {
      assertBlobPrefix(prefix);
      let token: string | undefined;
      do {
        let page;
        try {
          page = await client.send(
            new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }),
          );
        } catch (error) {
          throw mapFailure(error);
        }
        for (const item of page.Contents ?? []) {
          if (item.Key === undefined) continue;
          yield {
            key: item.Key,
            size: item.Size ?? 0,
            etag: item.ETag ?? '""',
            lastModified: item.LastModified ?? new Date(0),
          };
        }
        token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },

    async presignUpload(key, presign) {
      assertBlobKey(key);
      const command = new PutObjectCommand({
        Bucket,
        Key: key,
        ContentType: presign.contentType,
        ContentLength: presign.size,
      });
      // Both headers signed: the bucket refuses another type or size (403).
      const url = await getSignedUrl(client, command, {
        expiresIn: presign.expiresInSeconds,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
      return {
        method: 'PUT',
        url,
        headers: { 'content-type': presign.contentType },
        expiresAt: new Date(Date.now() + presign.expiresInSeconds * 1000),
      } satisfies PresignedRequest;
    },

    async presignDownload(key, presign) {
      assertBlobKey(key);
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket, Key: key }), {
        expiresIn: presign.expiresInSeconds,
      });
      return {
        method: 'GET',
        url,
        headers: {},
        expiresAt: new Date(Date.now() + presign.expiresInSeconds * 1000),
      } satisfies PresignedRequest;
    },

    close() {
      client.destroy();
      return Promise.resolve();
    },
  };
}
