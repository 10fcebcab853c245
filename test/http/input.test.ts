// Input through the whole pipeline: body parsing, validation with aggregated
// errors, typed and coerced input, and every way a body can be wrong.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { defaultBodyLimits } from '../../src/http/request/body/index.ts';
import type { UploadedFile } from '../../src/http/request/body/index.ts';
import { serve, type Harness } from './harness.ts';
import { eventually } from '../support/eventually.ts';

interface Problem {
  code: string;
  status: number;
  requestId: string;
  errors?: { field: string; in: string; code: string; message: string }[];
}

const signup = z
  .strictObject({
    email: z.string().trim().toLowerCase().pipe(z.email()),
    age: z.number().int().min(0).max(150),
    password: z.string().min(8),
    confirmPassword: z.string(),
    tags: z.array(z.string().max(20)).max(5).optional(),
  })
  .refine((value) => value.password === value.confirmPassword, {
    path: ['confirmPassword'],
    params: { code: 'mismatch' },
    message: 'must equal password',
  });

describe('input validation and bodies over HTTP', () => {
  let h: Harness;
  let uploadDir: string;
  let lastFiles: UploadedFile[] = [];

  before(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), 'tl-uploads-'));
    h = await serve(
      (app) => {
        app.route({
          method: 'POST',
          path: '/signup/:tenant',
          auth: 'public',
          schema: {
            params: z.object({ tenant: z.string().regex(/^[a-z]+$/) }),
            query: z.object({ invite: z.coerce.number().int().positive().optional() }),
            body: signup,
          },
          handler: (c) => {
            // Typed from the schemas: `invite` is a number, `email` a normalised string.
            const invite: number | undefined = c.input.query.invite;
            return { tenant: c.input.params.tenant, email: c.input.body.email, invite };
          },
        });
        app.route({
          method: 'POST',
          path: '/form',
          auth: 'public',
          accepts: ['form'],
          schema: { body: z.object({ name: z.string(), colour: z.array(z.string()) }) },
          handler: (c) => c.input.body,
        });
        app.route({
          method: 'POST',
          path: '/upload',
          auth: 'public',
          accepts: ['multipart'],
          bodyLimits: { multipart: { ...defaultBodyLimits.multipart, fileSize: 1024, files: 2 } },
          handler: async (c) => {
            const body = c.input.body as { fields: Record<string, string>; files: UploadedFile[] };
            lastFiles = body.files;
            const contents = await Promise.all(body.files.map((f) => readFile(f.path, 'utf8')));
            return { fields: body.fields, files: body.files.map((f) => f.filename), contents };
          },
        });
      },
      { bodyLimits: { ...defaultBodyLimits, json: 2048 }, uploadDir },
    );
  });

  after(() => h.close());

  const post = (path: string, body: string, type = 'application/json') =>
    fetch(`${h.url}${path}`, { method: 'POST', body, headers: { 'content-type': type } });

  test('valid input is coerced, normalised and typed', async () => {
    const res = await post(
      '/signup/acme?invite=7',
      JSON.stringify({
        email: ' Ann@Example.COM ',
        age: 30,
        password: 'longenough',
        confirmPassword: 'longenough',
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { tenant: 'acme', email: 'ann@example.com', invite: 7 });
  });

  test('every failure in every part is reported in one 422', async () => {
    const res = await post(
      '/signup/ACME?invite=-1',
      JSON.stringify({
        email: 'nope',
        age: 200,
        password: 'short',
        confirmPassword: 'x',
        admin: true,
      }),
    );
    assert.equal(res.status, 422);
    assert.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8');
    const problem = (await res.json()) as Problem;
    assert.equal(problem.code, 'HTTP_VALIDATION_FAILED');
    assert.equal(problem.requestId, res.headers.get('x-request-id'));
    const found = problem.errors!.map((e) => `${e.in}:${e.field}:${e.code}`).sort();
    assert.deepEqual(found, [
      'body:admin:unknown_field',
      'body:age:out_of_range',
      'body:confirmPassword:mismatch',
      'body:email:invalid_format',
      'body:password:too_short',
      'params:tenant:invalid_format',
      'query:invite:out_of_range',
    ]);
  });

  test('semantic rules run once the types are right (cross-field refinement)', async () => {
    const res = await post(
      '/signup/acme',
      JSON.stringify({
        email: 'a@b.co',
        age: 1,
        password: 'longenough',
        confirmPassword: 'different',
      }),
    );
    const problem = (await res.json()) as Problem;
    assert.deepEqual(problem.errors, [
      { field: 'confirmPassword', in: 'body', code: 'mismatch', message: 'must equal password' },
    ]);
  });

  test('missing required fields are reported as required', async () => {
    const problem = (await (await post('/signup/acme', '{}')).json()) as Problem;
    const codes = new Set(problem.errors!.map((e) => e.code));
    assert.deepEqual([...codes], ['required']);
    assert.equal(problem.errors!.length, 4);
  });

  test('malformed JSON is a 400 that says where', async () => {
    const res = await post('/signup/acme', '{"email": "a@b.co",, }');
    assert.equal(res.status, 400);
    const problem = (await res.json()) as Problem & { detail: string };
    assert.equal(problem.code, 'HTTP_MALFORMED_JSON');
    assert.match(problem.detail, /column/);
  });

  test('an oversized body is a 413', async () => {
    const res = await post('/signup/acme', JSON.stringify({ email: 'x'.repeat(5000) }));
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as Problem).code, 'HTTP_PAYLOAD_TOO_LARGE');
  });

  test('an unsupported media type is a 415', async () => {
    const res = await post('/signup/acme', '<xml/>', 'application/xml');
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as Problem).code, 'HTTP_UNSUPPORTED_MEDIA_TYPE');
  });

  test('prototype pollution keys are refused, never merged', async () => {
    const res = await post(
      '/signup/acme',
      '{"email":"a@b.co","age":1,"password":"longenough","confirmPassword":"longenough","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}',
    );
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as Problem).code, 'HTTP_MALFORMED_BODY');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('urlencoded forms parse repeated keys into arrays', async () => {
    const res = await post(
      '/form',
      'name=Ann&colour=red&colour=blue',
      'application/x-www-form-urlencoded',
    );
    assert.deepEqual(await res.json(), { name: 'Ann', colour: ['red', 'blue'] });
  });

  test('multipart uploads stream to temp files that are removed after the response', async () => {
    const form = new FormData();
    form.set('title', 'two files');
    form.append('file', new Blob(['first file']), '../../etc/passwd');
    form.append('file', new Blob(['second']), 'b.txt');
    const res = await fetch(`${h.url}/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 200, JSON.stringify(h.logs.filter((l) => l.level === 'error')));
    const body = (await res.json()) as { fields: unknown; files: string[]; contents: string[] };
    assert.deepEqual(body.fields, { title: 'two files' });
    assert.deepEqual(body.files, ['passwd', 'b.txt']);
    assert.deepEqual(body.contents, ['first file', 'second']);
    assert.equal(lastFiles.length, 2);
    // Cleanup runs after the response is written; wait for it deterministically.
    for (const file of lastFiles) await waitForRemoval(file.path);
    assert.deepEqual(await readdir(uploadDir), []);
  });

  test('multipart limits answer 413', async () => {
    const form = new FormData();
    form.append('file', new Blob(['x'.repeat(4096)]), 'big.bin');
    const res = await fetch(`${h.url}/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 413);
  });
});

async function waitForRemoval(path: string): Promise<void> {
  await eventually(`${path} is removed`, () =>
    stat(path).then(
      () => false,
      () => true,
    ),
  );
}

describe('refused bodies are not read', () => {
  test('a 413 closes the connection instead of draining the rest of the upload', async () => {
    const h = await serve(
      (app) => {
        app.route({
          method: 'POST',
          path: '/small',
          auth: 'public',
          schema: { body: z.unknown() },
          handler: () => ({ ok: true }),
        });
      },
      { bodyLimits: { ...defaultBodyLimits, json: 1024 } },
    );
    try {
      const result = await new Promise<{ status: number; connection: string | undefined }>(
        (resolve, reject) => {
          const req = request(`${h.url}/small`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
            agent: false,
          });
          req.on('response', (res) => {
            res.resume();
            resolve({ status: res.statusCode!, connection: res.headers.connection });
          });
          req.on('error', reject);
          // Keep streaming well past the limit; the server answers before we finish.
          req.write('[' + '1,'.repeat(4096));
        },
      );
      assert.equal(result.status, 413);
      assert.equal(result.connection, 'close');
    } finally {
      await h.close();
    }
  });
});
