import { defineErrors, errorFactory } from '../../errors/index.ts';

export const apiKeysErrors = defineErrors({
  // One answer for a malformed, unknown, revoked or expired key, or one whose
  // owner is deleted: telling them apart would help whoever holds a leaked or
  // guessed key. The precise reason is logged (the error's `cause`), never sent.
  API_KEYS_INVALID: { status: 401, title: 'Invalid API key', level: 'info' },
  API_KEYS_NOT_FOUND: { status: 404, title: 'API key not found', level: 'debug' },
  API_KEYS_SCOPE_NOT_ALLOWED: {
    status: 422,
    title: 'Scope not allowed for this key',
    level: 'info',
  },
});

export const apiKeysError = errorFactory(apiKeysErrors);
