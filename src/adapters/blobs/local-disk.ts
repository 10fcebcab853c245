// The default blob store: files under DATA_DIR/blobs, nothing to install.
//
// Layout: `objects/<key>` holds the bytes, `meta/<key>.json` the content type
// and ETag, `incoming/` uploads in flight. An upload streams into
// `incoming/` (counted and hashed on the way, never buffered), is fsynced,
// then renamed into place and its directory fsynced: a reader, or a restart
// after a crash, sees the old object or the whole new one, never part of one.
// Leftovers in `incoming/` are only ever partial uploads.
//
// The service serves this store's presigned URLs itself (`/blobs/<key>`, see
// url-signing.ts and modules/blobs), so `presign*` only signs.

/* eslint-disable security/detect-non-literal-fs-filename -- every path is the configured root joined with a key assertBlobKey accepted (segments start with a letter or digit: no "..", no absolute path) */

import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore, SelfServedBlobs } from '../../ports/blob-store.ts';
import { assertBlobKey, assertBlobPrefix, isBlobKey } from '../../ports/blob-store.ts';
import { SizeGuard } from './size-guard.ts';
import { createUrlSigner, SELF_SERVED_PREFIX } from './url-signing.ts';

export interface LocalDiskBlobStoreOptions {
  /** DATA_DIR/blobs. */
  readonly dir: string;
  /** Signs the presigned URLs (derived from the data key). */
  readonly signingKey: Buffer;
  /** Put in front of `/blobs/<key>` (PUBLIC_URL); absent: URLs are paths on this service. */
  readonly baseUrl?: string | undefined;
  readonly now?: () => number;
}

export type LocalDiskBlobStore = BlobStore & SelfServedBlobs;

interface StoredMeta {
  readonly contentType: string;
  readonly etag: string;
  readonly size: number;
}

const FALLBACK_TYPE = 'application/octet-stream';

