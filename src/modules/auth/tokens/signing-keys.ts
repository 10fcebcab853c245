// The signing key ring: one `current` Ed25519 key signs, `previous` keys still
// verify for an overlap window after a rotation so tokens issued just before
// it stay valid until they expire, and `retired` keys are gone. CryptoKeys are
// imported once here, never per request: importing a JWK costs far more than
// verifying a signature.

import { randomBytes } from 'node:crypto';
import {
  CompactSign,
  compactVerify,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import {
  assertUniqueKids,
  SigningKeyError,
  toPublicJwk,
  validatePrivateJwk,
  type PrivateEd25519Jwk,
  type PublicEd25519Jwk,
} from './ed25519-jwk.ts';

export const SIGNING_ALG = 'EdDSA';
/** Two access-token lifetimes (2 × 15 min): a previous key outlives every token it signed. */
export const DEFAULT_OVERLAP_SECONDS = 2 * 15 * 60;

export type KeyState = 'current' | 'previous' | 'retired';

/** A key as persisted or loaded from a secret. Holds private material. */
export interface StoredKey {
  readonly jwk: PrivateEd25519Jwk;
  readonly state: KeyState;
  readonly createdAt: Date;
  /**
   * When the key stopped being current; the overlap window counts from here.
   * Absent for previous keys from the secret: those stay valid until the
   * operator removes them.
   */
  readonly supersededAt?: Date | undefined;
}

export interface KeyRingInput {
  readonly keys: readonly StoredKey[];
  readonly now: Date;
  /** How long a superseded key keeps verifying; must be ≥ the access-token lifetime. */
  readonly overlapSeconds?: number;
}

interface RingEntry {
  readonly stored: StoredKey;
  readonly publicJwk: PublicEd25519Jwk;
  readonly verifyKey: CryptoKey;
}

/** Public description of one key, safe to log. */
export interface KeyInfo {
  readonly kid: string;
  readonly state: 'current' | 'previous';
  readonly createdAt: string;
  readonly supersededAt: string | undefined;
}

export class KeyRing {
  readonly overlapSeconds: number;
  // Not readonly: a configuration reload swaps in the keys of a new secret
  // (`adopt`), while everything holding this ring keeps holding it.
  #current: RingEntry;
  #signingKey: CryptoKey;
  #entries: ReadonlyMap<string, RingEntry>;

  private constructor(
    overlapSeconds: number,
    current: RingEntry,
    signingKey: CryptoKey,
    entries: ReadonlyMap<string, RingEntry>,
  ) {
    this.overlapSeconds = overlapSeconds;
    this.#current = current;
    this.#signingKey = signingKey;
    this.#entries = entries;
  }

  /**
   * Takes the keys of `next` (built from a reloaded secret): the next token is
   * signed with its current key, and tokens verify against its keys only. The
   * overlap stays this ring's, which the token lifetime was checked against.
   */
  adopt(next: KeyRing): void {
    this.#current = next.#current;
    this.#signingKey = next.#signingKey;
    this.#entries = next.#entries;
  }

  /** Use `createKeyRing`; this is its implementation. */
  static async build(input: KeyRingInput): Promise<KeyRing> {
    const overlapSeconds = input.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
    if (!Number.isSafeInteger(overlapSeconds) || overlapSeconds <= 0) {
      throw new RangeError(`overlapSeconds must be a positive integer (got ${overlapSeconds})`);
    }
    const live = input.keys.filter((key) => stillValid(key, input.now, overlapSeconds));
    const jwks = live.map((key, index) => validatePrivateJwk(key.jwk, `signing key ${index}`));
    assertUniqueKids(
      jwks.map((jwk) => jwk.kid),
      'signing keys',
    );
    const currents = live.filter((key) => key.state === 'current');
    if (currents.length !== 1) {
      throw new SigningKeyError(`expected exactly one current signing key, got ${currents.length}`);
    }

    const entries = new Map<string, RingEntry>();
    for (const [index, key] of live.entries()) {
      const jwk = jwks[index]!;
      const publicJwk = toPublicJwk(jwk);
      const verifyKey = await importOrExplain(
        { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
        `signing key "${jwk.kid}": the public key "x" is not a valid Ed25519 key`,
      );
      entries.set(jwk.kid, {
        stored: { ...key, jwk },
        publicJwk,
        verifyKey: verifyKey,
      });
    }
    const current = entries.get(currents[0]!.jwk.kid)!;
    const signingKey = await importOrExplain(
      current.stored.jwk,
      `signing key "${current.publicJwk.kid}": private key "d" does not match public key "x"`,
    );
    await assertKeyPairMatches(signingKey, current);
    return new KeyRing(overlapSeconds, current, signingKey, entries);
  }

  get currentKid(): string {
    return this.#current.publicJwk.kid;
  }

  get currentCreatedAt(): Date {
    return this.#current.stored.createdAt;
  }

  /** The non-extractable private key of the current key and its kid. */
  signingKey(): { readonly kid: string; readonly key: CryptoKey } {
    return { kid: this.currentKid, key: this.#signingKey };
  }

  /** The cached public key for `kid` if that key may verify tokens at `now`. */
  verificationKey(kid: string, now: Date): CryptoKey | undefined {
    const entry = this.#entries.get(kid);
    if (entry === undefined || !stillValid(entry.stored, now, this.overlapSeconds)) {
      return undefined;
    }
    return entry.verifyKey;
  }

  /** Public JWKs of the keys valid at `now` (all keys in the ring when omitted), current first. */
  publicKeys(now?: Date): readonly PublicEd25519Jwk[] {
    return this.#ordered()
      .filter((entry) => now === undefined || stillValid(entry.stored, now, this.overlapSeconds))
      .map((entry) => entry.publicJwk);
  }

  /** The keys with their PRIVATE material, for persisting the ring. Never log this. */
  exportStoredKeys(): readonly StoredKey[] {
    return this.#ordered().map((entry) => entry.stored);
  }

  /** Only public facts: what a logger or JSON.stringify sees. */
  toJSON(): { readonly overlapSeconds: number; readonly keys: readonly KeyInfo[] } {
    return {
      overlapSeconds: this.overlapSeconds,
      keys: this.#ordered().map(({ stored, publicJwk }) => ({
        kid: publicJwk.kid,
        state: stored.state === 'current' ? 'current' : 'previous',
        createdAt: stored.createdAt.toISOString(),
        supersededAt: stored.supersededAt?.toISOString(),
      })),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): unknown {
    return this.toJSON();
  }

  #ordered(): RingEntry[] {
    return [this.#current, ...[...this.#entries.values()].filter((e) => e !== this.#current)];
  }
}

/**
 * Builds a ring from stored keys, importing every CryptoKey once. Retired
 * keys and previous keys past the overlap window are dropped.
 */
export function createKeyRing(input: KeyRingInput): Promise<KeyRing> {
  return KeyRing.build(input);
}

/**
 * Returns a new ring where a fresh key (or `key`) is current, the old current
 * is previous from `now`, and previous keys past the overlap are dropped.
 */
export async function rotate(
  ring: KeyRing,
  options: { readonly now: Date; readonly key?: PrivateEd25519Jwk },
): Promise<KeyRing> {
  const { now } = options;
  const fresh = options.key ?? (await generateSigningKey(now));
  const demoted = ring
    .exportStoredKeys()
    .map((key): StoredKey =>
      key.state === 'current' ? { ...key, state: 'previous', supersededAt: now } : key,
    );
  return createKeyRing({
    keys: [{ jwk: fresh, state: 'current', createdAt: now }, ...demoted],
    now,
    overlapSeconds: ring.overlapSeconds,
  });
}

/** A new Ed25519 key with a kid like `ed25519-2026-11-25-1a2b3c4d`. */
export async function generateSigningKey(now: Date): Promise<PrivateEd25519Jwk> {
  const { privateKey } = await generateKeyPair('Ed25519', { extractable: true });
  const kid = `ed25519-${now.toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
  return validatePrivateJwk({ ...(await exportJWK(privateKey)), kid }, 'generated key');
}

function stillValid(key: StoredKey, now: Date, overlapSeconds: number): boolean {
  if (key.state === 'current') return true;
  if (key.state === 'retired') return false;
  if (key.supersededAt === undefined) return true;
  return now.getTime() < key.supersededAt.getTime() + overlapSeconds * 1000;
}

/** Imports once at startup; the runtime's own error says nothing about which key failed. */
async function importOrExplain(jwk: JWK, problem: string): Promise<CryptoKey> {
  try {
    return (await importJWK(jwk, SIGNING_ALG)) as CryptoKey;
  } catch (error) {
    throw new SigningKeyError(problem, { cause: error });
  }
}

/**
 * A `d` that does not belong to `x` would sign tokens nobody can verify;
 * one probe signature at startup turns that into a clear error.
 */
async function assertKeyPairMatches(signingKey: CryptoKey, entry: RingEntry): Promise<void> {
  const probe = await new CompactSign(new TextEncoder().encode('key-pair-probe'))
    .setProtectedHeader({ alg: SIGNING_ALG })
    .sign(signingKey);
  try {
    await compactVerify(probe, entry.verifyKey, { algorithms: [SIGNING_ALG] });
  } catch {
    throw new SigningKeyError(
      `signing key "${entry.publicJwk.kid}": private key "d" does not match public key "x"`,
    );
  }
}
