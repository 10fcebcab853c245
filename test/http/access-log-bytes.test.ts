// The access log's line says how many bytes of body the service read
// (`bytesIn`) and sent (`bytesOut`): counted by whichever reader took the body
// (JSON, multipart), 0 for a body refused unread; the compressed size when the
// response was compressed; the declared length of a stream, and nothing for a
// stream of unknown length.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { accessLog } from '../../src/http/middleware/access-log/access-log.ts';
import { compression } from '../../src/http/middleware/compression/compression.ts';
import { defaultBodyLimits } from '../../src/http/request/body/index.ts';
import type { LogRecord } from '../support/start.ts';
import { rawRequest, serve, type Harness } from './harness.ts';

const JSON_LIMIT = 4096;
const LARGE = { items: Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item ${i}` })) };
const STREAMED = 'streamed bytes\n'.repeat(100);

describe('access log bytes in and out', () => {
  let h: Harness;
  let uploadDir: string;
  before(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'throughline-access-bytes-'));
    h = await serve(
      (app) => {
        app.use(accessLog(), compression());
        app.route({
          method: 'POST',
          path: '/echo',
          auth: 'public',
          schema: { body: z.object({ text: z.string() }) },
          handler: (c) => c.json({ length: c.input.body.text.length }),
        });
        app.route({
          method: 'POST',
          path: '/upload',
          auth: 'public',
          accepts: ['multipart'],
          handler: (c) => c.json({ ok: true }),
        });
        app.get('/large', (c) => c.json(LARGE), { auth: 'public' });
        app.get(
          '/download',
          (c) =>
            c
              .stream(Readable.from([STREAMED]), 'application/octet-stream')
              .set('content-length', String(Buffer.byteLength(STREAMED))),
          { auth: 'public' },
        );
        app.get('/events', (c) => c.stream(Readable.from(['data: one\n\n']), 'text/event-stream'), {
          auth: 'public',
        });
      },
      { bodyLimits: { ...defaultBodyLimits, json: JSON_LIMIT }, uploadDir },
    );
  });
  after(async () => {
    await h.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  /** The access line of the response with this request id (it is written before the body is sent). */
  const lineOf = (requestId: string | string[] | undefined): LogRecord => {
    const line = h.logs.find((record) => record.msg === 'request' && record.reqId === requestId);
    assert.ok(line, `no access line for ${String(requestId)}`);
    return line;
  };

  it('counts the JSON body read and the body sent', async () => {
    const body = JSON.stringify({ text: 'naïve café ☕' });
    const res = await rawRequest(h.url, {
      method: 'POST',
      path: '/echo',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(res.status, 200);
    const line = lineOf(res.headers['x-request-id']);
    assert.equal(line.bytesIn, Buffer.byteLength(body));
    assert.ok(Buffer.byteLength(body) > body.length, 'the body has multi-byte characters');
    assert.equal(line.bytesOut, Number(res.headers['content-length']));
    assert.equal(line.bytesOut, Buffer.byteLength(res.body));
  });

  it('counts a multipart body as it arrived on the wire', async () => {
    const boundary = 'access-log-bytes';
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="title"',
      '',
      'a title',
      `--${boundary}`,
      'Content-Disposition: form-data; name="file"; filename="a.txt"',
      'Content-Type: text/plain',
      '',
      'file contents',
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const res = await rawRequest(h.url, {
      method: 'POST',
      path: '/upload',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    assert.equal(res.status, 200, res.body);
    assert.equal(lineOf(res.headers['x-request-id']).bytesIn, Buffer.byteLength(body));
  });

  it('reads nothing of a body refused on its declared length', async () => {
    const res = await rawRequest(h.url, {
      method: 'POST',
      path: '/echo',
      headers: {
        'content-type': 'application/json',
        'content-length': String(JSON_LIMIT + 1),
      },
    });
    assert.equal(res.status, 413);
    const line = lineOf(res.headers['x-request-id']);
    assert.equal(line.bytesIn, 0);
    assert.equal(line.bytesOut, Buffer.byteLength(res.body));
  });

  it('gives the compressed size of a compressed response', async () => {
    const res = await rawRequest(h.url, {
      path: '/large',
      headers: { 'accept-encoding': 'gzip' },
    });
    assert.equal(res.headers['content-encoding'], 'gzip');
    const sent = Number(res.headers['content-length']);
    const line = lineOf(res.headers['x-request-id']);
    assert.equal(line.bytesOut, sent);
    assert.ok(sent < Buffer.byteLength(JSON.stringify(LARGE)), 'compressed below the JSON size');
    assert.equal(line.bytesIn, 0);
  });

  it('gives 0 for a HEAD, whose body is never sent', async () => {
    const res = await rawRequest(h.url, { method: 'HEAD', path: '/large' });
    assert.equal(res.status, 200);
    assert.equal(lineOf(res.headers['x-request-id']).bytesOut, 0);
  });

  it('gives a stream its declared length, and nothing when it has none', async () => {
    const download = await rawRequest(h.url, { path: '/download' });
    assert.equal(download.body, STREAMED);
    assert.equal(lineOf(download.headers['x-request-id']).bytesOut, Buffer.byteLength(STREAMED));
    const events = await rawRequest(h.url, { path: '/events' });
    assert.equal(events.status, 200);
    assert.equal(lineOf(events.headers['x-request-id']).bytesOut, undefined);
  });
});
