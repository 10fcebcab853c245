// Development signing keys: generated on first start, kept on disk so tokens
// survive a restart, and rotated when the current key gets old, so the
// rotation path runs on every developer's machine and not only in production.
// The file holds private keys: owner-only directory and file.

/* eslint-disable security/detect-non-literal-fs-filename -- the key folder comes from configuration (development only); file names are constants */

import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SigningKeyError, validatePrivateJwk } from './ed25519-jwk.ts';
import {
  createKeyRing,
  generateSigningKey,
  rotate,
  type KeyRing,
  type KeyState,
  type StoredKey,
} from './signing-keys.ts';

export const DEV_KEYS_FILE = 'jwt-keys.json';
export const DEFAULT_MAX_KEY_AGE_DAYS = 30;

const FILE_FORMAT = 'throughline.jwt-keys.v1';
const DAY_MS = 24 * 60 * 60 * 1000;
const STATES: readonly KeyState[] = ['current', 'previous', 'retired'];

export interface DevKeyOptions {
  /** Rotate when the current key is at least this old. */
  readonly maxAgeDays?: number;
  readonly overlapSeconds?: number;
}

export interface DevKeys {
  readonly ring: KeyRing;
  readonly path: string;
  /** This call generated the first key (no file existed). */
  readonly created: boolean;
  /** This call rotated an old key. */
  readonly rotated: boolean;
}

/** Loads the ring from `dir/jwt-keys.json`, creating or rotating it as needed. */
export async function loadOrCreateDevKeys(
  dir: string,
  now: Date,
  options: DevKeyOptions = {},
): Promise<DevKeys> {
  const path = join(dir, DEV_KEYS_FILE);
  const maxAgeMs = (options.maxAgeDays ?? DEFAULT_MAX_KEY_AGE_DAYS) * DAY_MS;
  const ringOptions = { now, overlapSeconds: options.overlapSeconds };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing directory's mode alone.
  await chmod(dir, 0o700);

  const text = await readIfExists(path);
  if (text === undefined) {
    const jwk = await generateSigningKey(now);
    const ring = await createKeyRing({
      keys: [{ jwk, state: 'current', createdAt: now }],
      ...ringOptions,
    });
    if (await publishIfAbsent(path, serialize(ring))) {
      return { ring, path, created: true, rotated: false };
    }
    // Another process created the file first: use its key so both agree.
    return loadOrCreateDevKeys(dir, now, options);
  }

  const stored = parseKeyFile(text, path);
  await chmod(path, 0o600);
  let ring = await createKeyRing({ keys: stored, ...ringOptions });
  if (now.getTime() - ring.currentCreatedAt.getTime() >= maxAgeMs) {
    ring = await rotate(ring, { now });
    await replace(path, serialize(ring));
    return { ring, path, created: false, rotated: true };
  }
  // Keep the file free of keys the ring dropped as past their overlap.
  if (ring.exportStoredKeys().length !== stored.length) await replace(path, serialize(ring));
  return { ring, path, created: false, rotated: false };
}

function serialize(ring: KeyRing): string {
  const keys = ring.exportStoredKeys().map((key) => ({
    state: key.state,
    createdAt: key.createdAt.toISOString(),
    ...(key.supersededAt === undefined ? {} : { supersededAt: key.supersededAt.toISOString() }),
    jwk: key.jwk,
  }));
  return `${JSON.stringify({ format: FILE_FORMAT, keys }, null, 2)}\n`;
}

function parseKeyFile(text: string, path: string): StoredKey[] {
  const fail = (problem: string): never => {
    throw new SigningKeyError(`${path}: ${problem}; delete the file to generate a new key`);
  };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return fail('not valid JSON');
  }
  const { format, keys } = (document ?? {}) as { format?: unknown; keys?: unknown };
  if (format !== FILE_FORMAT || !Array.isArray(keys)) return fail(`not a ${FILE_FORMAT} file`);
  return keys.map((item: unknown, index): StoredKey => {
    const record = (item ?? {}) as Record<string, unknown>;
    const state = STATES.find((s) => s === record.state) ?? fail(`keys[${index}].state is invalid`);
    const createdAt = parseDate(record.createdAt) ?? fail(`keys[${index}].createdAt is invalid`);
    const supersededAt =
      record.supersededAt === undefined
        ? undefined
        : (parseDate(record.supersededAt) ?? fail(`keys[${index}].supersededAt is invalid`));
    const jwk = validatePrivateJwk(record.jwk, `${path} keys[${index}]`);
    return { jwk, state, createdAt, supersededAt };
  });
}

function parseDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes the file only if none exists. link() is atomic and refuses to
 * overwrite, so two processes starting together cannot both win, and a
 * reader never sees a half-written file.
 */
async function publishIfAbsent(path: string, content: string): Promise<boolean> {
  const temp = await writeTemp(path, content);
  try {
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp);
  }
}

/** Write-then-rename: readers see the old file or the new one, never a mix. */
async function replace(path: string, content: string): Promise<void> {
  await rename(await writeTemp(path, content), path);
}

async function writeTemp(path: string, content: string): Promise<string> {
  const temp = `${path}.${randomUUID()}.tmp`;
  // The mode applies at creation, so the key is never readable by others.
  await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
  return temp;
}
