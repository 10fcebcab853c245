import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPasswordHasher } from './passwords.ts';

/** `m=65536,p=1,t=3` from `$argon2id$v=19$m=65536,t=3,p=1$salt$hash`. */
function parametersOf(hash: string): { algorithm: string; version: string; parameters: string } {
  const [, algorithm, version, parameters] = hash.split('$');
  return {
    algorithm: algorithm!,
    version: version!,
    parameters: parameters!.split(',').sort().join(','),
  };
}

const small = { memoryKib: 1024, timeCost: 1 };

test('by default a hash is argon2id v=19 with m=64 MiB, t=3, p=1, as docs/security.md says', async () => {
  const hash = await createPasswordHasher().hash('correct horse battery staple');
  assert.deepEqual(parametersOf(hash), {
    algorithm: 'argon2id',
    version: 'v=19',
    parameters: 'm=65536,p=1,t=3',
  });
});

test('a configured cost is what the hash records; the salt differs per hash', async () => {
  const hasher = createPasswordHasher({ cost: { memoryKib: 2048, timeCost: 2 } });
  const [first, second] = await Promise.all([hasher.hash('same'), hasher.hash('same')]);
  assert.equal(parametersOf(first).parameters, 'm=2048,p=1,t=2');
  assert.notEqual(first, second);
});

test('verify accepts the password only; a malformed hash is false, not an error', async () => {
  const hasher = createPasswordHasher({ cost: small });
  const hash = await hasher.hash('correct horse battery staple');
  assert.equal(await hasher.verify(hash, 'correct horse battery staple'), true);
  assert.equal(await hasher.verify(hash, 'correct horse battery stapler'), false);
  assert.equal(await hasher.verify('not a hash', 'anything'), false);
  assert.equal(await hasher.verify('$argon2id$v=19$m=1024,t=1,p=1$AAAA$AAAA', 'x'), false);
});

test('a hash made with another cost verifies, and needs a rehash', async () => {
  const old = createPasswordHasher({ cost: { memoryKib: 2048, timeCost: 2 } });
  const current = createPasswordHasher({ cost: small });
  const oldHash = await old.hash('correct horse battery staple');
  assert.equal(await current.verify(oldHash, 'correct horse battery staple'), true);
  assert.equal(current.needsRehash(oldHash), true);
  assert.equal(current.needsRehash(await current.hash('correct horse battery staple')), false);
});

test('with a pepper, the hash verifies only with the same pepper', async () => {
  const peppered = createPasswordHasher({ cost: small, pepper: 'a pepper of 16+ chars' });
  const hash = await peppered.hash('correct horse battery staple');
  assert.equal(await peppered.verify(hash, 'correct horse battery staple'), true);
  const plain = createPasswordHasher({ cost: small });
  assert.equal(await plain.verify(hash, 'correct horse battery staple'), false);
  const otherPepper = createPasswordHasher({ cost: small, pepper: 'another pepper, 16+' });
  assert.equal(await otherPepper.verify(hash, 'correct horse battery staple'), false);
});
