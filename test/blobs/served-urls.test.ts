// The local-disk store's presigned URLs as the service serves them: first the
// BlobStore contract's presigned cases over real HTTP (uploads and downloads
// through /blobs/<key>), then the serving itself — byte ranges, conditional
// GETs, and every refusal as problem+json with its code: edited or expired
// URLs 403, an oversized Content-Length 413 before a byte of the body is
// sent, another content type 415, path tricks 4xx, never a 500. Every
// response is checked against the OpenAPI document (startService).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLocalDiskBlobStore } from '../../src/adapters/blobs/local-disk.ts';
import { deriveKey } from '../../src/platform/data-key.ts';
import { runBlobStoreContract } from '../../src/ports/blob-store.contract.ts';
import { captureLogger, startService, type StartedService } from '../support/start.ts';

const DATA_KEY = randomBytes(32);
const env = { DATA_ENCRYPTION_KEY: DATA_KEY.toString('base64') };

/** A store on the service's blob directory, signing as the service does (optionally in the past). */
function storeOf(service: StartedService, shiftMs = 0) {
  return createLocalDiskBlobStore({
    dir: join(service.dataDir, 'blobs'),
    signingKey: deriveKey(DATA_KEY, 'blob-urls'),
    now: () => Date.now() + shiftMs,
  });
}

runBlobStoreContract('local-disk, URLs served by the service', async () => {
  const service = await startService({ env });
  return {
    store: storeOf(service),
    resolveUrl: (url) => new URL(url, service.url).href,
    close: () => service.close(),
  };
});

async function problem(response: Response): Promise<{ code: string; status: number }> {
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  return (await response.json()) as { code: string; status: number };
}

