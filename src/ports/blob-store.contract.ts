// The BlobStore contract: one suite every adapter must pass, so code written
// against the local disk behaves the same on S3. An adapter's test file is a
// call: `runBlobStoreContract('local-disk', open)`.
//
// Every case works under a random key prefix of its own and deletes what it
// wrote, so suites can share one bucket. Presigned URLs are exercised over
// real HTTP (fetch) when the opener says where relative URLs resolve.

import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { after, afterEach, before, describe, it, type TestContext } from 'node:test';
import { eventually } from '../../test/support/eventually.ts';
import type { BlobStore } from './blob-store.ts';

export interface BlobStoreUnderTest {
  readonly store: BlobStore;
  /**
   * Resolves a presigned URL to one fetch can call (a path on the service
   * that serves the store); absent: the presigned cases are skipped.
   */
  readonly resolveUrl?: (url: string) => string;
  /**
   * False where the server under test does not check signatures (s3rver
   * computes no SigV4): the cases that need a refused signature are skipped,
   * and the adapter's own test shows what it signs instead.
   */
  readonly checksSignatures?: boolean;
  close(): Promise<void>;
}

/** Bytes of the large case: above S3's 5 MiB multipart threshold, so it streams in parts. */
const LARGE_BYTES = 12 * 1024 * 1024 + 17;

