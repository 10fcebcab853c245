// For tests only: what someone with the table owner's rights can do to the
// audit log behind the application's back. The trigger does not stop them;
// verification must notice.

import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { AuditTables } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

/** Runs `tamper` with the append-only triggers disabled (for this transaction only). */
export function asTableOwner<T>(
  database: SqlDatabase<AuditTables>,
  tamper: (trx: Transaction<AuditTables>) => Promise<T>,
): Promise<T> {
  return database.withTransaction(async (trx) => {
    await sql`alter table audit_log disable trigger user`.execute(trx);
    const result = await tamper(trx);
    await sql`alter table audit_log enable trigger user`.execute(trx);
    return result;
  });
}

/** Empties the log and restarts its ids at 1, so each test starts from genesis. */
export async function resetAuditLog(database: SqlDatabase<AuditTables>): Promise<void> {
  await asTableOwner(database, (trx) => sql`truncate audit_log restart identity`.execute(trx));
}
