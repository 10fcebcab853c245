// Where the data key comes from: DATA_ENCRYPTION_KEY (required in
// production), otherwise a development key generated once and kept in
// DATA_DIR/keys with owner-only permissions — like the dev signing keys.
// Other uses of a server secret (signing paging cursors) take a key derived
// from it for their purpose alone, so no new setting is needed and no key
// serves two jobs.

import { hkdfSync, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DEV_DATA_KEY_FILE = 'data.key';

export async function loadDataKey(
  configured: string | undefined,
  dataDir: string,
): Promise<{ key: Buffer; generatedAt?: string }> {
  if (configured !== undefined) return { key: Buffer.from(configured, 'base64') };
  const dir = join(dataDir, 'keys');
  const path = join(dir, DEV_DATA_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  try {
    const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
    if (key.length === 32) return { key };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32);
  // `wx`: if two processes race on first start, one of them fails loudly
  // instead of each silently keeping a different key.
  await writeFile(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, generatedAt: path };
}

/**
 * A 32-byte key for one `purpose`, derived from the data key with HKDF-SHA256
 * (RFC 5869). Different purposes get independent keys: a cursor's signature
 * says nothing about the data key or any other derived key.
 */
export function deriveKey(dataKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), `throughline/${purpose}`, 32));
}
