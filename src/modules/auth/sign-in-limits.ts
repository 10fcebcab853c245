// Which account a sign-in request names, for the per-account rate limit on
// the sign-in routes (src/wiring/rate-limits.ts). The limit runs before validation,
// so this reads the parsed body defensively: the email, normalised the way
// users/schemas.ts normalises it (so `Alice@x` and ` alice@x` count as one
// account); for the MFA step, the challenge token, which stands for one
// account's sign-in. Either is hashed: keys may sit in Redis, and an email
// or a live challenge has no business there. A body naming neither is left
// to the per-IP limit (and fails validation anyway).

import { createHash } from 'node:crypto';

/** The request's account key, or undefined when it names no account. */
export function signInAccountKey(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { email, mfaToken } = body as { email?: unknown; mfaToken?: unknown };
  if (typeof email === 'string') return `email:${digest(email.trim().toLowerCase())}`;
  if (typeof mfaToken === 'string') return `mfa:${digest(mfaToken)}`;
  return undefined;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32);
}
