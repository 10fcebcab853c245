import { z } from 'zod';
import { exactlyOneOf } from '../../http/request/input-rules.ts';
import { pgText } from '../../platform/sql/pg-values.ts';
import { email, EXAMPLE_PASSWORD, password } from '../users/schemas.ts';
import { passkeyAssertion } from './passkeys/schemas.ts';

/** For the document's examples: the shape of a 32-byte base64url token the service issues. */
// secret-scan: example (a made-up value for the API document)
export const EXAMPLE_TOKEN = 'q8Jr2VbX0mT9cLw4ZkP1sYdHf6NeA3uG7oRiEtBnQ5M';

export const loginBody = z
  .strictObject({ email, password })
  .meta({ example: { email: 'ann@example.com', password: EXAMPLE_PASSWORD } });

export const refreshBody = z
  .strictObject({ refreshToken: z.string().min(1).max(200) })
  .meta({ example: { refreshToken: `rt_${EXAMPLE_TOKEN}` } });

export const tokenPair = z
  .strictObject({
    accessToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires' }),
    refreshToken: z.string(),
    refreshExpiresIn: z.number().int(),
  })
  .meta({
    id: 'TokenPair',
    example: {
      // secret-scan: example (a made-up value for the API document)
      accessToken: 'eyJhbGciOiJFZERTQSIsImtpZCI6ImsxIn0.eyJzdWIiOiI3In0.c2lnbmF0dXJl',
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: `rt_${EXAMPLE_TOKEN}`,
      refreshExpiresIn: 2_592_000,
    },
  });

export const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).meta({
  id: 'JsonWebKeySet',
  example: {
    keys: [
      {
        kty: 'OKP',
        crv: 'Ed25519',
        kid: 'k1',
        x: 'UFgS2zjaSNnX8hjq4CeWEK_-FCwpFV7lzojrBFUaxuY',
        alg: 'EdDSA',
        use: 'sig',
      },
    ],
  },
});

const totpCode = z
  .string()
  .regex(/^[0-9]{6}$/, { error: 'must be 6 digits' })
  .meta({ example: '123456' });
const recoveryCode = pgText().min(12).max(20).meta({ example: 'abcd-efgh-jkmn' });

/** Exactly one of a TOTP code or a recovery code, as the validation error and the document say. */
const ONE_FACTOR = ['code', 'recoveryCode'] as const;

export const mfaLoginBody = exactlyOneOf(
  z.strictObject({
    mfaToken: z.string().min(1).max(200),
    code: totpCode.optional(),
    recoveryCode: recoveryCode.optional(),
    passkey: passkeyAssertion.optional(),
  }),
  [...ONE_FACTOR, 'passkey'],
).meta({ example: { mfaToken: `mfa_${EXAMPLE_TOKEN}`, code: '123456' } });

export const secondFactorBody = exactlyOneOf(
  z.strictObject({ code: totpCode.optional(), recoveryCode: recoveryCode.optional() }),
  ONE_FACTOR,
).meta({ example: { code: '123456' } });

export const mfaConfirmBody = z
  .strictObject({ code: totpCode })
  .meta({ example: { code: '123456' } });

export const mfaStatus = z
  .strictObject({
    enabled: z.boolean().meta({
      description: 'Any second factor (app or passkey): a password sign-in asks for a second step',
    }),
    factors: z
      .strictObject({
        totp: z.boolean().meta({ description: 'An authenticator app is confirmed' }),
        passkeys: z.number().int().min(0).meta({ description: 'Passkeys not revoked' }),
      })
      .meta({ description: 'The second factors the second step accepts' }),
    recoveryCodesRemaining: z.number().int().min(0).meta({
      description: 'Unused recovery codes; they come with the authenticator app, 0 without it',
    }),
  })
  .meta({
    id: 'MfaStatus',
    example: { enabled: true, factors: { totp: false, passkeys: 1 }, recoveryCodesRemaining: 0 },
  });

export const mfaEnrolment = z
  .strictObject({
    secret: z.string().meta({ description: 'Base32 secret, for manual entry' }),
    otpauthUri: z.string().meta({ description: 'Render as a QR code for the authenticator app' }),
  })
  .meta({
    id: 'MfaEnrolment',
    example: {
      // secret-scan: example (a made-up value for the API document)
      secret: 'KYKNEW5UO2373WSC5XIAQVESHZLOVKL3',
      otpauthUri:
        'otpauth://totp/Throughline:ann%40example.com?secret=KYKNEW5UO2373WSC5XIAQVESHZLOVKL3&issuer=Throughline&algorithm=SHA1&digits=6&period=30',
    },
  });

export const recoveryCodes = z
  .strictObject({
    recoveryCodes: z
      .array(z.string())
      .meta({ description: 'Single-use codes, shown this once; store them offline' }),
  })
  .meta({
    id: 'RecoveryCodes',
    example: {
      recoveryCodes: [
        '7t30-g6k9-qnry',
        '03a3-6st1-qbh5',
        'vxp3-t952-rys3',
        '4kr2-grrd-rkdd',
        'xb95-kmx1-dsqa',
        '2f9b-039z-e4qp',
        'nxq3-v3as-fm7h',
        'z5y2-qw7p-1y8v',
        'xyw4-krg7-3cgq',
        '3dqp-qrej-ky0f',
      ],
    },
  });

export const browserSession = z
  .strictObject({
    csrfToken: z
      .string()
      .meta({ description: 'Send as X-CSRF-Token on every unsafe cookie-authenticated request' }),
    expiresAt: z.iso.datetime(),
  })
  .meta({
    id: 'BrowserSession',
    example: { csrfToken: EXAMPLE_TOKEN, expiresAt: '2026-12-07T20:00:00.000Z' },
  });
