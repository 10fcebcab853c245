// The embedded engine against the SqlDatabase contract: one in-memory PGlite
// instance for the whole file (booting one takes seconds).
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { runSqlContract } from '../../src/ports/sql.contract.ts';

runSqlContract('pglite', () => createPgliteDatabase());
