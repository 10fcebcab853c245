// Product-image rows. Queries take the database to run on and return the
// domain's shape (ImageRow), never Kysely rows.

import type { Kysely } from 'kysely';
import type { ImageStatus, ProductImagesDatabase } from './tables.ts';

type Db = Kysely<ProductImagesDatabase>;

export interface ImageRow {
  readonly id: string;
  readonly productId: string;
  readonly status: ImageStatus;
  readonly contentType: string;
  readonly size: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly createdAt: Date;
}

const COLUMNS = [
  'id',
  'product_id',
  'status',
  'content_type',
  'size_bytes',
  'width',
  'height',
  'created_at',
] as const;

function toImage(row: {
  id: string;
  product_id: string;
  status: ImageStatus;
  content_type: string;
  size_bytes: number | string;
  width: number | null;
  height: number | null;
  created_at: Date;
}): ImageRow {
  return {
    id: row.id,
    productId: row.product_id,
    status: row.status,
    contentType: row.content_type,
    size: Number(row.size_bytes),
    width: row.width,
    height: row.height,
    createdAt: row.created_at,
  };
}

export async function productExists(db: Db, productId: string): Promise<boolean> {
  const found = await db
    .selectFrom('products')
    .select('id')
    .where('id', '=', productId)
    .executeTakeFirst();
  return found !== undefined;
}

export async function insertImage(
  db: Db,
  image: { productId: string; contentType: string; size: number },
): Promise<ImageRow> {
  const row = await db
    .insertInto('product_images')
    .values({
      product_id: image.productId,
      content_type: image.contentType,
      size_bytes: image.size,
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return toImage(row);
}

export async function findImage(
  db: Db,
  productId: string,
  imageId: string,
): Promise<ImageRow | undefined> {
  const row = await db
    .selectFrom('product_images')
    .select(COLUMNS)
    .where('id', '=', imageId)
    .where('product_id', '=', productId)
    .executeTakeFirst();
  return row === undefined ? undefined : toImage(row);
}

export async function listImages(db: Db, productId: string): Promise<ImageRow[]> {
  const rows = await db
    .selectFrom('product_images')
    .select(COLUMNS)
    .where('product_id', '=', productId)
    .orderBy('id')
    .execute();
  return rows.map(toImage);
}

/** Moves an image from one status to the next; false when it was not in `from` (a race lost). */
export async function moveImage(
  db: Db,
  imageId: string,
  from: ImageStatus,
  to: ImageStatus,
  dimensions?: { width: number; height: number },
): Promise<boolean> {
  const result = await db
    .updateTable('product_images')
    .set({ status: to, updated_at: new Date(), ...(dimensions ?? {}) })
    .where('id', '=', imageId)
    .where('status', '=', from)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteImage(db: Db, productId: string, imageId: string): Promise<boolean> {
  return (await deleteImageReturningStatus(db, productId, imageId)) !== undefined;
}

/** Deletes the image; resolves with the status it had, or undefined when there was none. */
export async function deleteImageReturningStatus(
  db: Db,
  productId: string,
  imageId: string,
): Promise<ImageStatus | undefined> {
  const row = await db
    .deleteFrom('product_images')
    .where('id', '=', imageId)
    .where('product_id', '=', productId)
    .returning('status')
    .executeTakeFirst();
  return row?.status;
}

/** Uploads asked for before `before` and never completed: the sweep's work. */
export async function stalePendingImages(db: Db, before: Date, limit: number): Promise<ImageRow[]> {
  const rows = await db
    .selectFrom('product_images')
    .select(COLUMNS)
    .where('status', '=', 'pending')
    .where('created_at', '<', before)
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map(toImage);
}

/** Which of these image ids still have a row. */
export async function existingImageIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('product_images').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}
