// The PostgreSQL lock manager against the LockManager contract, on PGlite and
// (with DATABASE_URL) on a real server, where the peer is a second pool: two
// instances racing through separate connections.

import { test } from 'node:test';
import { sql as raw } from 'kysely';
import { createPostgresLockManager } from '../../src/adapters/lock/postgres.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { runLockContract } from '../../src/ports/lock.contract.ts';
import { ENGINES } from '../support/engines.ts';

for (const engine of ENGINES) {
  if (engine.skip !== false) {
    test(`LockManager contract: postgres on ${engine.name}`, { skip: engine.skip }, () => {});
    continue;
  }
  runLockContract(`postgres on ${engine.name}`, async () => {
    const database = await engine.open();
    const peerSql =
      database.fresh === undefined
        ? undefined
        : createPostgresDatabase<Database>({ url: database.fresh.url, poolSize: 5 });
    return {
      locks: createPostgresLockManager({ sql: database.sql }),
      peer: createPostgresLockManager({ sql: peerSql ?? database.sql }),
      async expire(name) {
        await database.sql.db
          .updateTable('locks')
          .set({ expires_at: raw<Date>`now() - interval '1 second'` })
          .where('name', '=', name)
          .execute();
      },
      async close() {
        await peerSql?.close();
        await database.close();
      },
    };
  });
}