/** Runs `make` and settles a promise with its result: a throw becomes a rejection. */
function settle<T>(make: () => T): Promise<T> {
  return new Promise((resolve) => {
    resolve(make());
  });
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function createLocalDiskBlobStore(options: LocalDiskBlobStoreOptions): LocalDiskBlobStore {
  const now = options.now ?? Date.now;
  const objects = join(options.dir, 'objects');
  const metas = join(options.dir, 'meta');
  const incoming = join(options.dir, 'incoming');
  const signer = createUrlSigner(options.signingKey, now);
  const base = options.baseUrl ?? '';
  const objectPath = (key: string) => join(objects, ...key.split('/'));
  const metaPath = (key: string) => `${join(metas, ...key.split('/'))}.json`;

  async function readMeta(key: string, size: number, mtimeMs: number): Promise<StoredMeta> {
    try {
      const meta = JSON.parse(await readFile(metaPath(key), 'utf8')) as StoredMeta;
      // A meta file from an older object (a crash between the two renames) is ignored.
      if (meta.size === size) return meta;
    } catch (error) {
      if (!isMissing(error) && !(error instanceof SyntaxError)) throw error;
    }
    return {
      contentType: FALLBACK_TYPE,
      etag: `"${size.toString(36)}-${mtimeMs.toString(36)}"`,
      size,
    };
  }

  async function info(key: string, size: number, mtime: Date): Promise<BlobInfo> {
    const meta = await readMeta(key, size, mtime.getTime());
    return { key, size, contentType: meta.contentType, etag: meta.etag, lastModified: mtime };
  }

  /** Renames a finished, fsynced file from `incoming/` to `target`, and fsyncs its directory. */
  async function moveIntoPlace(partial: string, target: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await rename(partial, target);
    await fsyncDirectory(dirname(target));
  }

  async function removeEmptyParents(path: string, root: string): Promise<void> {
    for (let dir = dirname(path); dir !== root && dir.startsWith(root + sep); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone): the parents are not empty either
      }
    }
  }

  async function* walk(dir: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) yield* walk(path);
      else if (entry.isFile()) yield path;
    }
  }

  const store: LocalDiskBlobStore = {
    kind: 'local-disk',

    async put(key, body, putOptions) {
      assertBlobKey(key);
      await mkdir(incoming, { recursive: true, mode: 0o700 });
      const partial = join(incoming, randomUUID());
      const guard = new SizeGuard({ maxBytes: putOptions.maxBytes, exactBytes: putOptions.size });
      try {
        const source = body instanceof Uint8Array ? Readable.from([body]) : body;
        // `flush`: fsync before the file is closed, so the rename below publishes durable bytes.
        const sink = createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true });
        await pipeline(source, guard, sink);
        const meta: StoredMeta = {
          contentType: putOptions.contentType,
          etag: guard.etag(),
          size: guard.bytes,
        };
        const partialMeta = `${partial}.json`;
        const metaHandle = await open(partialMeta, 'wx', 0o600);
        try {
          await metaHandle.writeFile(JSON.stringify(meta));
          await metaHandle.sync();
        } finally {
          await metaHandle.close();
        }
        await moveIntoPlace(partial, objectPath(key));
        await moveIntoPlace(partialMeta, metaPath(key));
        const stats = await stat(objectPath(key));
        return { key, ...meta, lastModified: stats.mtime };
      } finally {
        await rm(partial, { force: true });
        await rm(`${partial}.json`, { force: true });
      }
    },

    async head(key) {
      assertBlobKey(key);
      try {
        const stats = await stat(objectPath(key));
        if (!stats.isFile()) return undefined;
        return await info(key, stats.size, stats.mtime);
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async get(key, getOptions = {}) {
      assertBlobKey(key);
      let handle;
      try {
        handle = await open(objectPath(key), 'r');
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      // Stat the open file, not the path: a rename in between cannot mix two objects.
      try {
        const stats = await handle.stat();
        const found = await info(key, stats.size, stats.mtime);
        const range = getOptions.range;
        const body = createReadStream('', {
          fd: handle,
          ...(range === undefined ? {} : { start: range.start, end: range.end }),
        });
        return { info: found, body };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async delete(keys) {
      for (const key of keys) assertBlobKey(key);
      for (const key of keys) {
        await rm(objectPath(key), { force: true });
        await rm(metaPath(key), { force: true });
        await removeEmptyParents(objectPath(key), objects);
        await removeEmptyParents(metaPath(key), metas);
      }
    },

    async *list(prefix) {
      assertBlobPrefix(prefix);
      // Walk only the directory the prefix names, not the whole store.
      const slash = prefix.lastIndexOf('/');
      const start = slash === -1 ? objects : join(objects, ...prefix.slice(0, slash).split('/'));
      for await (const path of walk(start)) {
        const key = relative(objects, path).split(sep).join('/');
        if (!key.startsWith(prefix) || !isBlobKey(key)) continue;
        try {
          const stats = await stat(path);
          yield await info(key, stats.size, stats.mtime);
        } catch (error) {
          if (!isMissing(error)) throw error; // deleted while we walked
        }
      }
    },

    presignUpload: (key, presign) =>
      settle(() => {
        assertBlobKey(key);
        const expiresAt = new Date(now() + presign.expiresInSeconds * 1000);
        const grant = {
          method: 'PUT' as const,
          key,
          size: presign.size,
          contentType: presign.contentType,
        };
        return {
          method: 'PUT',
          url: `${base}${SELF_SERVED_PREFIX}${key}?${signer.sign(grant, expiresAt)}`,
          headers: { 'content-type': presign.contentType },
          expiresAt,
        };
      }),

    presignDownload: (key, presign) =>
      settle(() => {
        assertBlobKey(key);
        const expiresAt = new Date(now() + presign.expiresInSeconds * 1000);
        return {
          method: 'GET',
          url: `${base}${SELF_SERVED_PREFIX}${key}?${signer.sign({ method: 'GET', key }, expiresAt)}`,
          headers: {},
          expiresAt,
        };
      }),

    verify(method, key, query) {
      assertBlobKey(key);
      // HEAD is a GET without the body (RFC 9110 §9.3.2): one URL serves both.
      return signer.verify(method === 'HEAD' ? 'GET' : method, key, query);
    },

    close: () => Promise.resolve(),
  };
  return store;
}
