// When the credential a connection was opened with stops being valid: an
// access token's `exp`, a browser session's absolute expiry. A WebSocket is
// checked once, at the upgrade, so without this it would keep receiving
// events long after its token ran out. API keys carry no expiry here.

import type { Identity } from '../../http/pipeline/context.ts';

/** Milliseconds since the epoch, or undefined when the credential does not say. */
export function credentialExpiry(identity: Identity): number | undefined {
  const attributes = identity.attributes ?? {};
  const tokenExpiry = attributes['expiresAt'];
  if (typeof tokenExpiry === 'number' && Number.isFinite(tokenExpiry)) return tokenExpiry * 1000;
  const sessionExpiry = attributes['cookieSessionExpiresAt'];
  if (typeof sessionExpiry === 'string') {
    const at = Date.parse(sessionExpiry);
    if (Number.isFinite(at)) return at;
  }
  return undefined;
}
