// Verifying a presented API key (the `apiKey` authenticator of
// auth/authenticate.ts). The key acts as its owner: the identity's subject is
// the owner's user id, so ownership checks elsewhere need nothing new. Its
// permissions are the key's scopes narrowed to what the owner's role grants
// *now* — the role is read with the key on every request, so demoting the
// owner strips their keys at once, and deleting the owner kills them.
//
// Every failure is the same 401; the reason travels in `cause`, for the log.

import type { ApiKeysDatabase } from './tables.ts';
import type { Identity } from '../../http/pipeline/context.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { API_KEY_SCOPES, permissionsOf } from '../users/rbac.ts';
import { apiKeysError } from './errors.ts';
import { parseApiKey, secretMatches } from './keys.ts';
import { findKeyForVerification, touchApiKey } from './repo.ts';

/** `last_used_at` is a hint for the owner, not a log: one write a minute per key is plenty. */
export const LAST_USED_RESOLUTION_MS = 60_000;

type Rejection = 'malformed' | 'unknown' | 'secret_mismatch' | 'revoked' | 'expired' | 'owner_gone';

// RFC 6750 §3.1: the challenge tells the client this 401 is about what it sent.
const CHALLENGE = 'Bearer error="invalid_token"';

function reject(reason: Rejection) {
  return apiKeysError('API_KEYS_INVALID', {
    headers: { 'www-authenticate': CHALLENGE },
    cause: new Error(`API key rejected: ${reason}`),
  });
}

export function createApiKeyVerifier(deps: {
  sql: SqlDatabase<ApiKeysDatabase>;
  now?: () => Date;
}): (presented: string) => Promise<Identity> {
  const { sql } = deps;
  const now = deps.now ?? (() => new Date());

  return async (presented) => {
    const parsed = parseApiKey(presented);
    if (parsed === undefined) throw reject('malformed');
    // The primary, not a replica: a revocation must take effect on the next request.
    const key = await findKeyForVerification(sql.db, parsed.prefix);
    if (key === undefined) throw reject('unknown');
    if (!secretMatches(parsed.secret, key.secretHash)) throw reject('secret_mismatch');
    const at = now();
    if (key.revokedAt !== null) throw reject('revoked');
    if (key.expiresAt !== null && key.expiresAt.getTime() <= at.getTime()) throw reject('expired');
    if (key.ownerDeletedAt !== null) throw reject('owner_gone');

    const staleBefore = new Date(at.getTime() - LAST_USED_RESOLUTION_MS);
    if (key.lastUsedAt === null || key.lastUsedAt < staleBefore) {
      try {
        await touchApiKey(sql.db, key.id, at, staleBefore);
      } catch {
        // Deliberately swallowed: the key is valid, and a bookkeeping write
        // that fails (lock timeout, a hiccup) must not turn an authorised
        // request into an error. The next request past the minute retries;
        // a real outage fails the lookup above and is reported there.
      }
    }

    const granted = permissionsOf(key.role);
    const permissions = key.scopes.filter(
      (scope) => granted.has(scope) && (API_KEY_SCOPES as readonly string[]).includes(scope),
    );
    return {
      subject: key.userId,
      method: 'api-key',
      permissions: new Set(permissions),
      attributes: { role: key.role, apiKeyId: key.id },
    };
  };
}
