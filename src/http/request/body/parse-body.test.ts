import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BodyTestServer, type WireResponse } from './body-test-server.ts';
import { defaultBodyLimits, type BodyKind, type BodyLimits } from './limits.ts';
import { parseBody, type ParsedBody } from './parse-body.ts';
import { isClientAbortError } from './read-body.ts';

let server: BodyTestServer;
let tmpDir: string;

before(async () => {
  server = await BodyTestServer.start();
  tmpDir = await mkdtemp(join(tmpdir(), 'throughline-parse-body-'));
});
after(async () => {
  await server.close();
  await rm(tmpDir, { recursive: true, force: true });
});

function parseWith(
  accept: readonly BodyKind[] = ['json', 'form'],
  limits: Partial<BodyLimits> = {},
  signal?: AbortSignal,
): void {
  server.use((req) =>
    parseBody(req, accept, { ...defaultBodyLimits, ...limits }, { tmpDir, signal }),
  );
}

function assertProblem(response: WireResponse, status: number, code: string): string {
  const body = response.body as { code: string; status: number; detail: string };
  assert.equal(response.status, status, JSON.stringify(body));
  assert.equal(body.code, code);
  return body.detail;
}

const json = { 'content-type': 'application/json' };

describe('JSON bodies', () => {
  test('parses a valid JSON body', async () => {
    parseWith();
    const response = await server.send({ headers: json, body: '{"name":"Ada","tags":[1,2]}' });
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, { kind: 'json', value: { name: 'Ada', tags: [1, 2] } });
  });

  test('treats +json media types and a utf-8 charset in any case as JSON', async () => {
    parseWith(['json']);
    for (const type of [
      'application/merge-patch+json',
      'application/vnd.api+json; charset="UTF-8"',
      'APPLICATION/JSON;CHARSET=utf-8',
    ]) {
      const response = await server.send({ headers: { 'content-type': type }, body: '[true]' });
      assert.deepEqual(response.body, { kind: 'json', value: [true] }, type);
    }
  });

  test('rejects malformed JSON with a location and without echoing the input', async () => {
    parseWith();
    const marker = 'SECRET-INPUT-'.repeat(2000);
    const response = await server.send({ headers: json, body: `{"a":"${marker}",\n "b": tru}` });
    const detail = assertProblem(response, 400, 'HTTP_MALFORMED_JSON');
    assert.match(detail, /line 2, column 7/);
    assert.ok(!detail.includes('SECRET'), detail);
    assert.ok(detail.length < 200);
  });

  test('rejects a declared Content-Length over the limit before reading the body', async () => {
    parseWith(['json'], { json: 1024 });
    const { request, response } = server.open({
      headers: { ...json, 'content-length': String(10 * 1024 * 1024) },
      keepOpen: true,
    });
    // No body byte is ever sent: the answer can only come from the header check.
    const detail = assertProblem(await response, 413, 'HTTP_PAYLOAD_TOO_LARGE');
    assert.match(detail, /1024 bytes/);
    request.destroy();
  });

  test('counts chunked bytes and rejects past the limit without waiting for the end', async () => {
    parseWith(['json'], { json: 1024 });
    const { request, response } = server.open({
      headers: json,
      chunks: ['[', '1,'.repeat(1000)],
      keepOpen: true,
    });
    assertProblem(await response, 413, 'HTTP_PAYLOAD_TOO_LARGE');
    request.destroy();
  });

  test('accepts a chunked body under the limit', async () => {
    parseWith(['json'], { json: 1024 });
    const response = await server.send({ headers: json, chunks: ['{"a":', '[1,', '2]}'] });
    assert.deepEqual(response.body, { kind: 'json', value: { a: [1, 2] } });
  });

  test('rejects a non-UTF-8 charset parameter with 415', async () => {
    parseWith();
    const response = await server.send({
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      body: '{}',
    });
    assert.match(assertProblem(response, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE'), /utf-8/);
  });

  test('rejects bytes that are not UTF-8, and accepts a UTF-8 BOM', async () => {
    parseWith();
    const latin1 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xe9, 0x22, 0x7d]); // {"a":"é"}
    assertProblem(await server.send({ headers: json, body: latin1 }), 400, 'HTTP_MALFORMED_BODY');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]);
    assertProblem(await server.send({ headers: json, body: utf16 }), 400, 'HTTP_MALFORMED_BODY');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"é":1}')]);
    const response = await server.send({ headers: json, body: bom });
    assert.deepEqual(response.body, { kind: 'json', value: { é: 1 } });
  });

  test('refuses prototype keys at any depth, so no merge of a body can pollute', async () => {
    parseWith(['json']);
    for (const payload of [
      '{"__proto__":{"polluted":"top"},"a":1}',
      '{"a":{"constructor":{"prototype":{"polluted":"c"}}}}',
      '{"a":{"b":[{"__proto__":{"polluted":"deep"},"keep":1}]}}',
    ]) {
      assertProblem(
        await server.send({ headers: json, body: payload }),
        400,
        'HTTP_MALFORMED_BODY',
      );
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('rejects 100k-deep nesting with a 400, and the server keeps serving', async () => {
    parseWith(['json'], { json: 1024 * 1024 });
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const detail = assertProblem(
      await server.send({ headers: json, body: deep }),
      400,
      'HTTP_MALFORMED_BODY',
    );
    assert.match(detail, /64 levels/);
    const response = await server.send({ headers: json, body: '[[1]]' });
    assert.deepEqual(response.body, { kind: 'json', value: [[1]] });
  });

  test('an empty body is "none" whether framed by Content-Length: 0, chunked or nothing', async () => {
    parseWith();
    const none = { kind: 'none' };
    assert.deepEqual((await server.send({ headers: json, body: '' })).body, none);
    const chunked = { ...json, 'transfer-encoding': 'chunked' };
    assert.deepEqual((await server.send({ headers: chunked, chunks: [] })).body, none);
    assert.deepEqual((await server.send({ method: 'DELETE', headers: json })).body, none);
  });
});

describe('media type and coding checks', () => {
  test('rejects an unsupported type, naming the accepted ones', async () => {
    parseWith(['json', 'multipart']);
    const response = await server.send({ headers: { 'content-type': 'text/plain' }, body: 'hi' });
    const detail = assertProblem(response, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    assert.match(detail, /text\/plain/);
    assert.match(detail, /application\/json/);
    assert.match(detail, /multipart\/form-data/);
  });

  test('rejects a known type the route does not accept', async () => {
    parseWith(['json']);
    const response = await server.send({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    assertProblem(response, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  test('rejects a body without Content-Type', async () => {
    parseWith();
    const response = await server.send({ body: '{"a":1}' });
    assert.match(assertProblem(response, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE'), /no Content-Type/);
  });

  test('rejects a malformed Content-Type with 400', async () => {
    parseWith();
    const response = await server.send({
      headers: { 'content-type': 'application/json; charset="utf-8' },
      body: '{}',
    });
    assertProblem(response, 400, 'HTTP_BAD_REQUEST');
  });

  test('rejects a gzip Content-Encoding with 415 and Accept-Encoding: identity', async () => {
    parseWith();
    const response = await server.send({
      headers: { ...json, 'content-encoding': 'gzip' },
      body: Buffer.from([0x1f, 0x8b, 0x08, 0x00]),
    });
    assertProblem(response, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
    assert.equal(response.headers['accept-encoding'], 'identity');
    const identity = await server.send({
      headers: { ...json, 'content-encoding': 'identity' },
      body: '1',
    });
    assert.deepEqual(identity.body, { kind: 'json', value: 1 });
  });
});

describe('urlencoded bodies', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  test('repeated keys become arrays; prototype keys are dropped; no prototype', async () => {
    let parsed: ParsedBody | undefined;
    server.use(async (req) => {
      parsed = await parseBody(req, ['form'], defaultBodyLimits, { tmpDir });
      return parsed;
    });
    const response = await server.send({
      headers: form,
      body: 'a=1&b=x+y&a=2&a=%C3%A9&__proto__=p&constructor=c&prototype=q&empty=',
    });
    assert.deepEqual(response.body, {
      kind: 'form',
      value: { a: ['1', '2', 'é'], b: 'x y', empty: '' },
    });
    assert.equal(parsed?.kind, 'form');
    const value = (parsed as { value: object }).value;
    assert.equal(Object.getPrototypeOf(value), null);
    assert.equal(({} as Record<string, unknown>).p, undefined);
  });

  test('rejects more fields than the limit with 413', async () => {
    parseWith(['form'], { formMaxFields: 3 });
    assert.equal((await server.send({ headers: form, body: 'a=1&b=2&c=3' })).status, 200);
    const response = await server.send({ headers: form, body: 'a=1&b=2&c=3&d=4' });
    assert.match(assertProblem(response, 413, 'HTTP_PAYLOAD_TOO_LARGE'), /3 fields/);
  });

  test('rejects percent-escapes that are not UTF-8 and non-UTF-8 charsets', async () => {
    parseWith(['form']);
    assertProblem(await server.send({ headers: form, body: 'a=%E9' }), 400, 'HTTP_MALFORMED_BODY');
    const latin1 = await server.send({
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=latin1' },
      body: 'a=1',
    });
    assertProblem(latin1, 415, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('aborts', () => {
  test('a client that disconnects mid-body makes the promise reject', async () => {
    parseWith();
    const { request, response } = server.open({
      headers: { ...json, 'content-length': '1000' },
      body: '{"partial":',
      keepOpen: true,
    });
    response.catch(() => undefined);
    await server.nextRequest();
    request.destroy();
    const outcome = await server.nextOutcome();
    assert.equal(outcome.ok, false);
    assert.ok(!outcome.ok && isClientAbortError(outcome.error));
    const next = await server.send({ headers: json, body: '2' });
    assert.deepEqual(next.body, { kind: 'json', value: 2 });
  });

  test('an aborted signal stops reading and rejects with its reason', async () => {
    const controller = new AbortController();
    parseWith(['json'], {}, controller.signal);
    const { request, response } = server.open({
      headers: { ...json, 'content-length': '1000' },
      body: '[',
      keepOpen: true,
    });
    response.catch(() => undefined);
    await server.nextRequest();
    const reason = new Error('deadline');
    controller.abort(reason);
    const outcome = await server.nextOutcome();
    assert.ok(!outcome.ok);
    assert.equal(outcome.error, reason);
    request.destroy();
  });
});