describe('presigned URLs served by the service', () => {
  const captured = captureLogger('info');
  let service: StartedService;
  const bytes = randomBytes(1000);
  let download = '';
  const key = 'tests/served/object.bin';

  before(async () => {
    service = await startService({ env, logger: captured.logger });
    const store = storeOf(service);
    await store.put(key, bytes, { contentType: 'application/octet-stream' });
    download = new URL(
      (await store.presignDownload(key, { expiresInSeconds: 600 })).url,
      service.url,
    ).href;
  });
  after(() => service.close());

  test('serves the whole object with its validators, and HEAD without the body', async () => {
    const response = await fetch(download);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('accept-ranges'), 'bytes');
    assert.equal(response.headers.get('content-length'), '1000');
    assert.match(response.headers.get('etag') ?? '', /^"/);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), bytes);
    const head = await fetch(download, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), '1000');
  });

  test('serves one byte range as 206, and refuses one past the end with 416', async () => {
    const part = await fetch(download, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), 'bytes 100-199/1000');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));
    const suffix = await fetch(download, { headers: { range: 'bytes=-10' } });
    assert.equal(suffix.status, 206);
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(990));
    const past = await fetch(download, { headers: { range: 'bytes=1000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), 'bytes */1000');
    assert.equal((await problem(past)).code, 'BLOBS_RANGE_NOT_SATISFIABLE');
  });

  test('answers a matching If-None-Match with 304, and a stale If-Range with the whole object', async () => {
    const etag = (await fetch(download, { method: 'HEAD' })).headers.get('etag')!;
    const cached = await fetch(download, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
    const stale = await fetch(download, { headers: { range: 'bytes=0-9', 'if-range': '"old"' } });
    assert.equal(stale.status, 200);
    assert.equal((await stale.arrayBuffer()).byteLength, 1000);
    const fresh = await fetch(download, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    assert.equal(fresh.status, 206);
    await fresh.arrayBuffer();
  });

  test('an edited URL is 403 BLOBS_SIGNATURE_INVALID', async () => {
    const later = new URL(download);
    later.searchParams.set('expires', String(Number(later.searchParams.get('expires')) + 3600));
    const other = download.replace('object.bin', 'other.bin');
    const unsigned = download.split('?')[0]!;
    for (const url of [later.href, other, unsigned]) {
      const response = await fetch(url);
      assert.equal(response.status, 403, url);
      assert.equal((await problem(response)).code, 'BLOBS_SIGNATURE_INVALID');
    }
  });

  test('an expired URL is 403 BLOBS_URL_EXPIRED', async () => {
    // Signed an hour ago for ten minutes: expired, without waiting.
    const past = storeOf(service, -3_600_000);
    const url = (await past.presignDownload(key, { expiresInSeconds: 600 })).url;
    const response = await fetch(new URL(url, service.url));
    assert.equal(response.status, 403);
    assert.equal((await problem(response)).code, 'BLOBS_URL_EXPIRED');
  });

  test('a download URL does not upload', async () => {
    const response = await fetch(download, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(1000),
    });
    assert.equal(response.status, 403);
    assert.equal((await problem(response)).code, 'BLOBS_SIGNATURE_INVALID');
  });

  test('path tricks in the key are refused, never a 500', async () => {
    for (const path of [
      '/blobs/a/%2e%2e/%2e%2e/etc/passwd',
      '/blobs/..%2F..%2Fkeys',
      '/blobs/a%5Cb',
    ]) {
      const response = await fetch(new URL(path, service.url));
      assert.ok(response.status >= 400 && response.status < 500, `${path}: ${response.status}`);
      await response.arrayBuffer();
    }
  });

  describe('uploads', () => {
    let upload: { url: string; headers: Readonly<Record<string, string>> };
    const uploadKey = 'tests/served/upload.png';

    before(async () => {
      const signed = await storeOf(service).presignUpload(uploadKey, {
        contentType: 'image/png',
        size: 100,
        expiresInSeconds: 600,
      });
      upload = { url: new URL(signed.url, service.url).href, headers: signed.headers };
    });

    test('a Content-Length above the signed size is 413 before any of the body is sent', async () => {
      const url = new URL(upload.url);
      // Announce 50 MB and send nothing: the answer must come anyway.
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const outgoing = request(url, {
          method: 'PUT',
          headers: { 'content-type': 'image/png', 'content-length': String(50_000_000) },
        });
        outgoing.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => {
            resolve({ status: response.statusCode ?? 0, body });
          });
        });
        outgoing.on('error', reject);
        outgoing.flushHeaders();
      });
      assert.equal(answer.status, 413);
      assert.equal((JSON.parse(answer.body) as { code: string }).code, 'BLOBS_TOO_LARGE');
    });

    test('another content type is 415, a shorter body 400; nothing is stored', async () => {
      const retyped = await fetch(upload.url, {
        method: 'PUT',
        headers: { 'content-type': 'text/html' },
        body: Buffer.alloc(100),
      });
      assert.equal(retyped.status, 415);
      assert.equal((await problem(retyped)).code, 'BLOBS_CONTENT_TYPE_MISMATCH');
      const short = await fetch(upload.url, {
        method: 'PUT',
        headers: upload.headers,
        body: Buffer.alloc(99),
      });
      assert.equal(short.status, 400);
      assert.equal((await problem(short)).code, 'BLOBS_SIZE_MISMATCH');
      assert.equal(await storeOf(service).head(uploadKey), undefined);
    });

    test('the signed upload is stored, with its ETag in the answer', async () => {
      const response = await fetch(upload.url, {
        method: 'PUT',
        headers: upload.headers,
        body: Buffer.alloc(100, 1),
      });
      assert.equal(response.status, 204);
      const stored = await storeOf(service).head(uploadKey);
      assert.equal(stored?.size, 100);
      assert.equal(response.headers.get('etag'), stored.etag);
      // Streamed to the store rather than parsed: the access log still counts it.
      const line = captured.records.find(
        (record) =>
          record.msg === 'request' && record.reqId === response.headers.get('x-request-id'),
      );
      assert.equal(line?.bytesIn, 100);
    });
  });
});
