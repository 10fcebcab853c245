// Product images: the client asks for an upload (a presigned URL for one
// key, type and exact size), puts the bytes straight into the object store,
// then completes the upload. Completing checks what arrived — its size, and
// its real type by the magic bytes, which must be the declared one and on
// the allow-list — and queues the processing job (jobs.ts). Only after that
// job is an image shown, through presigned download URLs.

import { fileTypeFromBuffer } from 'file-type';
import type { BlobStore, PresignedRequest } from '../../ports/blob-store.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { isAllowedImageType, SNIFF_BYTES } from './allow-list.ts';
import { productImagesError } from './errors.ts';
import { imageKeys, imagePrefix } from './keys.ts';
import { bumpProductVersion, type ProductChanged } from './product-version.ts';
import * as repo from './repo.ts';
import type { ImageRow } from './repo.ts';
import type { ProductImagesDatabase } from './tables.ts';
import type { ImageVariant } from '../catalog/image-links.ts';

export const PROCESS_IMAGES_QUEUE = 'product-images.process';

export interface ImageSettings {
  readonly maxUploadBytes: number;
  readonly presignTtlSeconds: number;
}

export interface ProductImage {
  readonly id: string;
  readonly productId: string;
  readonly status: ImageRow['status'];
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  /** Presigned, expiring; null until the image is processed. */
  readonly url: string | null;
  readonly thumbnailUrl: string | null;
  readonly createdAt: string;
}

export interface ProductImagesService {
  requestUpload(
    productId: string,
    declared: { contentType: string; size: number },
  ): Promise<{ image: ProductImage; upload: PresignedRequest }>;
  complete(productId: string, imageId: string): Promise<ProductImage>;
  list(productId: string): Promise<ProductImage[]>;
  remove(productId: string, imageId: string): Promise<void>;
  /** A fresh presigned URL of a ready image's display image or thumbnail. */
  download(productId: string, imageId: string, variant: ImageVariant): Promise<string>;
}

export interface ProductImagesDeps {
  readonly sql: SqlDatabase<ProductImagesDatabase>;
  readonly blobs: BlobStore;
  readonly queue: Pick<JobQueue, 'enqueue'>;
  readonly settings: ImageSettings;
  /** After an image the product showed is removed (product-version.ts). */
  readonly productChanged: ProductChanged;
}

