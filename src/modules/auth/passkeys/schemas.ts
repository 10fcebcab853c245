// WebAuthn payloads on the wire: the JSON forms browsers produce with
// `PublicKeyCredential.toJSON()` (WebAuthn Level 3 §5.1), binary fields as
// base64url. Every member that form defines is listed (strict, like every
// body here); the library checks each one it uses.

import { z } from 'zod';

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

const ceremonyId = z.string().min(1).max(100);

export const passkeyAssertion = z.strictObject({ ceremonyId, credential: assertionCredential });

export const passkeyRegistration = z.strictObject({
  ceremonyId,
  name: z.string().trim().min(1).max(100).default('Passkey'),
  credential: registrationCredential,
});

export const mfaPasskeyOptionsBody = z.strictObject({ mfaToken: z.string().min(1).max(200) });

const ceremony = (publicKey: string) =>
  z.strictObject({
    ceremonyId: ceremonyId.meta({ description: 'Send back with the credential' }),
    publicKey: z
      .looseObject({ challenge: z.string(), rpId: z.string().optional() })
      .meta({ description: `${publicKey}, for navigator.credentials` }),
  });

export const creationCeremony = ceremony('PublicKeyCredentialCreationOptionsJSON').meta({
  id: 'PasskeyCreationCeremony',
});

export const requestCeremony = ceremony('PublicKeyCredentialRequestOptionsJSON').meta({
  id: 'PasskeyRequestCeremony',
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
  .meta({ id: 'Passkey' });

export const passkeyList = z.strictObject({ items: z.array(passkeySummary) }).meta({
  id: 'PasskeyList',
});

export const passkeyParams = z.strictObject({ id: z.string().regex(/^[1-9][0-9]{0,18}$/) });
