// Product images: presigned uploads straight to the object store, checked on
// completion by size and magic bytes, resized and stripped of metadata by a
// job, listed with presigned URLs. Their objects go with their product (the
// product.deleted consumer) and with them; what is missed, and uploads never
// completed, the hourly orphan sweep removes.

import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Scheduler } from '../../platform/scheduler.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { defineModule } from '../contract.ts';
import type { EventHandlers } from '../events/registry.ts';
import { productImagesErrors } from './errors.ts';
import { createImageProcessor } from './jobs.ts';
import { productPrefix } from './keys.ts';
import { registerProductImageRoutes } from './routes.ts';
import { createProductImagesService, PROCESS_IMAGES_QUEUE } from './service.ts';
import { SWEEP_IMAGES_QUEUE, sweepOrphanImages } from './sweep.ts';
import type { ProductImagesDatabase } from './tables.ts';

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
    },
  ) {
    registerProductImageRoutes(
      app,
      createProductImagesService({
        db: context.sql.db,
        blobs: context.blobs,
        queue: context.queue,
        settings: context.config.blobs,
      }),
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
  }) {
    const { blobs, queue } = context;
    const db = context.sql.db;
    const logger = context.logger.child({ component: 'product-images' });
    queue.process(PROCESS_IMAGES_QUEUE, createImageProcessor({ db, blobs, logger }), {
      concurrency: 2,
    });
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
