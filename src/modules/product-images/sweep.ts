// The orphan sweep (a schedule, module.ts): removes what no row points at
// any more, once it is older than the grace period (BLOB_ORPHAN_GRACE_MS):
// - uploads asked for and never completed (a 'pending' row: the row and any
//   bytes that did arrive);
// - objects under products/ whose image row is gone — a product deleted
//   while its consumer was down, a crash between a delete's two steps.
// The grace keeps it clear of uploads in flight: a presigned URL is valid for
// BLOB_PRESIGN_TTL_S, far less than the grace.

import type { Kysely } from 'kysely';
import type { BlobEntry, BlobStore } from '../../ports/blob-store.ts';
import { IMAGE_PREFIX, idsOfKey } from './keys.ts';
import * as repo from './repo.ts';
import { deleteImageObjects } from './service.ts';
import type { ProductImagesDatabase } from './tables.ts';

export const SWEEP_IMAGES_QUEUE = 'product-images.sweep';

const BATCH = 500;

export interface SweepResult {
  readonly abandonedUploads: number;
  readonly orphanObjects: number;
}

export async function sweepOrphanImages(
  deps: { readonly db: Kysely<ProductImagesDatabase>; readonly blobs: BlobStore },
  options: { readonly graceMs: number; readonly now?: Date; readonly signal?: AbortSignal },
): Promise<SweepResult> {
  const { db, blobs } = deps;
  const before = new Date((options.now ?? new Date()).getTime() - options.graceMs);

  let abandonedUploads = 0;
  let stale: repo.ImageRow[];
  do {
    options.signal?.throwIfAborted();
    stale = await repo.stalePendingImages(db, before, BATCH);
    for (const row of stale) {
      await deleteImageObjects(blobs, row.productId, row.id);
      if (await repo.deleteImage(db, row.productId, row.id)) abandonedUploads += 1;
    }
  } while (stale.length === BATCH);

  let orphanObjects = 0;
  let batch: BlobEntry[] = [];
  const settle = async () => {
    const ids = [...new Set(batch.flatMap((entry) => idsOfKey(entry.key)?.imageId ?? []))];
    const alive = await repo.existingImageIds(db, ids);
    const orphans = batch.filter((entry) => {
      const owner = idsOfKey(entry.key);
      return owner === undefined || !alive.has(owner.imageId);
    });
    await blobs.delete(orphans.map((entry) => entry.key));
    orphanObjects += orphans.length;
    batch = [];
  };
  for await (const entry of blobs.list(IMAGE_PREFIX)) {
    if (entry.lastModified >= before) continue;
    batch.push(entry);
    if (batch.length === BATCH) {
      options.signal?.throwIfAborted();
      await settle();
    }
  }
  await settle();
  return { abandonedUploads, orphanObjects };
}
