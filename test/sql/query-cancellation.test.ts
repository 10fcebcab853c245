// Queries inside an abandoned unit of work (work-aware-dialect.ts), on both
// engines: a query not yet started (waiting for the connection, or asked for
// after the abandonment) never starts; on PostgreSQL a running one is
// cancelled on the server, inside a transaction too, and the pool stays
// usable. Each is counted, and the unit collects the queries' time. Work
// shared with other callers, or meant to outlive the request, is not stopped.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { BackgroundTasks } from '../../src/platform/background.ts';
import { SingleFlight } from '../../src/platform/cache/single-flight.ts';
import {
  CancellationStats,
  runInUnitOfWork,
  UnitOfWork,
  WorkAbortedError,
} from '../../src/platform/unit-of-work.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { openTestDatabase, type TestDatabase } from '../support/database.ts';
import { eventually, within } from '../support/eventually.ts';
import { createFreshDatabase, type FreshDatabase } from '../support/fresh-database.ts';
import { silentLogger } from '../support/start.ts';

interface Unit {
  readonly controller: AbortController;
  readonly unit: UnitOfWork;
  readonly stats: CancellationStats;
  readonly run: <T>(fn: () => Promise<T>) => Promise<T>;
}

function newUnit(): Unit {
  const controller = new AbortController();
  const stats = new CancellationStats();
  const unit = new UnitOfWork(controller, stats);
  return {
    controller,
    unit,
    stats,
    run: (fn) => runInUnitOfWork(unit, fn),
  };
}

function assertAbandoned(error: unknown): true {
  assert.ok(error instanceof WorkAbortedError, `expected WorkAbortedError, got ${String(error)}`);
  assert.equal(error.name, 'AbortError');
  return true;
}

/** Checks out a connection and keeps it until `release()`; `held` resolves once it has it. */
function holdConnection(database: SqlDatabase<Database>): {
  readonly held: Promise<void>;
  release(): Promise<void>;
} {
  const gate = Promise.withResolvers<void>();
  const holding = Promise.withResolvers<void>();
  const done = database.db.connection().execute(async (connection) => {
    await sql`select 1`.execute(connection);
    holding.resolve();
    await gate.promise;
  });
  return {
    held: holding.promise,
    release: () => {
      gate.resolve();
      return done;
    },
  };
}

