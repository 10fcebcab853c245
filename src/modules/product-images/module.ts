// Product images: presigned uploads straight to the object store, checked on
// completion by size and magic bytes, resized and stripped of metadata by a
// job, listed with presigned URLs; finished ones appear in the product
// representation (a new product version each time), fetched through stable
// redirect routes. Their objects go with their product (the
// product.deleted consumer) and with them; what is missed, and uploads never
// completed, the hourly orphan sweep removes.

import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Scheduler } from '../../platform/scheduler.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import type { ProductCache } from '../catalog/product-cache.ts';
import type { EventHandlers } from '../events/registry.ts';
import { productImagesErrors } from './errors.ts';
import { createImageProcessor } from './jobs.ts';
import { productPrefix } from './keys.ts';
import type { ProductChanged } from './product-version.ts';
import { registerProductImageRoutes } from './routes.ts';
import { createProductImagesService, PROCESS_IMAGES_QUEUE } from './service.ts';
import { SWEEP_IMAGES_QUEUE, sweepOrphanImages } from './sweep.ts';
import type { ProductImagesDatabase } from './tables.ts';

/** The product cache hears of the new version after the commit, as after the catalog's writes. */
function invalidating(cache: ProductCache | undefined): ProductChanged {
  return async (productId, version) => {
    await cache?.invalidate(productId, version);
  };
}

export const productImagesModule = defineModule({
  name: 'product-images',
  errors: productImagesErrors,
  queues: [PROCESS_IMAGES_QUEUE, SWEEP_IMAGES_QUEUE],
  routes(
    app,
    context: {
      readonly config: Config;
      readonly sql: SqlDatabase<ProductImagesDatabase>;
      readonly blobs: BlobStore;
      readonly queue: Pick<JobQueue, 'enqueue'>;
      readonly productCache: ProductCache | undefined;
    },
  ) {
    registerProductImageRoutes(
      app,
      createProductImagesService({
        sql: context.sql,
        blobs: context.blobs,
        queue: context.queue,
        settings: context.config.blobs,
        productChanged: invalidating(context.productCache),
      }),
      context.config.blobs,
    );
  },
  workers(context: {
    readonly config: Config;
    readonly logger: Logger;
    readonly sql: SqlDatabase<ProductImagesDatabase>;
    readonly blobs: BlobStore;
    readonly queue: Pick<JobQueue, 'process'>;
    readonly scheduler: Scheduler;
    readonly handlers: EventHandlers;
    readonly productCache: ProductCache | undefined;
  }) {
    const { blobs, queue } = context;
    const db = context.sql.db;
    const logger = context.logger.child({ component: 'product-images' });
    queue.process(
      PROCESS_IMAGES_QUEUE,
      createImageProcessor({
        sql: context.sql,
        blobs,
        logger,
        productChanged: invalidating(context.productCache),
      }),
      {
        concurrency: 2,
      },
    );
    // The rows went with the product (on delete cascade); the objects go here.
    context.handlers.onEvent('product.deleted', async (event) => {
      const keys: string[] = [];
      for await (const entry of blobs.list(productPrefix(event.data.productId))) {
        keys.push(entry.key);
      }
      await blobs.delete(keys);
    });
    context.scheduler.add({ name: SWEEP_IMAGES_QUEUE, cron: '23 * * * *' });
    queue.process(SWEEP_IMAGES_QUEUE, async (job) => {
      const swept = await sweepOrphanImages(
        { db, blobs },
        { graceMs: context.config.blobs.orphanGraceMs, signal: job.signal },
      );
      logger.info(swept, 'swept orphaned product images');
    });
  },
});
