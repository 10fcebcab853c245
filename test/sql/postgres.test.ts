// The server engine against the SqlDatabase contract. Runs when DATABASE_URL
// names a PostgreSQL server, in a fresh database dropped at the end; skipped
// otherwise.
import { test } from 'node:test';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { runSqlContract } from '../../src/ports/sql.contract.ts';
import { freshDatabaseForSuite } from '../support/fresh-database.ts';

const serverUrl = process.env.DATABASE_URL;

if (serverUrl === undefined || serverUrl === '') {
  test('PostgreSQL contract', { skip: 'DATABASE_URL is not set' }, () => {});
} else {
  const fresh = freshDatabaseForSuite(serverUrl);
  const url = () => fresh.url;
  runSqlContract('postgres', () => Promise.resolve(createPostgresDatabase({ url: url() })), {
    openPeer: () => Promise.resolve(createPostgresDatabase({ url: url(), poolSize: 2 })),
  });
}
