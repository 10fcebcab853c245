// Errors of the account flows (email verification, password reset and
// change). Declared with the auth module's other codes in auth/module.ts.

import { defineErrors, errorFactory } from '../../errors/index.ts';

export const accountErrors = defineErrors({
  // One answer for an unknown, used and expired link: which one it was would
  // only help someone probing tokens, and the user's next step is the same.
  AUTH_ACCOUNT_TOKEN_INVALID: {
    status: 400,
    title: 'Invalid or expired link',
    level: 'info',
  },
  // 403, not 401: the caller is authenticated and stays so; a 401 would make
  // clients discard a perfectly good access token and sign the user out.
  AUTH_CURRENT_PASSWORD_INVALID: {
    status: 403,
    title: 'Current password is incorrect',
    level: 'info',
  },
});

export const accountError = errorFactory(accountErrors);
