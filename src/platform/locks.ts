// The lock manager the service gets from config: on Redis when REDIS_URL is
// set (on the shared state's command connection, keys under REDIS_KEY_PREFIX +
// `lock:`), else in the database's `locks` table — on PGlite as on
// PostgreSQL. Either way every instance of one deployment sees the same locks.
//
// The Redis connection fails calls fast while Redis is down (adapters/redis/
// client.ts): a lock that cannot be acquired then rejects rather than waits,
// and `withLock` aborts its work once renewals have failed for a whole ttl.

import { createPostgresLockManager } from '../adapters/lock/postgres.ts';
import { createRedisLockManager } from '../adapters/lock/redis.ts';
import type { Database } from '../db/schema.ts';
import type { LockManager } from '../ports/lock.ts';
import type { SqlDatabase } from '../ports/sql.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { SharedState } from './shared-state.ts';

export interface LockManagerDeps {
  readonly sql: SqlDatabase<Database>;
  readonly shared: SharedState;
  /** Closes the manager on shutdown; register it after the database and shared state. */
  readonly lifecycle: Lifecycle;
}

export function createLockManager(deps: LockManagerDeps): LockManager {
  const redis = deps.shared.redis;
  const locks =
    redis === undefined
      ? createPostgresLockManager({ sql: deps.sql })
      : createRedisLockManager({ connection: redis.commands, keyPrefix: redis.keyPrefix });
  deps.lifecycle.add({
    name: `locks (${redis === undefined ? 'database' : 'redis'})`,
    close: () => locks.close(),
  });
  return locks;
}
