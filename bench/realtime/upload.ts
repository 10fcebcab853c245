// Upload throughput through the local-disk store: a large file PUT to a
// presigned URL the service serves (/blobs/<key>: signature check, counted
// and hashed on the way, fsynced, renamed into place), against `cp` of the
// same file on the same file system — and `cp` followed by `sync` of the
// copy, since the store makes its bytes durable and plain `cp` does not.
// The source sits in the page cache for every contender alike.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import http from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalDiskBlobStore } from '../../src/adapters/blobs/local-disk.ts';
import { deriveKey } from '../../src/platform/data-key.ts';
import { monotonicMs } from './client-protocol.ts';

const run = promisify(execFile);
const MIB = 1024 * 1024;

export interface UploadTarget {
  readonly origin: string;
  /** The server's DATA_DIR: its blobs live in `blobs/` there. */
  readonly dataDir: string;
  /** The server's DATA_ENCRYPTION_KEY, from which the URL signing key is derived. */
  readonly dataKey: Buffer;
}

export interface UploadResult {
  readonly bytes: number;
  readonly rounds: number;
  /** Medians over the rounds, MiB/s. */
  readonly uploadMiBps: number;
  readonly cpMiBps: number;
  readonly cpSyncMiBps: number;
  /** Upload throughput ÷ cp's, and ÷ cp + sync's. */
  readonly ratioToCp: number;
  readonly ratioToCpSync: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** A file of `bytes` incompressible bytes (one random MiB, repeated). */
async function writeSource(path: string, bytes: number): Promise<void> {
  const block = randomBytes(Math.min(MIB, bytes));
  const handle = await open(path, 'w');
  try {
    for (let written = 0; written < bytes; written += block.length) {
      await handle.write(block, 0, Math.min(block.length, bytes - written));
    }
  } finally {
    await handle.close();
  }
}

function put(url: string, source: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: 'PUT',
      agent: false,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
    });
    request.once('response', (response) => {
      response.resume();
      response.once('end', () => {
        resolve(response.statusCode ?? 0);
      });
    });
    request.once('error', reject);
    createReadStream(source, { highWaterMark: MIB }).pipe(request);
  });
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const start = monotonicMs();
  await action();
  return monotonicMs() - start;
}

export async function measureUpload(
  target: UploadTarget,
  bytes: number,
  rounds: number,
): Promise<UploadResult> {
  const store = createLocalDiskBlobStore({
    dir: join(target.dataDir, 'blobs'),
    signingKey: deriveKey(target.dataKey, 'blob-urls'),
  });
  const source = join(target.dataDir, 'bench-upload-source.bin');
  const copy = join(target.dataDir, 'bench-upload-copy.bin');
  await writeSource(source, bytes);
  const speeds = { upload: [] as number[], cp: [] as number[], cpSync: [] as number[] };
  const mibps = (ms: number) => bytes / MIB / (ms / 1000);
  try {
    for (let round = 0; round < rounds; round += 1) {
      const key = `bench/upload-${round}.bin`;
      const signed = await store.presignUpload(key, {
        contentType: 'application/octet-stream',
        size: bytes,
        expiresInSeconds: 3600,
      });
      const url = new URL(signed.url, target.origin).href;
      let status = 0;
      speeds.upload.push(mibps(await timed(async () => (status = await put(url, source, bytes)))));
      if (status !== 204) throw new Error(`upload: ${status}`);
      await store.delete([key]);
      speeds.cp.push(mibps(await timed(() => run('cp', [source, copy]))));
      await rm(copy);
      speeds.cpSync.push(
        mibps(await timed(() => run('sh', ['-c', 'cp "$0" "$1" && sync "$1"', source, copy]))),
      );
      await rm(copy);
    }
  } finally {
    await rm(source, { force: true });
    await rm(copy, { force: true });
  }
  const round1 = (value: number) => Math.round(value * 10) / 10;
  const upload = median(speeds.upload);
  const cp = median(speeds.cp);
  const cpSync = median(speeds.cpSync);
  return {
    bytes,
    rounds,
    uploadMiBps: round1(upload),
    cpMiBps: round1(cp),
    cpSyncMiBps: round1(cpSync),
    ratioToCp: Math.round((upload / cp) * 100) / 100,
    ratioToCpSync: Math.round((upload / cpSync) * 100) / 100,
  };
}
