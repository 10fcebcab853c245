// The parsers take a Readable plus headers, so they must behave the same on
// HTTP/2, where a body is framed by DATA frames and END_STREAM rather than by
// Content-Length or chunked encoding (RFC 9113 §8.1).

import assert from 'node:assert/strict';
import {
  connect,
  createServer,
  type ClientHttp2Session,
  type Http2Server,
  type Http2ServerRequest,
  type OutgoingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAppError } from '../../../errors/index.ts';
import { defaultBodyLimits } from './limits.ts';
import { parseBody } from './parse-body.ts';

let server: Http2Server;
let session: ClientHttp2Session;
let tmpDir: string;
const fileContents = new Map<string, string>();

before(async () => {
  tmpDir = await mkdtemp(join(tmpdir(), 'throughline-h2-'));
  server = createServer((req: Http2ServerRequest, res) => {
    const limits = { ...defaultBodyLimits, json: 64 };
    parseBody(req, ['json', 'multipart'], limits, { tmpDir }).then(
      async (parsed) => {
        if (parsed.kind === 'multipart') {
          for (const file of parsed.files) {
            fileContents.set(file.field, await readFile(file.path, 'utf8'));
          }
          await parsed.cleanup();
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(parsed));
      },
      (error: unknown) => {
        res.writeHead(isAppError(error) ? error.status : 500);
        res.end(isAppError(error) ? error.code : String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  session = connect(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

after(async () => {
  session.close();
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  await rm(tmpDir, { recursive: true, force: true });
});

function send(
  headers: OutgoingHttpHeaders,
  body?: string,
  endStream = true,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request(
      { ':method': 'POST', ':path': '/', ...headers },
      { endStream: body === undefined && endStream },
    );
    let status = 0;
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (responseHeaders) => (status = Number(responseHeaders[':status'])));
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => {
      resolve({ status, text });
    });
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
    else if (!endStream) stream.end();
  });
}

test('reads a JSON body with and without content-length', async () => {
  const json = { 'content-type': 'application/json' };
  const withLength = await send({ ...json, 'content-length': '7' }, '{"a":1}');
  assert.deepEqual(JSON.parse(withLength.text), { kind: 'json', value: { a: 1 } });
  const withoutLength = await send(json, '[1,2]');
  assert.deepEqual(JSON.parse(withoutLength.text), { kind: 'json', value: [1, 2] });
});

test('END_STREAM on HEADERS, or an empty DATA stream, is no body', async () => {
  assert.deepEqual(JSON.parse((await send({})).text), { kind: 'none' });
  assert.deepEqual(JSON.parse((await send({}, undefined, false)).text), { kind: 'none' });
});

test('a body without content-type is a 415 and an oversized one a 413', async () => {
  assert.deepEqual(await send({}, 'data'), { status: 415, text: 'HTTP_UNSUPPORTED_MEDIA_TYPE' });
  const big = await send({ 'content-type': 'application/json' }, `[${'1,'.repeat(100)}1]`);
  assert.deepEqual(big, { status: 413, text: 'HTTP_PAYLOAD_TOO_LARGE' });
});

test('parses multipart uploads', async () => {
  const boundary = 'h2boundary';
  const body =
    `--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n` +
    `--${boundary}\r\nContent-Disposition: form-data; name="doc"; filename="d.txt"\r\n\r\n` +
    `file body\r\n--${boundary}--\r\n`;
  const response = await send(
    { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  );
  assert.equal(response.status, 200, response.text);
  const parsed = JSON.parse(response.text) as { fields: unknown; files: { size: number }[] };
  assert.deepEqual(parsed.fields, { note: 'hi' });
  assert.equal(parsed.files[0]?.size, 9);
  assert.equal(fileContents.get('doc'), 'file body');
});
