import { defineErrors, errorFactory } from '../../errors/index.ts';

export const authErrors = defineErrors({
  // One message for unknown email, wrong password and deleted account alike:
  // the response must not tell an attacker which part was wrong.
  AUTH_INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials', level: 'info' },
  AUTH_TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many failed attempts', level: 'warn' },
  AUTH_REFRESH_INVALID: { status: 401, title: 'Invalid refresh token', level: 'info' },
  AUTH_REFRESH_REUSED: { status: 401, title: 'Refresh token reuse detected', level: 'warn' },
  // The password was right and the account has a second factor: the problem
  // carries `mfaToken`, to send back with a code to /login/mfa or /session/mfa.
  AUTH_MFA_REQUIRED: { status: 401, title: 'Second factor required', level: 'info' },
  AUTH_MFA_INVALID_CODE: { status: 401, title: 'Invalid second-factor code', level: 'info' },
  AUTH_MFA_CHALLENGE_INVALID: {
    status: 401,
    title: 'Second-factor challenge expired or used up',
    level: 'info',
  },
  AUTH_MFA_CODE_MISMATCH: { status: 422, title: 'Code does not match', level: 'info' },
  AUTH_MFA_ALREADY_ENABLED: { status: 409, title: 'Second factor already enabled', level: 'info' },
  AUTH_MFA_NOT_ENABLED: { status: 409, title: 'Second factor not enabled', level: 'info' },
  // A cookie-authenticated unsafe request without the right Origin and token.
  AUTH_CSRF_FAILED: { status: 403, title: 'Cross-site request refused', level: 'warn' },
});

export const authError = errorFactory(authErrors);
