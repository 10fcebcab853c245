// The S3 store against the BlobStore contract, on a real S3-protocol server
// (s3rver) the test starts on a free port: multipart streaming, presigned
// URLs checked by the server itself. Then what only S3 adds: an unreachable
// endpoint is BLOBS_UNAVAILABLE (503), not a 500.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createS3BlobStore } from '../../src/adapters/blobs/s3.ts';
import { runBlobStoreContract } from '../../src/ports/blob-store.contract.ts';
import { startS3Server } from '../support/s3-server.ts';

runBlobStoreContract('s3', async () => {
  const server = await startS3Server();
  const store = createS3BlobStore({ url: server.url, bucket: server.bucket });
  return {
    store,
    resolveUrl: (url) => url,
    // s3rver checks a presigned URL's expiry but computes no SigV4 signature.
    checksSignatures: false,
    async close() {
      await store.close();
      await server.stop();
    },
  };
});

test('a presigned upload signs its content type and exact size', async () => {
  const store = createS3BlobStore({ url: 'http://KEY:SECRET@127.0.0.1:9', bucket: 'b' });
  try {
    const upload = await store.presignUpload('p/1/a.png', {
      contentType: 'image/png',
      size: 1234,
      expiresInSeconds: 60,
    });
    const query = new URL(upload.url).searchParams;
    assert.deepEqual(query.get('X-Amz-SignedHeaders')?.split(';').sort(), [
      'content-length',
      'content-type',
      'host',
    ]);
    assert.equal(query.get('X-Amz-Expires'), '60');
    assert.deepEqual(upload.headers, { 'content-type': 'image/png' });
  } finally {
    await store.close();
  }
});

test('an unreachable endpoint is BLOBS_UNAVAILABLE', async () => {
  const server = await startS3Server();
  const url = server.url;
  await server.stop();
  const store = createS3BlobStore({ url, bucket: 'gone' });
  try {
    await assert.rejects(store.head('a/b'), (error) => {
      assert.equal((error as { code?: string }).code, 'BLOBS_UNAVAILABLE');
      return true;
    });
  } finally {
    await store.close();
  }
});
