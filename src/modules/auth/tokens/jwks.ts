// The JSON Web Key Set (RFC 7517 §5) other services use to verify our access
// tokens: the current key and any previous key still inside its overlap
// window, public members only.

import type { PublicEd25519Jwk } from './ed25519-jwk.ts';
import type { KeyRing } from './signing-keys.ts';

export interface JwksDocument {
  readonly keys: readonly PublicEd25519Jwk[];
}

/**
 * The set to publish. Pass `now` to leave out previous keys whose overlap has
 * ended since the ring was built; without it every key in the ring is listed.
 */
export function jwksDocument(ring: KeyRing, now?: Date): JwksDocument {
  // Rebuilt member by member: a private member can never ride along.
  const keys = ring
    .publicKeys(now)
    .map(({ kty, crv, kid, x, alg, use }) => ({ kty, crv, kid, x, alg, use }));
  return { keys };
}
