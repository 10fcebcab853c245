// Blobs: the object store's error codes, and the routes that serve the
// local-disk store's presigned URLs (S3 serves its own). The store itself is
// built by the composition root (wiring/blobs.ts) and handed to the modules
// that keep objects (catalog images).

import { blobErrors } from '../../ports/blob-errors.ts';
import type { BlobStore, SelfServedBlobs } from '../../ports/blob-store.ts';
import { defineModule } from '../contract.ts';
import { registerBlobRoutes } from './routes.ts';

export interface BlobsContext {
  readonly blobs: BlobStore;
  /** The store when the service serves its presigned URLs itself (local disk). */
  readonly selfServedBlobs: SelfServedBlobs | undefined;
}

export const blobsModule = defineModule({
  name: 'blobs',
  errors: blobErrors,
  routes(app, context: BlobsContext) {
    registerBlobRoutes(app, context.blobs, context.selfServedBlobs);
  },
});
