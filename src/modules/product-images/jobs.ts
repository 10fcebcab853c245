// The processing job of a completed upload: one decode with sharp, two
// encodes — the display image (turned upright by its EXIF orientation, at
// most DISPLAY_MAX px a side, in its own format) and a WebP thumbnail — both
// without the upload's metadata (sharp writes none unless asked: no EXIF, no
// GPS position, no camera serial). The bytes stream from the store through
// sharp back into the store. The upload itself is then removed.
//
// An image sharp cannot decode (valid magic bytes, broken body) is marked
// failed and its objects removed: retrying cannot fix it. A store outage
// fails the job, and the queue retries it.
//
// The image turning ready and its product's new version (product-version.ts)
// commit together.

import type { Readable } from 'node:stream';
import sharp, { type Sharp } from 'sharp';
import { AppError } from '../../errors/index.ts';
import type { Logger } from '../../platform/logger.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { Job, JobHandler } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { imageKeys } from './keys.ts';
import { bumpProductVersion, type ProductChanged } from './product-version.ts';
import * as repo from './repo.ts';
import { deleteImageObjects } from './service.ts';
import type { ProductImagesDatabase } from './tables.ts';

export const DISPLAY_MAX = 1600;
export const THUMBNAIL_MAX = 320;

const FORMATS = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
} as const;

interface ProcessPayload {
  readonly productId: string;
  readonly imageId: string;
}

/** The encoder's output size, as it reports it once done; read it after the output ended. */
function dimensionsOf(encoder: Sharp): () => { width: number; height: number } | undefined {
  let size: { width: number; height: number } | undefined;
  encoder.once('info', (info: { width: number; height: number }) => {
    size = { width: info.width, height: info.height };
  });
  return () => size;
}

export function createImageProcessor(deps: {
  readonly sql: SqlDatabase<ProductImagesDatabase>;
  readonly blobs: BlobStore;
  readonly logger: Logger;
  readonly productChanged: ProductChanged;
}): JobHandler {
  const { sql, blobs, logger } = deps;
  const db = sql.db;

  async function encode(
    source: Readable,
    contentType: keyof typeof FORMATS,
    keys: ReturnType<typeof imageKeys>,
  ) {
    // `rotate()` without an angle applies the EXIF orientation before the metadata is dropped.
    const decoder = sharp({ failOn: 'error' }).rotate();
    source.on('error', (error) => decoder.destroy(error));
    source.pipe(decoder);
    const display = decoder
      .clone()
      .resize(DISPLAY_MAX, DISPLAY_MAX, { fit: 'inside', withoutEnlargement: true })
      .toFormat(FORMATS[contentType]);
    const thumbnail = decoder
      .clone()
      .resize(THUMBNAIL_MAX, THUMBNAIL_MAX, { fit: 'inside', withoutEnlargement: true })
      .webp();
    const size = dimensionsOf(display);
    await Promise.all([
      blobs.put(keys.display, display, { contentType }),
      blobs.put(keys.thumbnail, thumbnail, { contentType: 'image/webp' }),
    ]);
    return size();
  }

  return async (job: Job) => {
    const { productId, imageId } = job.payload as unknown as ProcessPayload;
    const row = await repo.findImage(db, productId, imageId);
    if (row?.status !== 'processing') return; // deleted, or done by an earlier attempt
    const keys = imageKeys(productId, imageId);
    const upload = await blobs.get(keys.upload);
    if (upload === undefined || !(row.contentType in FORMATS)) {
      await repo.moveImage(db, imageId, 'processing', 'failed');
      return;
    }
    let dimensions;
    try {
      dimensions = await encode(upload.body, row.contentType as keyof typeof FORMATS, keys);
    } catch (error) {
      if (error instanceof AppError) throw error; // the store: retried
      logger.info({ err: error, imageId }, 'an uploaded image could not be decoded');
      await repo.moveImage(db, imageId, 'processing', 'failed');
      await deleteImageObjects(blobs, productId, imageId);
      return;
    }
    await blobs.delete([keys.upload]);
    const version = await sql.withTransaction(async (trx) =>
      (await repo.moveImage(trx, imageId, 'processing', 'ready', dimensions))
        ? bumpProductVersion(trx, productId)
        : undefined,
    );
    if (version !== undefined) await deps.productChanged(productId, version);
  };
}
