import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { issueAccessToken, verifyAccessToken } from './access-token.ts';
import { DEV_KEYS_FILE, loadOrCreateDevKeys } from './dev-keys.ts';
import { SigningKeyError } from './ed25519-jwk.ts';
import { DEFAULT_OVERLAP_SECONDS } from './signing-keys.ts';
import { at, AUDIENCE, ISSUER, NOW, VERIFY } from './token-test-kit.ts';

const DAY = 86_400;
const root = await mkdtemp(join(tmpdir(), 'jwt-keys-'));
after(() => rm(root, { recursive: true, force: true }));

let counter = 0;
function keyDir(): string {
  counter += 1;
  return join(root, `case-${counter}`, 'keys');
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function storedKids(path: string): Promise<string[]> {
  const document = JSON.parse(await readFile(path, 'utf8')) as { keys: { jwk: { kid: string } }[] };
  return document.keys.map((key) => key.jwk.kid);
}

describe('loadOrCreateDevKeys', () => {
  test('generates a key on first start into an owner-only file', async () => {
    const dir = keyDir();
    const result = await loadOrCreateDevKeys(dir, NOW);
    assert.equal(result.created, true);
    assert.equal(result.rotated, false);
    assert.equal(result.path, join(dir, DEV_KEYS_FILE));
    assert.equal(await mode(result.path), 0o600);
    assert.equal(await mode(dir), 0o700);
    assert.deepEqual(await storedKids(result.path), [result.ring.currentKid]);
  });

  test('reuses the stored key on later starts, so earlier tokens still verify', async () => {
    const dir = keyDir();
    const first = await loadOrCreateDevKeys(dir, NOW);
    const token = await issueAccessToken(first.ring, {
      sub: 'user-1',
      scope: [],
      role: 'admin',
      issuer: ISSUER,
      audience: AUDIENCE,
      now: NOW,
    });
    const second = await loadOrCreateDevKeys(dir, at(NOW, DAY));
    assert.equal(second.created, false);
    assert.equal(second.rotated, false);
    assert.equal(second.ring.currentKid, first.ring.currentKid);
    assert.equal((await verifyAccessToken(second.ring, token, VERIFY)).role, 'admin');
  });

  test('tightens loosened permissions on the directory and the file', async () => {
    const dir = keyDir();
    const { path } = await loadOrCreateDevKeys(dir, NOW);
    await chmod(path, 0o644);
    await chmod(dir, 0o755);
    await loadOrCreateDevKeys(dir, NOW);
    assert.equal(await mode(path), 0o600);
    assert.equal(await mode(dir), 0o700);
  });

  test('rotates a key older than maxAgeDays, keeping the old one for the overlap', async () => {
    const dir = keyDir();
    const first = await loadOrCreateDevKeys(dir, NOW);
    const young = await loadOrCreateDevKeys(dir, at(NOW, 30 * DAY - 1));
    assert.equal(young.rotated, false);

    const rotatedAt = at(NOW, 30 * DAY);
    const rotated = await loadOrCreateDevKeys(dir, rotatedAt);
    assert.equal(rotated.rotated, true);
    assert.notEqual(rotated.ring.currentKid, first.ring.currentKid);
    assert.deepEqual(await storedKids(rotated.path), [
      rotated.ring.currentKid,
      first.ring.currentKid,
    ]);
    assert.equal(await mode(rotated.path), 0o600);

    // A restart inside the overlap still knows the old key…
    const restarted = await loadOrCreateDevKeys(dir, at(rotatedAt, 60));
    assert.ok(restarted.ring.verificationKey(first.ring.currentKid, at(rotatedAt, 60)));
    // …and one after it drops the key from the ring and the file.
    const later = await loadOrCreateDevKeys(dir, at(rotatedAt, DEFAULT_OVERLAP_SECONDS));
    assert.equal(later.rotated, false);
    assert.deepEqual(await storedKids(later.path), [rotated.ring.currentKid]);
  });

  test('maxAgeDays and overlapSeconds are configurable', async () => {
    const dir = keyDir();
    const options = { maxAgeDays: 1, overlapSeconds: 7200 };
    const first = await loadOrCreateDevKeys(dir, NOW, options);
    const next = await loadOrCreateDevKeys(dir, at(NOW, DAY), options);
    assert.equal(next.rotated, true);
    assert.equal(next.ring.overlapSeconds, 7200);
    assert.ok(next.ring.verificationKey(first.ring.currentKid, at(NOW, DAY + 7199)));
  });

  test('two processes starting at once end up with the same key', async () => {
    const dir = keyDir();
    const [a, b] = await Promise.all([
      loadOrCreateDevKeys(dir, NOW),
      loadOrCreateDevKeys(dir, NOW),
    ]);
    assert.equal(a.ring.currentKid, b.ring.currentKid);
    assert.equal([a.created, b.created].filter(Boolean).length, 1);
    assert.deepEqual(await storedKids(a.path), [a.ring.currentKid]);
  });

  test('a damaged file is an error, not a silent new key', async () => {
    const dir = keyDir();
    const { path } = await loadOrCreateDevKeys(dir, NOW);
    for (const content of [
      '{',
      '{"keys":[]}',
      '{"format":"throughline.jwt-keys.v1","keys":[{}]}',
    ]) {
      await writeFile(path, content);
      await assert.rejects(loadOrCreateDevKeys(dir, NOW), (error: unknown) => {
        assert.ok(error instanceof SigningKeyError);
        assert.match(error.message, /delete the file to generate a new key|keys\[0\]/);
        return true;
      });
    }
  });
});
