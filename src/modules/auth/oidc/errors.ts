// Sign-in through an OpenID Connect provider: what can go wrong, as stable
// codes. The precise reason a provider's answer was refused (which claim,
// which check) goes to the audit trail, not to the client.

import { defineErrors, errorFactory } from '../../../errors/index.ts';

export const oidcErrors = defineErrors({
  AUTH_OIDC_PROVIDER_UNKNOWN: { status: 404, title: 'Unknown sign-in provider', level: 'info' },
  // The provider could not be reached or its discovery document was unusable.
  AUTH_OIDC_PROVIDER_UNAVAILABLE: {
    status: 503,
    title: 'Sign-in provider unavailable',
    level: 'warn',
  },
  // `state` missing, not the one this browser started with, expired or used.
  AUTH_OIDC_STATE_INVALID: { status: 401, title: 'Sign-in attempt not recognised', level: 'warn' },
  // The provider answered the authorization request with an error (the user declined…).
  AUTH_OIDC_DENIED: { status: 401, title: 'Sign-in refused by the provider', level: 'info' },
  // The code exchange failed or the id_token failed a check (issuer, audience,
  // expiry, nonce, signature).
  AUTH_OIDC_REJECTED: { status: 401, title: "Provider's answer refused", level: 'warn' },
  // The provider's verified address belongs to an account: the problem carries
  // `linkToken`, which that account's owner confirms while signed in.
  AUTH_OIDC_LINK_REQUIRED: { status: 409, title: 'Account link needs confirming', level: 'info' },
  AUTH_OIDC_LINK_INVALID: { status: 404, title: 'No such pending link', level: 'info' },
  // The address is an account's, but the provider has not verified it.
  AUTH_OIDC_EMAIL_CONFLICT: {
    status: 409,
    title: 'Address in use and not verified by the provider',
    level: 'info',
  },
  AUTH_OIDC_EMAIL_MISSING: {
    status: 422,
    title: 'The provider shared no email address',
    level: 'info',
  },
  // No account has the address, and the provider has not verified it: an
  // account made from it would squat an address its owner could then not register.
  AUTH_OIDC_EMAIL_UNVERIFIED: {
    status: 422,
    title: 'The provider has not verified the email address',
    level: 'info',
  },
  AUTH_OIDC_IDENTITY_TAKEN: {
    status: 409,
    title: 'Identity already linked to another account',
    level: 'info',
  },
});

export const oidcError = errorFactory(oidcErrors);
