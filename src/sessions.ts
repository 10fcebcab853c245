// Where browser sessions live, from config: in the database, or beside the
// other shared state in Redis when REDIS_URL is set (every cookie request
// reads its session: on Redis that is no database round trip). With Redis
// down, cookie requests then fail with 503 REDIS_UNAVAILABLE
// (docs/operations.md). Used by the web process and, to finish sign-outs,
// by the workers.

import type { Database } from './db/schema.ts';
import { createKvSessionStore } from './modules/auth/kv-session-store.ts';
import { createSqlSessionStore } from './modules/auth/session-repo.ts';
import type { SessionStore } from './modules/auth/session-store.ts';
import { findUserById } from './modules/users/repo.ts';
import type { Config } from './platform/config.ts';
import type { SharedState } from './platform/shared-state.ts';
import type { SqlDatabase } from './ports/sql.ts';

export function createSessionStore(
  config: Config,
  deps: { readonly sql: SqlDatabase<Database>; readonly shared: SharedState },
): SessionStore {
  const idleSeconds = config.auth.sessionIdleSeconds;
  if (config.redis.url === undefined) return createSqlSessionStore(deps.sql, { idleSeconds });
  return createKvSessionStore({
    kv: deps.shared.kv,
    idleSeconds,
    // The primary, not a replica: a role change must be seen right after it commits.
    roleOf: async (userId) => (await findUserById(deps.sql.db, userId))?.role,
  });
}
