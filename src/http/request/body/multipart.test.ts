import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { eventually } from '../../../../test/support/eventually.ts';
import { BodyTestServer, type WireResponse } from './body-test-server.ts';
import { defaultBodyLimits, type MultipartLimits } from './limits.ts';
import { sanitiseFilename } from './multipart.ts';
import { parseBody, type ParsedBody } from './parse-body.ts';
import { isClientAbortError } from './read-body.ts';

const BOUNDARY = '----throughline-boundary-7MA4YWxk';
const multipartType = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

interface Part {
  readonly name: string;
  readonly value: string | Buffer;
  readonly filename?: string;
  readonly type?: string;
}

function partHead(part: Part): string {
  const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
  const type = part.type === undefined ? '' : `\r\nContent-Type: ${part.type}`;
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"${filename}${type}\r\n\r\n`;
}

function multipart(parts: readonly Part[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    pieces.push(Buffer.from(partHead(part)), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  pieces.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

let server: BodyTestServer;
let root: string;
let tmpDir: string;
let lastParsed: ParsedBody | undefined;

before(async () => {
  server = await BodyTestServer.start();
});
after(async () => {
  await server.close();
});
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'throughline-multipart-'));
  // A directory that does not exist yet: parseBody must create it.
  tmpDir = join(root, 'uploads', 'nested');
  lastParsed = undefined;
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function parseWith(limits: Partial<MultipartLimits> = {}, signal?: AbortSignal): void {
  server.use(async (req) => {
    lastParsed = await parseBody(
      req,
      ['multipart'],
      { ...defaultBodyLimits, multipart: { ...defaultBodyLimits.multipart, ...limits } },
      { tmpDir, signal },
    );
    return lastParsed;
  });
}

async function filesOnDisk(): Promise<string[]> {
  try {
    return await readdir(tmpDir);
  } catch {
    return [];
  }
}

function assertTooLarge(response: WireResponse, limitName: string): void {
  const body = response.body as { code: string; detail: string };
  assert.equal(response.status, 413, JSON.stringify(body));
  assert.equal(body.code, 'HTTP_PAYLOAD_TOO_LARGE');
  assert.match(body.detail, new RegExp(`\\b${limitName}\\b`));
}

describe('multipart/form-data', () => {
  test('stores two files and fields; cleanup() deletes the files', async () => {
    parseWith();
    const binary = Buffer.from([0, 1, 2, 255, 254, 13, 10, 45, 45]);
    const response = await server.send({
      headers: multipartType,
      body: multipart([
        { name: 'title', value: 'Holiday' },
        { name: 'tag', value: 'a' },
        { name: 'tag', value: 'b' },
        { name: '__proto__', value: 'ignored' },
        { name: 'photo', value: binary, filename: 'beach.png', type: 'image/png' },
        { name: 'notes', value: 'héllo\n', filename: 'notes.txt', type: 'text/plain' },
      ]),
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.ok(lastParsed?.kind === 'multipart');
    assert.deepEqual({ ...lastParsed.fields }, { title: 'Holiday', tag: ['a', 'b'] });
    assert.equal(Object.getPrototypeOf(lastParsed.fields), null);

    const [photo, notes] = lastParsed.files;
    assert.ok(photo !== undefined && notes !== undefined);
    assert.equal(lastParsed.files.length, 2);
    assert.deepEqual(
      { field: photo.field, filename: photo.filename, mimeType: photo.mimeType, size: photo.size },
      { field: 'photo', filename: 'beach.png', mimeType: 'image/png', size: binary.length },
    );
    assert.deepEqual(await readFile(photo.path), binary);
    assert.equal(notes.size, Buffer.byteLength('héllo\n'));
    assert.equal(await readFile(notes.path, 'utf8'), 'héllo\n');
    for (const file of lastParsed.files) {
      assert.equal(dirname(file.path), tmpDir);
      assert.ok(!file.path.includes('beach') && !file.path.includes('notes'));
      assert.equal((await stat(file.path)).mode & 0o777, 0o600);
    }

    await lastParsed.cleanup();
    assert.deepEqual(await filesOnDisk(), []);
    await lastParsed.cleanup(); // idempotent
  });

  test('reduces a client filename with ../ parts to its basename', async () => {
    parseWith();
    const response = await server.send({
      headers: multipartType,
      body: multipart([
        { name: 'a', value: 'x', filename: '../../evil.txt' },
        { name: 'b', value: 'y', filename: '..\\..\\windows\\evil.bat' },
        { name: 'c', value: 'z', filename: '..' },
      ]),
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.ok(lastParsed?.kind === 'multipart');
    assert.deepEqual(
      lastParsed.files.map((file) => file.filename),
      ['evil.txt', 'evil.bat', ''],
    );
    for (const file of lastParsed.files) assert.equal(dirname(file.path), tmpDir);
    assert.deepEqual((await readdir(root)).sort(), ['uploads']);
    await lastParsed.cleanup();
  });

  test('sanitiseFilename strips paths and control characters', () => {
    assert.equal(sanitiseFilename('/etc/passwd'), 'passwd');
    assert.equal(sanitiseFilename('C:\\Users\\me\\cv.pdf'), 'cv.pdf');
    assert.equal(sanitiseFilename('a\u0000b\u001f\u007fc.txt'), 'abc.txt');
    assert.equal(sanitiseFilename('dir/.'), '');
    assert.equal(sanitiseFilename(undefined), '');
    assert.equal(sanitiseFilename('x'.repeat(300)).length, 255);
  });

  test('rejects a missing or invalid boundary with 400', async () => {
    parseWith();
    for (const type of ['multipart/form-data', 'multipart/form-data; boundary=" bad "']) {
      const response = await server.send({ headers: { 'content-type': type }, body: 'x' });
      assert.equal(response.status, 400);
      assert.equal((response.body as { code: string }).code, 'HTTP_MALFORMED_BODY');
    }
  });

  test('rejects a truncated body with 400 and leaves no files', async () => {
    parseWith();
    const body = multipart([{ name: 'f', value: 'data', filename: 'f.bin' }]);
    const truncated = body.subarray(0, body.length - BOUNDARY.length - 10);
    const response = await server.send({ headers: multipartType, body: truncated });
    assert.equal(response.status, 400, JSON.stringify(response.body));
    assert.equal((response.body as { code: string }).code, 'HTTP_MALFORMED_BODY');
    assert.deepEqual(await filesOnDisk(), []);
  });
});

describe('multipart limits', () => {
  const file = (name: string, size: number): Part => ({
    name,
    value: Buffer.alloc(size, 0x61),
    filename: `${name}.bin`,
  });
  const field = (name: string, size = 1): Part => ({ name, value: 'v'.repeat(size) });

  const cases: readonly {
    readonly limit: keyof MultipartLimits;
    readonly limits: Partial<MultipartLimits>;
    readonly atLimit: readonly Part[];
    readonly overLimit: readonly Part[];
  }[] = [
    {
      limit: 'fileSize',
      limits: { fileSize: 1000 },
      atLimit: [file('a', 1000)],
      overLimit: [field('before'), file('a', 500), file('b', 1001)],
    },
    {
      limit: 'files',
      limits: { files: 2 },
      atLimit: [file('a', 10), file('b', 10)],
      overLimit: [file('a', 10), file('b', 10), file('c', 10)],
    },
    {
      limit: 'fields',
      limits: { fields: 2 },
      atLimit: [field('a'), field('b'), file('f', 10)],
      overLimit: [file('f', 10), field('a'), field('b'), field('c')],
    },
    {
      limit: 'fieldSize',
      limits: { fieldSize: 100 },
      atLimit: [field('a', 100)],
      overLimit: [file('f', 10), field('a', 101)],
    },
    {
      limit: 'parts',
      limits: { parts: 3 },
      atLimit: [field('a'), file('f', 10), field('b')],
      overLimit: [field('a'), file('f', 10), field('b'), field('c')],
    },
  ];

  for (const { limit, limits, atLimit, overLimit } of cases) {
    test(`${limit}: exactly at the limit passes, past it is a 413 naming it`, async () => {
      parseWith(limits);
      const ok = await server.send({ headers: multipartType, body: multipart(atLimit) });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.ok(lastParsed?.kind === 'multipart');
      await lastParsed.cleanup();

      const rejected = await server.send({ headers: multipartType, body: multipart(overLimit) });
      assertTooLarge(rejected, limit);
      assert.deepEqual(await filesOnDisk(), [], 'partial uploads are deleted');
    });
  }

  test('a declared length beyond what the limits allow is rejected before reading', async () => {
    parseWith({ files: 1, fileSize: 100, fields: 1, fieldSize: 100, parts: 2 });
    const { request, response } = server.open({
      headers: { ...multipartType, 'content-length': String(100 * 1024 * 1024) },
      keepOpen: true,
    });
    assert.equal((await response).status, 413);
    request.destroy();
    assert.deepEqual(await filesOnDisk(), []);
  });
});

describe('multipart aborts', () => {
  const head = Buffer.from(partHead({ name: 'big', value: '', filename: 'big.bin' }));

  test('a client that disconnects mid-upload leaves no temp files', async () => {
    parseWith();
    const { request, response } = server.open({
      headers: multipartType,
      chunks: [head, Buffer.alloc(64 * 1024, 0x62)],
      keepOpen: true,
    });
    response.catch(() => undefined);
    await eventually('the temp file', async () => (await filesOnDisk()).length === 1);
    request.destroy();

    const outcome = await server.nextOutcome();
    assert.ok(!outcome.ok && isClientAbortError(outcome.error));
    assert.deepEqual(await filesOnDisk(), []);
  });

  test('an aborted signal stops the upload and deletes the partial file', async () => {
    const controller = new AbortController();
    parseWith({}, controller.signal);
    const { request, response } = server.open({
      headers: multipartType,
      chunks: [head, Buffer.alloc(64 * 1024, 0x62)],
      keepOpen: true,
    });
    await eventually('the temp file', async () => (await filesOnDisk()).length === 1);
    const reason = new Error('deadline');
    controller.abort(reason);

    const outcome = await server.nextOutcome();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error, reason);
    assert.equal((await response).status, 500);
    assert.deepEqual(await filesOnDisk(), []);
    request.destroy();
  });
});
