// The local-disk store against the BlobStore contract, then what only it
// promises: objects land whole or not at all (no partial file under an
// object's name, nothing left in incoming/ after a refused upload), and
// owner-only permissions.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLocalDiskBlobStore } from '../../src/adapters/blobs/local-disk.ts';
import { runBlobStoreContract } from '../../src/ports/blob-store.contract.ts';

async function freshStore() {
  const dir = await mkdtemp(join(tmpdir(), 'blobs-'));
  const store = createLocalDiskBlobStore({ dir, signingKey: randomBytes(32) });
  return { dir, store, close: () => rm(dir, { recursive: true, force: true }) };
}

runBlobStoreContract('local-disk', freshStore);

describe('local-disk blob store', () => {
  test('a refused upload leaves nothing behind', async () => {
    const { dir, store, close } = await freshStore();
    try {
      await assert.rejects(
        store.put('p/1/x.bin', Buffer.alloc(100), { contentType: 'image/png', maxBytes: 10 }),
      );
      assert.deepEqual(await readdir(join(dir, 'incoming')), []);
      assert.equal(await store.head('p/1/x.bin'), undefined);
    } finally {
      await close();
    }
  });

  test('files are owner-only, and deleting the last object of a folder removes the folder', async () => {
    const { dir, store, close } = await freshStore();
    try {
      await store.put('p/1/x.bin', Buffer.from('x'), { contentType: 'image/png' });
      assert.equal((await stat(join(dir, 'objects', 'p', '1', 'x.bin'))).mode & 0o077, 0);
      await store.delete(['p/1/x.bin']);
      assert.deepEqual(await readdir(join(dir, 'objects')), []);
    } finally {
      await close();
    }
  });
});
