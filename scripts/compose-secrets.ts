// Writes the secrets compose.yaml mounts (one file each, read by the service
// through its `*_FILE` settings), generating whatever is missing:
//
//   node scripts/compose-secrets.ts [dir]     default: deploy/compose/secrets
//
// An existing file is never overwritten, so running it again is safe and a
// value set by hand stays. For a local stack only: production secrets come
// from the platform's secret store (docs/operations.md, "Build and release").
//
// The folder is the owner's alone (0700); the files are world-readable
// (0644) because compose bind-mounts them as they are, and the container's
// user (65532) is not their owner.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { generateSigningKey } from '../src/modules/auth/tokens/signing-keys.ts';

const token = (bytes: number) => randomBytes(bytes).toString('base64url');

/** File name → content; the database URL holds the password that is on disk. */
async function secretValues(password: string): Promise<Record<string, string>> {
  return {
    database_url: `postgres://throughline:${password}@postgres:5432/throughline`,
    jwt_signing_keys: JSON.stringify([await generateSigningKey(new Date())]),
    data_encryption_key: randomBytes(32).toString('base64'),
    secret_pepper: token(32),
    metrics_token: token(32),
  };
}

export async function writeComposeSecrets(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const written: string[] = [];
  const passwordFile = join(dir, 'postgres_password');
  if (await writeIfAbsent(passwordFile, token(24))) written.push('postgres_password');
  const password = (await readFile(passwordFile, 'utf8')).trim();
  for (const [name, value] of Object.entries(await secretValues(password))) {
    if (await writeIfAbsent(join(dir, name), value)) written.push(name);
  }
  return written;
}

async function writeIfAbsent(path: string, value: string): Promise<boolean> {
  try {
    await writeFile(path, `${value}\n`, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

if (import.meta.main) {
  const dir = resolve(process.argv[2] ?? 'deploy/compose/secrets');
  const written = await writeComposeSecrets(dir);
  process.stdout.write(
    written.length === 0
      ? `${dir}: every secret already exists\n`
      : `${dir}: wrote ${written.join(', ')}\n`,
  );
}