async function firstBytes(blobs: BlobStore, key: string, size: number): Promise<Buffer> {
  const read = await blobs.get(key, { range: { start: 0, end: Math.min(size, SNIFF_BYTES) - 1 } });
  if (read === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of read.body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Every object of an image, whatever stage it reached. */
export async function deleteImageObjects(
  blobs: BlobStore,
  productId: string,
  imageId: string,
): Promise<void> {
  const keys: string[] = [];
  for await (const entry of blobs.list(imagePrefix(productId, imageId))) keys.push(entry.key);
  await blobs.delete(keys);
}

export function createProductImagesService(deps: ProductImagesDeps): ProductImagesService {
  const { sql, blobs, settings } = deps;
  const db = sql.db;
  const expiresInSeconds = settings.presignTtlSeconds;

  async function present(row: ImageRow): Promise<ProductImage> {
    const keys = imageKeys(row.productId, row.id);
    const ready = row.status === 'ready';
    const [display, thumbnail] = ready
      ? await Promise.all([
          blobs.presignDownload(keys.display, { expiresInSeconds }),
          blobs.presignDownload(keys.thumbnail, { expiresInSeconds }),
        ])
      : [undefined, undefined];
    return {
      id: row.id,
      productId: row.productId,
      status: row.status,
      contentType: row.contentType,
      size: row.size,
      width: row.width,
      height: row.height,
      url: display?.url ?? null,
      thumbnailUrl: thumbnail?.url ?? null,
      createdAt: row.createdAt.toISOString(),
    };
  }

  async function found(productId: string, imageId: string): Promise<ImageRow> {
    const row = await repo.findImage(db, productId, imageId);
    if (row === undefined) throw productImagesError('PRODUCT_IMAGES_NOT_FOUND');
    return row;
  }

  /** Removes an upload that failed its checks, row and bytes, and says why. */
  async function refuse(row: ImageRow, detail: string): Promise<never> {
    await deleteImageObjects(blobs, row.productId, row.id);
    await repo.deleteImage(db, row.productId, row.id);
    throw productImagesError('PRODUCT_IMAGES_CONTENT_MISMATCH', { detail });
  }

  return {
    async requestUpload(productId, declared) {
      if (declared.size > settings.maxUploadBytes) {
        throw productImagesError('PRODUCT_IMAGES_TOO_LARGE', {
          detail: `images may be at most ${settings.maxUploadBytes} bytes`,
        });
      }
      if (!isAllowedImageType(declared.contentType)) {
        throw productImagesError('PRODUCT_IMAGES_UNSUPPORTED_TYPE', {
          detail: 'images are image/jpeg, image/png, image/webp or image/gif',
        });
      }
      if (!(await repo.productExists(db, productId))) {
        throw productImagesError('PRODUCT_IMAGES_PRODUCT_NOT_FOUND');
      }
      const row = await repo.insertImage(db, { productId, ...declared });
      const upload = await blobs.presignUpload(imageKeys(productId, row.id).upload, {
        contentType: declared.contentType,
        size: declared.size,
        expiresInSeconds,
      });
      return { image: await present(row), upload };
    },

    async complete(productId, imageId) {
      const row = await found(productId, imageId);
      if (row.status !== 'pending') return present(row); // completing twice is harmless
      const key = imageKeys(productId, imageId).upload;
      const stored = await blobs.head(key);
      if (stored === undefined) {
        throw productImagesError('PRODUCT_IMAGES_NOT_UPLOADED', {
          detail: 'upload the bytes to the presigned URL first',
        });
      }
      if (stored.size !== row.size) {
        return refuse(row, `${stored.size} bytes arrived, ${row.size} were declared`);
      }
      // The type the bytes say, not the one any header claimed.
      const sniffed = await fileTypeFromBuffer(await firstBytes(blobs, key, stored.size));
      if (sniffed?.mime !== row.contentType) {
        return refuse(
          row,
          `the bytes are ${sniffed?.mime ?? 'of no known image type'}, not ${row.contentType}`,
        );
      }
      if (await repo.moveImage(db, imageId, 'pending', 'processing')) {
        await deps.queue.enqueue(
          PROCESS_IMAGES_QUEUE,
          { productId, imageId },
          { idempotencyKey: `product-image:${imageId}` },
        );
      }
      return present(await found(productId, imageId));
    },

    async list(productId) {
      if (!(await repo.productExists(db, productId))) {
        throw productImagesError('PRODUCT_IMAGES_PRODUCT_NOT_FOUND');
      }
      return Promise.all((await repo.listImages(db, productId)).map(present));
    },

    async remove(productId, imageId) {
      await found(productId, imageId);
      // Only a ready image is part of the product's representation.
      const version = await sql.withTransaction(async (trx) =>
        (await repo.deleteImageReturningStatus(trx, productId, imageId)) === 'ready'
          ? bumpProductVersion(trx, productId)
          : undefined,
      );
      // The cache first: a store outage below must not leave the image listed.
      if (version !== undefined) await deps.productChanged(productId, version);
      await deleteImageObjects(blobs, productId, imageId);
    },

    async download(productId, imageId, variant) {
      const row = await found(productId, imageId);
      if (row.status !== 'ready') throw productImagesError('PRODUCT_IMAGES_NOT_FOUND');
      const keys = imageKeys(productId, imageId);
      const signed = await blobs.presignDownload(keys[variant], { expiresInSeconds });
      return signed.url;
    },
  };
}
