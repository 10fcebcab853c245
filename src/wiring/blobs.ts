// Which blob store the service uses: S3 when S3_URL is set, the local disk
// under DATA_DIR/blobs otherwise. The disk store's presigned URLs are signed
// with a key derived from the data key (no secret of its own) and served by
// the blobs module's routes; S3's are the bucket's.

import { join } from 'node:path';
import { createLocalDiskBlobStore } from '../adapters/blobs/local-disk.ts';
import { createS3BlobStore } from '../adapters/blobs/s3.ts';
import type { Config } from '../platform/config.ts';
import { deriveKey } from '../platform/data-key.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { BlobStore, SelfServedBlobs } from '../ports/blob-store.ts';

export interface ServiceBlobs {
  readonly store: BlobStore;
  /** The disk store, which the service serves itself; undefined on S3. */
  readonly selfServed: SelfServedBlobs | undefined;
}

export function openBlobStore(
  config: Config,
  deps: { readonly dataKey: Buffer; readonly lifecycle: Lifecycle },
): ServiceBlobs {
  const { s3Url, s3Bucket, s3Region } = config.blobs;
  if (s3Url !== undefined) {
    const store = createS3BlobStore({ url: s3Url, bucket: s3Bucket, region: s3Region });
    deps.lifecycle.add({ name: 'blob store (s3)', close: () => store.close() });
    return { store, selfServed: undefined };
  }
  const store = createLocalDiskBlobStore({
    dir: join(config.dataDir, 'blobs'),
    signingKey: deriveKey(deps.dataKey, 'blob-urls'),
    baseUrl: config.http.publicUrl,
  });
  return { store, selfServed: store };
}