/** A stream of `size` pseudo-random bytes made chunk by chunk, hashed as it goes. */
function generated(size: number): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  const chunk = randomBytes(64 * 1024);
  let left = size;
  const stream = new Readable({
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const piece = chunk.subarray(0, Math.min(chunk.length, left));
      left -= piece.length;
      hash.update(piece);
      this.push(Buffer.from(piece));
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

async function digestOf(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function hasCode(code: string) {
  return (error: unknown) => {
    assert.equal((error as { code?: unknown }).code, code, String(error));
    return true;
  };
}

export function runBlobStoreContract(name: string, open: () => Promise<BlobStoreUnderTest>): void {
  void describe(`BlobStore contract: ${name}`, () => {
    let under: BlobStoreUnderTest | undefined;
    let opening: Promise<unknown> | undefined;
    let prefix = '';
    const store = () => under!.store;

    before(async () => {
      opening = (async () => {
        under = await open();
      })();
      await opening;
    });
    afterEach(async () => {
      if (under === undefined) return;
      const keys: string[] = [];
      for await (const found of under.store.list(prefix)) keys.push(found.key);
      await under.store.delete(keys);
    });
    after(async () => {
      await opening?.catch(() => undefined);
      await under?.close();
    });
    const key = (rest: string) => {
      prefix = `contract-${randomUUID()}/`;
      return `${prefix}${rest}`;
    };

    void it('stores bytes and reads them back with their size, type and ETag', async () => {
      const k = key('a/hello.txt');
      const put = await store().put(k, Buffer.from('hello, blobs'), { contentType: 'text/plain' });
      assert.equal(put.size, 12);
      assert.match(put.etag, /^"[^"]+"$/);
      const head = await store().head(k);
      assert.equal(head?.size, 12);
      assert.equal(head.contentType, 'text/plain');
      assert.equal(head.etag, put.etag);
      const read = await store().get(k);
      assert.equal(await text(read!.body), 'hello, blobs');
      assert.equal(read!.info.etag, put.etag);
    });

    void it('replaces an object whole, with a new ETag', async () => {
      const k = key('replace.bin');
      const first = await store().put(k, Buffer.from('first'), { contentType: 'text/plain' });
      const second = await store().put(k, Buffer.from('second!'), { contentType: 'text/csv' });
      assert.notEqual(first.etag, second.etag);
      const head = await store().head(k);
      assert.equal(head?.size, 7);
      assert.equal(head.contentType, 'text/csv');
    });

    void it('reads an inclusive byte range', async () => {
      const k = key('range.txt');
      await store().put(k, Buffer.from('0123456789'), { contentType: 'text/plain' });
      const read = await store().get(k, { range: { start: 2, end: 5 } });
      assert.equal(await text(read!.body), '2345');
      assert.equal(read!.info.size, 10);
    });

    void it('answers undefined for a missing object, and deleting one is not an error', async () => {
      const k = key('missing');
      assert.equal(await store().head(k), undefined);
      assert.equal(await store().get(k), undefined);
      await store().delete([k]);
    });

    void it('deletes several objects and lists by prefix', async () => {
      const a = key('list/a');
      const b = `${prefix}list/b`;
      const c = `${prefix}other/c`;
      for (const k of [a, b, c])
        await store().put(k, Buffer.from(k), { contentType: 'text/plain' });
      const listed = [];
      for await (const found of store().list(`${prefix}list/`)) listed.push(found.key);
      assert.deepEqual(listed.sort(), [a, b]);
      await store().delete([a, c]);
      assert.equal(await store().head(a), undefined);
      assert.equal(await store().head(c), undefined);
      assert.equal((await store().head(b))?.size, b.length);
    });

    void it('streams a large object in and out without changing a byte', async () => {
      const k = key('large.bin');
      const source = generated(LARGE_BYTES);
      const put = await store().put(k, source.stream, {
        contentType: 'application/octet-stream',
        size: LARGE_BYTES,
      });
      assert.equal(put.size, LARGE_BYTES);
      const read = await store().get(k);
      assert.equal(await digestOf(read!.body), source.digest());
    });

    void it('refuses more bytes than allowed, and keeps the previous object', async () => {
      const k = key('limited.bin');
      await store().put(k, Buffer.from('kept'), { contentType: 'text/plain' });
      await assert.rejects(
        store().put(k, generated(64 * 1024).stream, { contentType: 'text/plain', maxBytes: 1000 }),
        hasCode('BLOBS_TOO_LARGE'),
      );
      await assert.rejects(
        store().put(k, Buffer.alloc(11), { contentType: 'text/plain', size: 10 }),
        hasCode('BLOBS_TOO_LARGE'),
      );
      await assert.rejects(
        store().put(k, Buffer.alloc(9), { contentType: 'text/plain', size: 10 }),
        hasCode('BLOBS_SIZE_MISMATCH'),
      );
      assert.equal(await text((await store().get(k))!.body), 'kept');
    });

    void it('refuses keys with path tricks in every call', async () => {
      key('unused');
      const tricks = ['../escape', '/absolute', 'a/../b', 'a\\b', '', 'a//b', '.hidden', 'a/./b'];
      for (const bad of tricks) {
        const invalid = hasCode('BLOBS_INVALID_KEY');
        await assert.rejects(
          store().put(bad, Buffer.from('x'), { contentType: 'text/plain' }),
          invalid,
        );
        await assert.rejects(store().head(bad), invalid);
        await assert.rejects(store().get(bad), invalid);
        await assert.rejects(store().delete([bad]), invalid);
        await assert.rejects(
          store().presignUpload(bad, { contentType: 'text/plain', size: 1, expiresInSeconds: 60 }),
          invalid,
        );
      }
    });

    void describe('presigned URLs', () => {
      const skip = () => under?.resolveUrl === undefined;
      const unchecked = () => under?.checksSignatures === false;
      const resolve = (url: string) => under!.resolveUrl!(url);
      /** Skips `t` where URLs cannot be fetched, or where the server does not check signatures. */
      const skipUnlessSignaturesChecked = (t: TestContext): boolean => {
        if (skip()) t.skip('no HTTP server for this store');
        else if (unchecked()) t.skip('this server does not check signatures');
        else return false;
        return true;
      };
      /** A presigned upload of a 10-byte PNG to `k`. */
      const presignSmallPng = (k: string) =>
        store().presignUpload(k, { contentType: 'image/png', size: 10, expiresInSeconds: 300 });

      void it('uploads with a presigned PUT and downloads with a presigned GET', async (t) => {
        if (skip()) {
          t.skip('no HTTP server for this store');
          return;
        }
        const k = key('presigned/photo.png');
        const bytes = randomBytes(3000);
        const upload = await store().presignUpload(k, {
          contentType: 'image/png',
          size: bytes.length,
          expiresInSeconds: 300,
        });
        assert.equal(upload.method, 'PUT');
        const put = await fetch(resolve(upload.url), {
          method: 'PUT',
          headers: upload.headers,
          body: bytes,
        });
        assert.ok(put.ok, `${put.status} ${await put.text()}`);
        assert.equal((await store().head(k))?.contentType, 'image/png');

        const download = await store().presignDownload(k, { expiresInSeconds: 300 });
        const got = await fetch(resolve(download.url));
        assert.equal(got.status, 200);
        assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
      });

      void it('refuses a presigned URL that was edited (403), and stores nothing', async (t) => {
        if (skipUnlessSignaturesChecked(t)) return;
        const k = key('tampered.png');
        const upload = await presignSmallPng(k);
        const otherKey = resolve(upload.url).replace('tampered.png', 'elsewhere.png');
        const response = await fetch(otherKey, {
          method: 'PUT',
          headers: upload.headers,
          body: Buffer.alloc(10),
        });
        assert.equal(response.status, 403);
        await response.arrayBuffer();
        assert.equal(await store().head(`${prefix}elsewhere.png`), undefined);
      });

      void it('refuses an upload of another size or content type than was signed', async (t) => {
        if (skipUnlessSignaturesChecked(t)) return;
        const k = key('strict.png');
        const upload = await presignSmallPng(k);
        const url = resolve(upload.url);
        const bigger = await fetch(url, {
          method: 'PUT',
          headers: upload.headers,
          body: Buffer.alloc(20),
        });
        assert.ok(bigger.status >= 400 && bigger.status < 500, `size: ${bigger.status}`);
        await bigger.arrayBuffer();
        const retyped = await fetch(url, {
          method: 'PUT',
          headers: { 'content-type': 'text/html' },
          body: Buffer.alloc(10),
        });
        assert.ok(retyped.status >= 400 && retyped.status < 500, `type: ${retyped.status}`);
        await retyped.arrayBuffer();
        assert.equal(await store().head(k), undefined);
      });

      void it('refuses a presigned URL once it expired (403)', async (t) => {
        if (skip()) {
          t.skip('no HTTP server for this store');
          return;
        }
        const k = key('expiring.txt');
        await store().put(k, Buffer.from('soon gone'), { contentType: 'text/plain' });
        const download = await store().presignDownload(k, { expiresInSeconds: 1 });
        const url = resolve(download.url);
        await eventually('the URL expires', async () => {
          const response = await fetch(url);
          await response.arrayBuffer();
          return response.status === 403;
        });
      });
    });
  });
}
