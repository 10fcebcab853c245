// WebAuthn payloads on the wire: the JSON forms browsers produce with
// `PublicKeyCredential.toJSON()` (WebAuthn Level 3 §5.1), binary fields as
// base64url. Every member that form defines is listed (strict, like every
// body here); the library checks each one it uses.

import { z } from 'zod';
import { pgText } from '../../../platform/sql/pg-values.ts';

const base64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, { error: 'must be base64url' });

const transports = z
  .array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']))
  .max(8);

export const registrationCredential = z
  .strictObject({
    id: base64url(1400).min(1),
    rawId: base64url(1400).min(1),
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: base64url(8192),
      attestationObject: base64url(65536),
      authenticatorData: base64url(65536).optional(),
      transports: transports.optional(),
      publicKey: base64url(8192).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: 'PasskeyRegistrationCredential' });

export const assertionCredential = z
  .strictObject({
    id: base64url(1400).min(1),
    rawId: base64url(1400).min(1),
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: base64url(8192),
      authenticatorData: base64url(8192),
      signature: base64url(2048),
      userHandle: base64url(256).optional(),
      attestationObject: base64url(65536).optional(),
    }),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  })
  .meta({ id: 'PasskeyAssertionCredential' });

const ceremonyId = pgText().min(1).max(100);

