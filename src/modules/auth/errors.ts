import { defineErrors, errorFactory } from '../../http/errors.ts';

export const authErrors = defineErrors({
  // One message for unknown email, wrong password and deleted account alike:
  // the response must not tell an attacker which part was wrong.
  AUTH_INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials', level: 'info' },
  AUTH_TOO_MANY_ATTEMPTS: { status: 429, title: 'Too many failed attempts', level: 'warn' },
  AUTH_REFRESH_INVALID: { status: 401, title: 'Invalid refresh token', level: 'info' },
  AUTH_REFRESH_REUSED: { status: 401, title: 'Refresh token reuse detected', level: 'warn' },
});

export const authError = errorFactory(authErrors);
