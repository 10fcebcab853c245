// Passkeys (WebAuthn): stable codes. Why an assertion failed (unknown or
// revoked credential, bad signature, a counter that did not grow) goes to
// the audit trail only: the client learns nothing that helps a forger.

import { defineErrors, errorFactory } from '../../../errors/index.ts';

export const passkeyErrors = defineErrors({
  // Unknown, expired or already used ceremony: ask for new options.
  AUTH_PASSKEY_CEREMONY_INVALID: {
    status: 401,
    title: 'Passkey ceremony expired or used',
    level: 'info',
  },
  AUTH_PASSKEY_INVALID: { status: 401, title: 'Passkey not accepted', level: 'warn' },
  AUTH_PASSKEY_REGISTRATION_FAILED: {
    status: 422,
    title: 'Passkey registration not verified',
    level: 'info',
  },
  AUTH_PASSKEY_NOT_FOUND: { status: 404, title: 'Passkey not found', level: 'info' },
});

export const passkeyError = errorFactory(passkeyErrors);
