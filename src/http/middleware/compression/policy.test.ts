import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createCompressor, isCompressibleType } from './policy.ts';
import { zstdAvailable, type ContentCoding } from '../../response/negotiation.ts';

const decompress: Record<ContentCoding, (b: Buffer) => Buffer> = {
  br: (b) => zlib.brotliDecompressSync(b),
  gzip: (b) => zlib.gunzipSync(b),
  zstd: (b) => zlib.zstdDecompressSync(b),
};

const body = Buffer.from(
  JSON.stringify(Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` }))),
);

describe('isCompressibleType', () => {
  test('text-like types compress', () => {
    for (const type of [
      'text/html; charset=utf-8',
      'text/plain',
      'application/json',
      'Application/JSON; charset=utf-8',
      'application/problem+json',
      'application/vnd.api+json',
      'application/javascript',
      'application/xml',
      'application/atom+xml',
      'image/svg+xml',
    ]) {
      assert.equal(isCompressibleType(type), true, type);
    }
  });

  test('already-compressed and streaming types do not', () => {
    for (const type of [
      'image/png',
      'image/jpeg',
      'video/mp4',
      'application/zip',
      'application/gzip',
      'application/octet-stream',
      'font/woff2',
      'text/event-stream',
    ]) {
      assert.equal(isCompressibleType(type), false, type);
    }
  });
});

describe('createCompressor', () => {
  test('default preference is br, zstd (when available), gzip', () => {
    const { encodings } = createCompressor();
    assert.deepEqual(encodings, zstdAvailable ? ['br', 'zstd', 'gzip'] : ['br', 'gzip']);
  });

  test('zstd is offered only when the runtime has it', () => {
    const compressor = createCompressor({ encodings: ['zstd', 'gzip'] });
    assert.equal(compressor.encodings.includes('zstd'), zstdAvailable);
    assert.equal(compressor.negotiate('zstd, gzip'), zstdAvailable ? 'zstd' : 'gzip');
  });

  test('negotiate uses the configured order', () => {
    const compressor = createCompressor({ encodings: ['gzip', 'br'] });
    assert.equal(compressor.negotiate('br, gzip'), 'gzip');
    assert.equal(compressor.negotiate(undefined), 'identity');
    // Cached decisions, including "nothing acceptable", are replayed unchanged.
    for (let i = 0; i < 2; i++) {
      assert.equal(compressor.negotiate('deflate, identity;q=0'), undefined);
      assert.equal(compressor.negotiate('br;q=0.9, gzip;q=0.1'), 'br');
    }
  });

  test('rejects invalid options', () => {
    assert.throws(() => createCompressor({ threshold: -1 }), RangeError);
    assert.throws(() => createCompressor({ brotliQuality: 12 }), RangeError);
    assert.throws(() => createCompressor({ gzipLevel: 0 }), RangeError);
  });
});

describe('shouldCompress', () => {
  const compressor = createCompressor({ threshold: 1024 });

  test('threshold boundary: below is skipped, equal compresses', () => {
    assert.equal(compressor.shouldCompress('application/json', 1023, false), false);
    assert.equal(compressor.shouldCompress('application/json', 1024, false), true);
  });

  test('unknown length (a stream) compresses when the type does', () => {
    assert.equal(compressor.shouldCompress('text/plain', undefined, false), true);
    assert.equal(compressor.shouldCompress('image/png', undefined, false), false);
  });

  test('already encoded or untyped bodies are left alone', () => {
    assert.equal(compressor.shouldCompress('application/json', 5000, true), false);
    assert.equal(compressor.shouldCompress(undefined, 5000, false), false);
  });

  test('Cache-Control: no-transform disables compression', () => {
    assert.equal(
      compressor.shouldCompress('text/html', 5000, false, 'public, No-Transform'),
      false,
    );
    assert.equal(compressor.shouldCompress('text/html', 5000, false, 'public, max-age=60'), true);
  });
});

describe('round trips through node:zlib', () => {
  const compressor = createCompressor();
  const codings: ContentCoding[] = zstdAvailable ? ['br', 'zstd', 'gzip'] : ['br', 'gzip'];

  for (const coding of codings) {
    test(`${coding}: sync, async and stream decompress to the original`, async () => {
      const sync = compressor.compressSync(body, coding);
      assert.ok(sync.length < body.length, 'output is smaller');
      assert.deepEqual(decompress[coding](sync), body);

      const fromString = compressor.compressSync(body.toString(), coding);
      assert.deepEqual(decompress[coding](fromString), body);

      const async = await compressor.compressAsync(body, coding);
      assert.deepEqual(decompress[coding](async), body);

      const halves = [body.subarray(0, 1000), body.subarray(1000)];
      const streamed = await buffer(Readable.from(halves).pipe(compressor.stream(coding)));
      assert.deepEqual(decompress[coding](streamed), body);
    });
  }

  test('gzip output carries the gzip magic bytes', () => {
    const out = compressor.compressSync(body, 'gzip');
    assert.deepEqual([out[0], out[1]], [0x1f, 0x8b]);
  });
});
