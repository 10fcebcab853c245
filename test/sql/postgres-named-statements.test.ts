// Statements with parameters run as named statements on PostgreSQL: planned
// once per connection, kept apart by text, bounded in number, switchable off,
// and robust to a migration that changes a table they read under them.
// Runs when DATABASE_URL is set, in a fresh database; skipped otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
} from 'kysely';
import pg from 'pg';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { StatementNames } from '../../src/adapters/sql/statement-names.ts';
import { PLAN_PER_CALL_MARK, planPerCall } from '../../src/platform/sql/plan-per-call.ts';
import { mapSqlErrors } from '../../src/platform/sql/sql-errors.ts';
import { rejectsWithAppError } from '../../src/ports/sql-contract-helpers.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { createFreshDatabase, type FreshDatabase } from '../support/fresh-database.ts';

const serverUrl = process.env.DATABASE_URL;

/** Compiles without a database, as the PostgreSQL dialect would. */
const compiler = new Kysely<object>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

describe('statement names', () => {
  it('names each distinct text once, never parameterless text, and stops at the limit', () => {
    const names = new StatementNames(2);
    const a = names.nameFor('select $1', 1);
    assert.ok(a !== undefined);
    assert.equal(names.nameFor('select $1', 1), a);
    assert.equal(names.nameFor('begin', 0), undefined);
    const b = names.nameFor('select $1, $2', 2);
    assert.ok(b !== undefined && b !== a);
    assert.equal(names.nameFor('select $1, $2, $3', 3), undefined);
    assert.equal(names.nameFor('select $1', 1), a);
    assert.equal(names.size, 2);
  });

  it('leaves statements marked to be planned per call unnamed', () => {
    const names = new StatementNames();
    const marked = planPerCall(sql`select ${1}`).compile(compiler).sql;
    assert.ok(marked.startsWith(PLAN_PER_CALL_MARK), marked);
    assert.equal(names.nameFor(marked, 1), undefined);
    assert.equal(names.size, 0);
  });
});

interface Tables {
  widgets: { id: number; name: string; colour?: string };
}

/** The statements prepared on the one connection of a pool of size 1, as PostgreSQL lists them. */
async function preparedTexts(database: SqlDatabase<Tables>): Promise<string[]> {
  const { rows } = await sql<{
    statement: string;
  }>`select statement from pg_prepared_statements order by prepare_time`.execute(database.db);
  return rows.map((row) => row.statement);
}

const byId = (db: Kysely<Tables>, id: number) =>
  db.selectFrom('widgets').selectAll().where('id', '=', id).execute();

if (serverUrl === undefined || serverUrl === '') {
  test('named statements on PostgreSQL', { skip: 'DATABASE_URL is not set' }, () => {});
} else {
  describe('named statements on PostgreSQL', () => {
    let creating: Promise<FreshDatabase> | undefined;
    let fresh: FreshDatabase;
    /** A plain connection to the fresh database: the migrations a newer instance would run. */
    let migrator: pg.Client | undefined;
    const migrate = async (text: string) => {
      await migrator?.query(text);
    };
    before(async () => {
      creating = createFreshDatabase(serverUrl);
      fresh = await creating;
      migrator = new pg.Client({ connectionString: fresh.url });
      await migrator.connect();
      await migrate('create table widgets (id int primary key, name text not null)');
      await migrate(`insert into widgets values (1, 'one'), (2, 'two')`);
    });
    after(async () => {
      await migrator?.end();
      await (await creating)?.drop();
    });

    it('prepares a statement with parameters once on a connection and reuses it', async () => {
      const database = createPostgresDatabase<Tables>({ url: fresh.url, poolSize: 1 });
      try {
        for (const id of [1, 2, 1]) assert.equal((await byId(database.db, id)).length, 1);
        const prepared = (await preparedTexts(database)).filter((text) =>
          text.includes('"widgets"'),
        );
        assert.equal(prepared.length, 1, `prepared: ${prepared.join(' | ')}`);
      } finally {
        await database.close();
      }
    });

    it('prepares nothing when switched off', async () => {
      const database = createPostgresDatabase<Tables>({
        url: fresh.url,
        poolSize: 1,
        namedStatements: false,
      });
      try {
        await byId(database.db, 1);
        assert.deepEqual(await preparedTexts(database), []);
      } finally {
        await database.close();
      }
    });

    it('outside a transaction, re-prepares a statement whose table changed under it', async () => {
      const database = createPostgresDatabase<Tables>({ url: fresh.url, poolSize: 1 });
      try {
        assert.deepEqual(await byId(database.db, 1), [{ id: 1, name: 'one' }]);
        await migrate('alter table widgets add column colour text');
        try {
          assert.deepEqual(await byId(database.db, 1), [{ id: 1, name: 'one', colour: null }]);
        } finally {
          await migrate('alter table widgets drop column colour');
        }
      } finally {
        await database.close();
      }
    });

    it('inside a transaction, asks for a retry and retires the connection', async () => {
      const database = createPostgresDatabase<Tables>({
        url: fresh.url,
        poolSize: 1,
        applicationName: 'tl_stale_plan',
      });
      try {
        await byId(database.db, 2);
        const { rows: before } = await sql<{
          pid: number;
        }>`select pg_backend_pid() as pid`.execute(database.db);
        await migrate('alter table widgets add column colour text');
        try {
          const error = await rejectsWithAppError(
            mapSqlErrors(() => database.db.transaction().execute((trx) => byId(trx, 2))),
            'SQL_UNAVAILABLE',
          );
          assert.equal(error.headers?.['retry-after'], '1');
          // The next caller gets a new connection, and the statement works there.
          assert.deepEqual(await byId(database.db, 2), [{ id: 2, name: 'two', colour: null }]);
          const { rows: now } = await sql<{
            pid: number;
          }>`select pg_backend_pid() as pid`.execute(database.db);
          assert.notEqual(now[0]?.pid, before[0]?.pid);
        } finally {
          await migrate('alter table widgets drop column colour');
        }
      } finally {
        await database.close();
      }
    });
  });
}
