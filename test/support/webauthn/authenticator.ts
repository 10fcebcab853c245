// A software passkey authenticator for tests: an ES256 key pair from
// node:crypto, and the bytes a real one would send (WebAuthn §6.1
// authenticator data, §6.5 attestation object with fmt "none", §5.8.1
// client data), in the JSON form browsers post. It keeps a signature
// counter; `clone()` copies the key and the counter as they are now, as a
// cloned authenticator would.

import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { encodeCbor, type CborValue } from './cbor.ts';

const FLAG_USER_PRESENT = 0x01;
const FLAG_USER_VERIFIED = 0x04;
const FLAG_ATTESTED_DATA = 0x40;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest();

export interface SoftwareAuthenticator {
  readonly credentialId: string;
  /** navigator.credentials.create(), as JSON: for PublicKeyCredentialCreationOptionsJSON. */
  create(options: { challenge: string; rp?: { id?: string } }): Record<string, unknown>;
  /** navigator.credentials.get(), as JSON. */
  get(options: { challenge: string; rpId?: string }): Record<string, unknown>;
  clone(): SoftwareAuthenticator;
  /** Signatures made so far (what the next counter value follows). */
  readonly counter: number;
}

export function softwareAuthenticator(options: {
  origin: string;
  rpId: string;
  userVerified?: boolean;
}): SoftwareAuthenticator {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return build(options, privateKey, publicKey, randomBytes(32), 0);
}

function build(
  options: { origin: string; rpId: string; userVerified?: boolean },
  privateKey: KeyObject,
  publicKey: KeyObject,
  credentialId: Buffer,
  initialCounter: number,
): SoftwareAuthenticator {
  let counter = initialCounter;
  const flags = FLAG_USER_PRESENT | (options.userVerified === false ? 0 : FLAG_USER_VERIFIED);

  function clientData(type: string, challenge: string): Buffer {
    return Buffer.from(
      JSON.stringify({ type, challenge, origin: options.origin, crossOrigin: false }),
    );
  }

  function counterBytes(): Buffer {
    const out = Buffer.alloc(4);
    out.writeUInt32BE(counter);
    return out;
  }

  function coseKey(): Buffer {
    const jwk = publicKey.export({ format: 'jwk' });
    return encodeCbor(
      new Map<CborValue, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
  }

  return {
    credentialId: b64url(credentialId),
    get counter() {
      return counter;
    },

    create({ challenge, rp }) {
      const rpId = rp?.id ?? options.rpId;
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const authData = Buffer.concat([
        sha256(rpId),
        Buffer.from([flags | FLAG_ATTESTED_DATA]),
        counterBytes(),
        Buffer.alloc(16), // AAGUID: none given
        idLength,
        credentialId,
        coseKey(),
      ]);
      const attestationObject = encodeCbor(
        new Map<CborValue, CborValue>([
          ['fmt', 'none'],
          ['attStmt', new Map<CborValue, CborValue>()],
          ['authData', authData],
        ]),
      );
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(clientData('webauthn.create', challenge)),
          attestationObject: b64url(attestationObject),
          transports: ['internal'],
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },

    get({ challenge, rpId }) {
      counter += 1;
      const authData = Buffer.concat([
        sha256(rpId ?? options.rpId),
        Buffer.from([flags]),
        counterBytes(),
      ]);
      const data = clientData('webauthn.get', challenge);
      // ES256 signatures go on the wire DER-encoded (WebAuthn §6.5.6), node's default.
      const signature = sign('sha256', Buffer.concat([authData, sha256(data)]), privateKey);
      return {
        id: b64url(credentialId),
        rawId: b64url(credentialId),
        type: 'public-key',
        response: {
          clientDataJSON: b64url(data),
          authenticatorData: b64url(authData),
          signature: b64url(signature),
        },
        authenticatorAttachment: 'platform',
        clientExtensionResults: {},
      };
    },

    clone() {
      return build(options, privateKey, publicKey, credentialId, counter);
    },
  };
}