// What a browser sends for a passkey with a 16-byte id on shop.example.com,
// signing in and registering: the documented examples below.
const EXAMPLE_CEREMONY_ID = 'wac_inCOnAJRwOQiQR5B4rmXIkiIRiJwNxdH';
// secret-scan: example (a made-up value for the API document)
const EXAMPLE_CREDENTIAL_ID = 'AAECAwQFBgcICQoLDA0ODw';
const EXAMPLE_ASSERTION = {
  id: EXAMPLE_CREDENTIAL_ID,
  rawId: EXAMPLE_CREDENTIAL_ID,
  type: 'public-key',
  response: {
    clientDataJSON:
      'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoieDdRbTJrUDlzTHI0VmJOOGNXZDFadFloNkpmQTN1RzBvUmlFbkJxNU0iLCJvcmlnaW4iOiJodHRwczovL3Nob3AuZXhhbXBsZS5jb20ifQ',
    authenticatorData: 'lRYjom-LM4iAKqdJB74JFsyvsL5YaWoB1MjXuYdupE4FAAAABw',
    signature:
      'MEUCIQDxh0a3nG6b9lq2Jc1fXWk8pYtR4sVmEw7uZ3oLhK9CNwIgT5rY2mQx8vB1nJc4kL7pW0sD3fH6gA9eZ2uR5tI8oMs',
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};
const EXAMPLE_REGISTRATION = {
  id: EXAMPLE_CREDENTIAL_ID,
  rawId: EXAMPLE_CREDENTIAL_ID,
  type: 'public-key',
  response: {
    clientDataJSON:
      'eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoieDdRbTJrUDlzTHI0VmJOOGNXZDFadFloNkpmQTN1RzBvUmlFbkJxNU0iLCJvcmlnaW4iOiJodHRwczovL3Nob3AuZXhhbXBsZS5jb20ifQ',
    attestationObject:
      'o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YViUlRYjom-LM4iAKqdJB74JFsyvsL5YaWoB1MjXuYdupE5FAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAABAgMEBQYHCAkKCwwNDg-lAQIDJiABIVggZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoMiWCCMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqqw',
    transports: ['internal', 'hybrid'],
  },
  authenticatorAttachment: 'platform',
  clientExtensionResults: {},
};

export const passkeyAssertion = z
  .strictObject({ ceremonyId, credential: assertionCredential })
  .meta({ example: { ceremonyId: EXAMPLE_CEREMONY_ID, credential: EXAMPLE_ASSERTION } });

export const passkeyRegistration = z
  .strictObject({
    ceremonyId,
    name: pgText().trim().min(1).max(100).default('Passkey'),
    credential: registrationCredential,
  })
  .meta({
    example: {
      ceremonyId: EXAMPLE_CEREMONY_ID,
      name: 'Work laptop',
      credential: EXAMPLE_REGISTRATION,
    },
  });

export const mfaPasskeyOptionsBody = z
  .strictObject({ mfaToken: z.string().min(1).max(200) })
  // secret-scan: example (a made-up value for the API document)
  .meta({ example: { mfaToken: 'mfa_q8Jr2VbX0mT9cLw4ZkP1sYdHf6NeA3uG7oRiEtBnQ5M' } });

const ceremony = (publicKey: string) =>
  z.strictObject({
    ceremonyId: ceremonyId.meta({ description: 'Send back with the credential' }),
    publicKey: z
      .looseObject({ challenge: z.string(), rpId: z.string().optional() })
      .meta({ description: `${publicKey}, for navigator.credentials` }),
  });

// The options the service's WebAuthn library writes, for the same browser and challenge.
const EXAMPLE_CHALLENGE = 'x7Qm2kP9sLr4VbN8cWd1ZtYh6JfA3uG0oRiEnBq5M';
const EXAMPLE_RP_ID = 'shop.example.com';

export const creationCeremony = ceremony('PublicKeyCredentialCreationOptionsJSON').meta({
  id: 'PasskeyCreationCeremony',
  example: {
    ceremonyId: EXAMPLE_CEREMONY_ID,
    publicKey: {
      challenge: EXAMPLE_CHALLENGE,
      rp: { name: 'Throughline', id: EXAMPLE_RP_ID },
      user: { id: 'IL3HrnCC0h52dWxAAtApWw', name: 'ann@example.com', displayName: 'Ann Lee' },
      pubKeyCredParams: [
        { alg: -8, type: 'public-key' },
        { alg: -7, type: 'public-key' },
        { alg: -257, type: 'public-key' },
      ],
      timeout: 60000,
      attestation: 'none',
      excludeCredentials: [],
      authenticatorSelection: {
        residentKey: 'required',
        userVerification: 'required',
        requireResidentKey: true,
      },
      extensions: { credProps: true },
      hints: [],
    },
  },
});

/** Signing in with a passkey: any passkey of this site the authenticator holds. */
const EXAMPLE_SIGN_IN_CEREMONY = {
  ceremonyId: EXAMPLE_CEREMONY_ID,
  publicKey: {
    rpId: EXAMPLE_RP_ID,
    challenge: EXAMPLE_CHALLENGE,
    timeout: 60000,
    userVerification: 'required',
  },
};

/** A passkey as the second factor: one of the account's own, named. */
export const EXAMPLE_SECOND_FACTOR_CEREMONY = {
  ceremonyId: EXAMPLE_CEREMONY_ID,
  publicKey: {
    rpId: EXAMPLE_RP_ID,
    challenge: EXAMPLE_CHALLENGE,
    allowCredentials: [
      { id: EXAMPLE_CREDENTIAL_ID, transports: ['internal', 'hybrid'], type: 'public-key' },
    ],
    timeout: 60000,
    userVerification: 'preferred',
  },
};

export const requestCeremony = ceremony('PublicKeyCredentialRequestOptionsJSON').meta({
  id: 'PasskeyRequestCeremony',
  example: EXAMPLE_SIGN_IN_CEREMONY,
});

export const passkeySummary = z
  .strictObject({
    id: z.string(),
    name: z.string(),
    deviceType: z.string().meta({ description: 'singleDevice or multiDevice (synced)' }),
    backedUp: z.boolean(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
  })
  .meta({
    id: 'Passkey',
    example: {
      id: '14',
      name: 'Work laptop',
      deviceType: 'multiDevice',
      backedUp: true,
      createdAt: '2026-12-01T08:15:00.000Z',
      lastUsedAt: null,
    },
  });

export const passkeyList = z.strictObject({ items: z.array(passkeySummary) }).meta({
  id: 'PasskeyList',
  example: {
    items: [
      {
        id: '14',
        name: 'Work laptop',
        deviceType: 'multiDevice',
        backedUp: true,
        createdAt: '2026-12-01T08:15:00.000Z',
        lastUsedAt: '2026-12-06T18:02:11.000Z',
      },
      {
        id: '9',
        name: 'Security key',
        deviceType: 'singleDevice',
        backedUp: false,
        createdAt: '2026-11-12T10:40:00.000Z',
        lastUsedAt: null,
      },
    ],
  },
});

export const passkeyParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,18}$/) });
