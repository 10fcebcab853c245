// Distributed locks on PostgreSQL, through the sql port (PGlite and a real
// server alike): the `locks` table of migrations/0013_locks.sql, one row per
// lock name.
//
// Acquiring is one statement: insert the row, or take over an existing one
// only if its lease has run out (`on conflict … do update … where`); the row
// comes back only when this call got the lock. A single statement needs no
// explicit transaction, and two racing acquirers are serialised by the row
// lock the upsert takes: the loser re-checks the condition against the
// winner's fresh `expires_at` and gets nothing back.
//
// Extending and releasing name the token, so a holder whose lease ran out
// and was taken over changes nothing. Every time is the database's `now()`,
// never an instance's clock.

import { randomUUID } from 'node:crypto';
import { sql as raw } from 'kysely';
import {
  checkLockName,
  checkTtl,
  type AcquireOptions,
  type Lease,
  type LockManager,
} from '../../ports/lock.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

/** Leases of distributed locks (migrations/0013_locks.sql). */
export interface LocksTable {
  name: string;
  token: string;
  expires_at: Date;
}

export type LockTables = {
  locks: LocksTable;
};

export interface PostgresLockManagerOptions {
  readonly sql: SqlDatabase<LockTables>;
}

/** `now() + ttl`, computed by the database. */
const expiresIn = (ttlMs: number) => raw<Date>`now() + ${ttlMs}::float8 * interval '1 millisecond'`;

export function createPostgresLockManager(options: PostgresLockManagerOptions): LockManager {
  const { db } = options.sql;
  let closed = false;
  const open = () => {
    if (closed) throw new Error('the lock manager is closed');
  };

  const leaseOf = (name: string, token: string): Lease => ({
    name,
    token,
    async extend(ttlMs) {
      open();
      const result = await db
        .updateTable('locks')
        .set({ expires_at: expiresIn(checkTtl(ttlMs)) })
        .where('name', '=', name)
        .where('token', '=', token)
        .where('expires_at', '>', raw<Date>`now()`)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async release() {
      open();
      await db.deleteFrom('locks').where('name', '=', name).where('token', '=', token).execute();
    },
  });

  return {
    async acquire(name: string, { ttlMs }: AcquireOptions) {
      open();
      checkLockName(name);
      const token = randomUUID();
      const row = await db
        .insertInto('locks')
        .values({ name, token, expires_at: expiresIn(checkTtl(ttlMs)) })
        .onConflict((conflict) =>
          conflict
            .column('name')
            .doUpdateSet({
              token: (eb) => eb.ref('excluded.token'),
              expires_at: (eb) => eb.ref('excluded.expires_at'),
            })
            .where('locks.expires_at', '<=', raw<Date>`now()`),
        )
        .returning('token')
        .executeTakeFirst();
      return row?.token === token ? leaseOf(name, token) : undefined;
    },

    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
