// API key use cases for the key's owner: create, list, revoke. A key acts as
// its owner, so it may carry only what the owner holds: scopes are checked
// against the owner's role as stored now (not the role in the caller's
// token, which may be minutes old) and against the caller's own permissions.
// Another user's key answers "not found", exactly as an unknown id (no IDOR,
// no enumeration).

import type { ApiKeysDatabase } from './tables.ts';
import type { FieldError } from '../../errors/index.ts';
import { toSqlError } from '../../platform/sql/sql-errors.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { API_KEY_SCOPES, permissionsOf } from '../users/rbac.ts';
import type { Actor } from '../users/service.ts';
import { apiKeysError } from './errors.ts';
import { generateApiKey } from './keys.ts';
import {
  findApiKeyOfUser,
  findOwnerRole,
  insertApiKey,
  listApiKeysOfUser,
  revokeApiKeyOfUser,
} from './repo.ts';
import type { ApiKey, ApiKeyCreation, CreatedApiKey } from './schemas.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A fresh prefix colliding is a ~2^-62 event per existing key; retrying covers it. */
const PREFIX_ATTEMPTS = 3;

export interface ApiKeysService {
  create(actor: Actor, input: ApiKeyCreation): Promise<CreatedApiKey>;
  list(actor: Actor): Promise<ApiKey[]>;
  /** Idempotent: revoking a revoked key succeeds; someone else's key is "not found". */
  revoke(actor: Actor, id: string): Promise<void>;
}

export function createApiKeysService(deps: {
  sql: SqlDatabase<ApiKeysDatabase>;
  audit: AuditSink;
  now?: () => Date;
}): ApiKeysService {
  const { sql, audit } = deps;
  const now = deps.now ?? (() => new Date());
  const notFound = (id: string) =>
    apiKeysError('API_KEYS_NOT_FOUND', { detail: `no API key with id ${id}` });

  return {
    async create(actor, input) {
      // The primary, not a replica: a demotion must bind the very next key.
      const role = await findOwnerRole(sql.db, actor.id);
      const granted = role === undefined ? new Set<string>() : permissionsOf(role);
      const problems = scopeProblems(input.scopes, granted, actor.permissions);
      if (problems.length > 0) {
        const denied = problems.map((problem) => problem.scope).join(', ');
        throw apiKeysError('API_KEYS_SCOPE_NOT_ALLOWED', {
          errors: problems.map((problem) => problem.error),
          detail: `this key cannot carry: ${denied}`,
        });
      }
      const createdAt = now();
      const expiresAt =
        input.expiresInDays === undefined
          ? null
          : new Date(createdAt.getTime() + input.expiresInDays * DAY_MS);

      let created: CreatedApiKey | undefined;
      for (let attempt = 1; created === undefined; attempt += 1) {
        const generated = generateApiKey();
        try {
          const stored = await insertApiKey(sql.db, {
            userId: actor.id,
            name: input.name,
            prefix: generated.prefix,
            secretHash: generated.secretHash,
            scopes: input.scopes,
            createdAt,
            expiresAt,
          });
          created = { ...stored, key: generated.key };
        } catch (error) {
          // The only unique constraint on api_keys is the prefix.
          const collided = toSqlError(error)?.code === 'SQL_UNIQUE_VIOLATION';
          if (!collided || attempt >= PREFIX_ATTEMPTS) throw error;
        }
      }
      await audit.record({
        action: 'api_key.created',
        outcome: 'success',
        actorId: actor.id,
        actorIp: actor.ip,
        targetType: 'api_key',
        targetId: created.id,
        details: { prefix: created.prefix, scopes: created.scopes },
      });
      return created;
    },

    list(actor) {
      // The primary: a key created or revoked a moment ago must show as such.
      return listApiKeysOfUser(sql.db, actor.id);
    },

    async revoke(actor, id) {
      const revoked = await revokeApiKeyOfUser(sql.db, actor.id, id, now());
      if (revoked === undefined) {
        // Nothing live to revoke: already revoked (fine), or not the caller's.
        if ((await findApiKeyOfUser(sql.db, actor.id, id)) === undefined) throw notFound(id);
        return;
      }
      await audit.record({
        action: 'api_key.revoked',
        outcome: 'success',
        actorId: actor.id,
        actorIp: actor.ip,
        targetType: 'api_key',
        targetId: revoked.id,
        details: { prefix: revoked.prefix, scopes: revoked.scopes },
      });
    },
  };
}

/** One field error per requested scope the key may not carry. */
function scopeProblems(
  scopes: readonly string[],
  granted: ReadonlySet<string>,
  held: ReadonlySet<string>,
): { scope: string; error: FieldError }[] {
  const problems: { scope: string; error: FieldError }[] = [];
  scopes.forEach((scope, index) => {
    const at = { field: `scopes.${index}`, in: 'body' } as const;
    if (!(API_KEY_SCOPES as readonly string[]).includes(scope)) {
      problems.push({
        scope,
        error: { ...at, code: 'not_allowed', message: 'cannot be given to an API key' },
      });
    } else if (!granted.has(scope) || !held.has(scope)) {
      problems.push({
        scope,
        error: { ...at, code: 'not_granted', message: 'is not granted to you' },
      });
    }
  });
  return problems;
}