function sharedLegs(open: () => SqlDatabase<Database>): void {
  test('outside a unit of work a query runs as before; inside one its time is collected', async () => {
    const database = open();
    const rows = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    assert.equal(rows.rows[0]?.one, 1);
    const { unit, run } = newUnit();
    await run(async () => {
      await sql`select 1`.execute(database.db);
      await database.withTransaction((trx) => sql`select 2`.execute(trx));
    });
    // select 1, then begin, select 2, commit.
    assert.equal(unit.dbQueries, 4);
    assert.ok(unit.dbMs > 0);
  });

  test('a query asked for after the unit was abandoned does not start', async () => {
    const database = open();
    const { controller, stats, run, unit } = newUnit();
    await run(async () => {
      await sql`select 1`.execute(database.db);
      controller.abort(new DOMException('client disconnected', 'AbortError'));
      await assert.rejects(sql`select 1`.execute(database.db), assertAbandoned);
      await assert.rejects(
        database.withTransaction((trx) => sql`select 1`.execute(trx)),
        assertAbandoned,
      );
    });
    assert.equal(stats.queriesSkipped, 2);
    assert.equal(stats.queriesCancelled, 0);
    assert.equal(unit.dbQueries, 1);
    // The skipped work left nothing checked out.
    assert.equal((await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows.length, 1);
  });

  test('a load shared through single-flight is not stopped by its first caller leaving', async () => {
    const database = open();
    const flight = new SingleFlight<number | undefined>();
    const gate = Promise.withResolvers<void>();
    const load = async () => {
      await gate.promise;
      return (await sql<{ n: number }>`select 7 as n`.execute(database.db)).rows[0]?.n;
    };
    const first = newUnit();
    const second = newUnit();
    const started = first.run(() => flight.run('key', load));
    const joined = second.run(() => flight.run('key', load));
    first.controller.abort(new DOMException('client disconnected', 'AbortError'));
    gate.resolve();
    assert.equal(await joined, 7);
    assert.equal(await started, 7);
    assert.equal(first.stats.queriesSkipped, 0);
    // Its time still counts for the request that started it.
    assert.equal(first.unit.dbQueries, 1);
  });

  test('background work a request starts is outside its unit of work', async () => {
    const database = open();
    const tasks = new BackgroundTasks(silentLogger());
    const gate = Promise.withResolvers<void>();
    let ran = false;
    const { controller, stats, run } = newUnit();
    await run(() => {
      tasks.run('mail', async () => {
        await gate.promise;
        await sql`select 1`.execute(database.db);
        ran = true;
      });
      return Promise.resolve();
    });
    controller.abort(new DOMException('client disconnected', 'AbortError'));
    gate.resolve();
    await tasks.idle();
    assert.equal(ran, true);
    assert.equal(stats.queriesSkipped, 0);
  });
}

describe('query cancellation on PGlite', () => {
  let database: TestDatabase;
  before(async () => {
    database = await openTestDatabase({ seeded: false });
  });
  after(() => database.close());

  sharedLegs(() => database.sql);

  // PGlite runs a statement on this thread to its end; what it can do is
  // leave the queries behind it alone.
  test('a query waiting for the connection is dropped when the unit is abandoned', async () => {
    const { controller, stats, run } = newUnit();
    const holder = holdConnection(database.sql);
    await holder.held;
    const waiting = run(() => sql`select 1`.execute(database.sql.db));
    controller.abort(new DOMException('client disconnected', 'AbortError'));
    await within('the waiting query to give up', 10_000, assert.rejects(waiting, assertAbandoned));
    await holder.release();
    assert.equal(stats.queriesSkipped, 1);
    assert.equal(
      (await sql<{ one: number }>`select 1 as one`.execute(database.sql.db)).rows[0]?.one,
      1,
    );
  });
});

const serverUrl = process.env.DATABASE_URL;

describe(
  'query cancellation on PostgreSQL',
  { skip: serverUrl ? false : 'DATABASE_URL is not set' },
  () => {
    let fresh: FreshDatabase;
    let database: SqlDatabase<Database>;
    before(async () => {
      fresh = await createFreshDatabase(serverUrl!);
      database = createPostgresDatabase<Database>({
        url: fresh.url,
        poolSize: 2,
        applicationName: 'cancel-test',
      });
      await sql`create table cancel_marks (id int primary key)`.execute(database.db);
    });
    after(async () => {
      await database.close();
      await fresh.drop();
    });

    const sleeping = () =>
      fresh.admin(
        `select pid, state from pg_stat_activity
       where datname = $1 and query like '%pg_sleep(30)%' and pid <> pg_backend_pid()`,
        [fresh.name],
      );

    sharedLegs(() => database);

    test('a running query is cancelled on the server (57014) and counted', async () => {
      const { controller, stats, run } = newUnit();
      const running = run(() => sql`select pg_sleep(30)`.execute(database.db));
      running.catch(() => undefined);
      await eventually('the query runs', async () =>
        (await sleeping()).some((row) => row.state === 'active'),
      );
      controller.abort(new DOMException('client disconnected', 'AbortError'));
      const error = await within(
        'the cancelled query to fail',
        10_000,
        running.then(
          () => undefined,
          (failure: unknown) => failure,
        ),
      );
      assertAbandoned(error);
      assert.equal((error as { cause?: { code?: string } }).cause?.code, '57014');
      // The backend reports itself idle just after its answer went out.
      await eventually('the backend no longer runs the statement', async () =>
        (await sleeping()).every((row) => row.state !== 'active'),
      );
      assert.equal(stats.queriesCancelled, 1);
      // The connection went back to the pool in working order.
      assert.equal(
        (await sql<{ one: number }>`select 1 as one`.execute(database.db)).rows[0]?.one,
        1,
      );
    });

    test('cancelled inside a transaction: rolled back, not reported as a database failure', async () => {
      const { controller, stats, run } = newUnit();
      const running = run(() =>
        database.withTransaction(async (trx) => {
          await sql`insert into cancel_marks values (1)`.execute(trx);
          await sql`select pg_sleep(30)`.execute(trx);
        }),
      );
      running.catch(() => undefined);
      await eventually('the query runs', async () =>
        (await sleeping()).some((row) => row.state === 'active'),
      );
      controller.abort(new DOMException('client disconnected', 'AbortError'));
      await within('the transaction to fail', 10_000, assert.rejects(running, assertAbandoned));
      assert.equal(stats.queriesCancelled, 1);
      const marks = await sql<{ id: number }>`select id from cancel_marks`.execute(database.db);
      assert.deepEqual(marks.rows, []);
    });

    test('a query waiting for a connection from a full pool gives up when abandoned', async () => {
      const first = holdConnection(database);
      const second = holdConnection(database);
      await Promise.all([first.held, second.held]);
      const { controller, stats, run } = newUnit();
      const waiting = run(() => sql`select 1`.execute(database.db));
      controller.abort(new DOMException('client disconnected', 'AbortError'));
      await within(
        'the waiting query to give up',
        10_000,
        assert.rejects(waiting, assertAbandoned),
      );
      await Promise.all([first.release(), second.release()]);
      assert.equal(stats.queriesSkipped, 1);
      // The connection that came late went back: both are usable.
      await Promise.all([sql`select 1`.execute(database.db), sql`select 2`.execute(database.db)]);
    });
  },
);
