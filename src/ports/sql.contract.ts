// The SqlDatabase contract: one suite every adapter must pass, so the
// embedded engine and the server engine cannot drift apart. An adapter's test
// file is a call: `runSqlContract('pglite', () => createPgliteDatabase())`.
// The cases live in the sibling sql-*.case.ts files.
import { describe } from 'node:test';
import type { AnyDatabase, SqlContractOptions } from './sql-contract-helpers.ts';
import { contractContext } from './sql-contract-helpers.ts';
import { runErrorCases } from './sql-errors.case.ts';
import { runMigrationCases } from './sql-migrations.case.ts';
import { runQueryCases } from './sql-queries.case.ts';
import { runTransactionCases } from './sql-transactions.case.ts';

export type { AnyDatabase, SqlContractOptions } from './sql-contract-helpers.ts';

export function runSqlContract(
  name: string,
  open: () => Promise<AnyDatabase>,
  options: SqlContractOptions = {},
): void {
  void describe(`SqlDatabase contract: ${name}`, () => {
    const context = contractContext(open, options);
    runQueryCases(context);
    runTransactionCases(context);
    runErrorCases(context);
    runMigrationCases(context);
  });
}
