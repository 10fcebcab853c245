// Shape checks for Ed25519 keys in JWK form (RFC 8037 §2): every key that
// enters the ring, from the secret or from the development key file, passes
// through here first. Error messages name the key and the problem but never
// echo the private member `d`.

export class SigningKeyError extends Error {
  override readonly name = 'SigningKeyError';
}

/** A private Ed25519 key, normalised to the members we use. */
export interface PrivateEd25519Jwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly kid: string;
  /** Public key, base64url. */
  readonly x: string;
  /** Private key, base64url. Never log, never publish. */
  readonly d: string;
}

/** What a JWKS publishes for one key (RFC 7517 §4). */
export interface PublicEd25519Jwk {
  readonly kty: 'OKP';
  readonly crv: 'Ed25519';
  readonly kid: string;
  readonly x: string;
  readonly alg: 'EdDSA';
  readonly use: 'sig';
}

/** "EdDSA" (RFC 8037) and "Ed25519" (RFC 9864, fully specified) name the same algorithm here. */
const ACCEPTED_ALGS = new Set(['EdDSA', 'Ed25519']);
/** A kid ends up in logs and URLs: keep it short and printable. */
const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** 32 bytes in unpadded base64url are exactly 43 characters. */
const KEY_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

/**
 * Returns the key as a normalised private Ed25519 JWK, or throws a
 * SigningKeyError naming `label` (e.g. `JWT_SIGNING_KEYS[1]`).
 */
export function validatePrivateJwk(value: unknown, label: string): PrivateEd25519Jwk {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SigningKeyError(`${label}: expected a JWK object`);
  }
  const jwk = value as Record<string, unknown>;
  if (jwk.kty !== 'OKP') {
    throw new SigningKeyError(
      `${label}: kty must be "OKP" (got ${shown(jwk.kty)}); only Ed25519 keys are accepted`,
    );
  }
  if (jwk.crv !== 'Ed25519') {
    throw new SigningKeyError(`${label}: crv must be "Ed25519" (got ${shown(jwk.crv)})`);
  }
  if (jwk.alg !== undefined && !ACCEPTED_ALGS.has(jwk.alg as string)) {
    throw new SigningKeyError(`${label}: alg must be "EdDSA" (got ${shown(jwk.alg)})`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw new SigningKeyError(`${label}: use must be "sig" (got ${shown(jwk.use)})`);
  }
  if (jwk.kid === undefined || jwk.kid === '') {
    throw new SigningKeyError(`${label}: missing "kid"`);
  }
  if (typeof jwk.kid !== 'string' || !KID_PATTERN.test(jwk.kid)) {
    throw new SigningKeyError(
      `${label}: "kid" must be 1-128 characters of A-Z a-z 0-9 . _ : - (got ${shown(jwk.kid)})`,
    );
  }
  const named = `${label} (kid "${jwk.kid}")`;
  if (typeof jwk.x !== 'string' || !KEY_32_BYTES.test(jwk.x)) {
    throw new SigningKeyError(`${named}: "x" must be a 32-byte base64url public key`);
  }
  if (jwk.d === undefined) {
    throw new SigningKeyError(
      `${named}: public-only key; the private member "d" is required to sign`,
    );
  }
  if (typeof jwk.d !== 'string' || !KEY_32_BYTES.test(jwk.d)) {
    throw new SigningKeyError(`${named}: "d" must be a 32-byte base64url private key`);
  }
  return { kty: 'OKP', crv: 'Ed25519', kid: jwk.kid, x: jwk.x, d: jwk.d };
}

export function toPublicJwk(jwk: PrivateEd25519Jwk): PublicEd25519Jwk {
  return { kty: 'OKP', crv: 'Ed25519', kid: jwk.kid, x: jwk.x, alg: 'EdDSA', use: 'sig' };
}

/** Throws on a repeated kid: verification looks keys up by kid alone. */
export function assertUniqueKids(kids: readonly string[], label: string): void {
  const seen = new Set<string>();
  for (const kid of kids) {
    if (seen.has(kid)) throw new SigningKeyError(`${label}: duplicate kid "${kid}"`);
    seen.add(kid);
  }
}

/** A non-secret member's value for an error message, kept short. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 32 ? `${text.slice(0, 29)}...` : text;
}
