// Production keys come from the JWT_SIGNING_KEYS secret: a JSON array of
// private Ed25519 JWKs, the first one current. Rotating in production is an
// operator action: put the new key first, keep the old one second for at
// least the overlap window (every instance must have the new secret), then
// remove it.

import {
  assertUniqueKids,
  SigningKeyError,
  validatePrivateJwk,
  type PrivateEd25519Jwk,
} from './ed25519-jwk.ts';
import { createKeyRing, type KeyRing, type StoredKey } from './signing-keys.ts';

const SECRET_NAME = 'JWT_SIGNING_KEYS';

/**
 * Parses the secret into stored keys (first current, the rest previous) or
 * throws a SigningKeyError saying what is wrong. Messages never quote the
 * secret: a JSON parser's own message would.
 */
export function parseKeySecret(text: string, loadedAt: Date = new Date()): StoredKey[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SigningKeyError(`${SECRET_NAME} is not valid JSON`);
  }
  if (!Array.isArray(value)) {
    const isKeySet = typeof value === 'object' && value !== null && 'keys' in value;
    throw new SigningKeyError(
      `${SECRET_NAME} must be a JSON array of private JWKs` +
        (isKeySet ? ' (found a JWK Set object; use its "keys" array)' : ''),
    );
  }
  if (value.length === 0) {
    throw new SigningKeyError(`${SECRET_NAME} must contain at least one key`);
  }
  const jwks: PrivateEd25519Jwk[] = value.map((item: unknown, index) =>
    validatePrivateJwk(item, `${SECRET_NAME}[${index}]`),
  );
  assertUniqueKids(
    jwks.map((jwk) => jwk.kid),
    SECRET_NAME,
  );
  return jwks.map((jwk, index) => ({
    jwk,
    state: index === 0 ? 'current' : 'previous',
    createdAt: loadedAt,
  }));
}

/** Parses the secret and builds the ring in one step. */
export function keyRingFromSecret(
  text: string,
  options: { readonly now: Date; readonly overlapSeconds?: number },
): Promise<KeyRing> {
  return createKeyRing({ keys: parseKeySecret(text, options.now), ...options });
}
