// A real S3-protocol server for tests: s3rver, in this process, on a free
// port of 127.0.0.1, keeping its objects in a temporary directory that
// `stop()` removes. Its credentials are the fixed ones s3rver checks
// signatures with, so presigned URLs are verified as a bucket would.

import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface S3rverOptions {
  readonly address: string;
  readonly port: number;
  readonly silent: boolean;
  readonly directory: string;
  readonly configureBuckets: readonly { readonly name: string }[];
}

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}

// s3rver ships no types: the two calls used here, typed by hand.
const S3rver = createRequire(import.meta.url)('s3rver') as new (
  options: S3rverOptions,
) => S3rverInstance;

export interface TestS3Server {
  /** S3_URL for the adapter: the endpoint with s3rver's credentials. */
  readonly url: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

export async function startS3Server(bucket = 'test-blobs'): Promise<TestS3Server> {
  const directory = await mkdtemp(join(tmpdir(), 's3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  return {
    url: `http://S3RVER:S3RVER@127.0.0.1:${port}`,
    bucket,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
