// The server engine against the SqlDatabase contract. Runs when DATABASE_URL
// names a PostgreSQL server, in a fresh database dropped at the end; skipped
// otherwise.
import { after, before, test } from 'node:test';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { runSqlContract } from '../../src/ports/sql.contract.ts';
import { createFreshDatabase, type FreshDatabase } from '../support/fresh-database.ts';

const serverUrl = process.env.DATABASE_URL;

if (serverUrl === undefined || serverUrl === '') {
  test('PostgreSQL contract', { skip: 'DATABASE_URL is not set' }, () => {});
} else {
  // `after` awaits the creation itself: node:test may start it before
  // `before` has finished when a name filter leaves no test to run.
  let creating: Promise<FreshDatabase> | undefined;
  let fresh: FreshDatabase | undefined;
  const url = () => {
    if (fresh === undefined) throw new Error('the database is created in before()');
    return fresh.url;
  };
  before(async () => {
    creating = createFreshDatabase(serverUrl);
    fresh = await creating;
  });
  after(async () => {
    await (await creating)?.drop();
  });
  runSqlContract('postgres', () => Promise.resolve(createPostgresDatabase({ url: url() })), {
    openPeer: () => Promise.resolve(createPostgresDatabase({ url: url(), poolSize: 2 })),
  });
}
