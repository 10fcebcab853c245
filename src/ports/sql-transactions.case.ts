// Contract cases: commit, rollback, settings, savepoints, concurrency, retries.
import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import { withSavepoint } from '../platform/sql/transaction.ts';
import type { SqlContractContext } from './sql-contract-helpers.ts';
import { barrier, driverError, rejectsWithAppError } from './sql-contract-helpers.ts';

export function runTransactionCases(context: SqlContractContext): void {
  const items = () => context.table('tx_items');
  const counters = () => context.table('tx_counters');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const names = async (trx?: Transaction<any>) => {
    const { rows } = await sql<{ name: string }>`
      select name from ${items()} order by name`.execute(trx ?? context.database.db);
    return rows.map((row) => row.name);
  };

  void describe('transactions', () => {
    before(async () => {
      await sql`create table ${items()} (name text primary key)`.execute(context.database.db);
      await sql`create table ${counters()} (id int primary key, value int not null)`.execute(
        context.database.db,
      );
    });
    beforeEach(async () => {
      await sql`truncate ${items()}`.execute(context.database.db);
    });

    void it('commits when the callback resolves, and returns its value', async () => {
      const result = await context.database.withTransaction(async (trx) => {
        await sql`insert into ${items()} values ('a')`.execute(trx);
        return 42;
      });
      assert.equal(result, 42);
      assert.deepEqual(await names(), ['a']);
    });

    void it('rolls back when the callback throws, and rethrows the same error', async () => {
      const failure = new Error('callback failed');
      await assert.rejects(
        context.database.withTransaction(async (trx) => {
          await sql`insert into ${items()} values ('b')`.execute(trx);
          throw failure;
        }),
        (error) => error === failure,
      );
      assert.deepEqual(await names(), []);
    });

    void it('does not commit a transaction whose callback swallowed a failed statement', async () => {
      await assert.rejects(
        context.database.withTransaction(async (trx) => {
          await sql`insert into ${items()} values ('before-failure')`.execute(trx);
          await sql`select no_such_column from ${items()}`.execute(trx).catch(() => undefined);
        }),
        { name: 'AbortedTransactionError' },
      );
      assert.deepEqual(await names(), []);
    });

    void it('applies the isolation level and read-only mode', async () => {
      const settings = await context.database.withTransaction(
        async (trx) => {
          const { rows } = await sql<{ isolation: string; readOnly: string }>`
            select current_setting('transaction_isolation') as isolation,
                   current_setting('transaction_read_only') as "readOnly"`.execute(trx);
          return rows[0];
        },
        { isolation: 'serializable', readOnly: true },
      );
      assert.deepEqual(settings, { isolation: 'serializable', readOnly: 'on' });
      await assert.rejects(
        context.database.withTransaction(
          async (trx) => sql`insert into ${items()} values ('c')`.execute(trx),
          { readOnly: true },
        ),
        { code: '25006' },
      );
    });

    void it('rolls back a failed savepoint and keeps the outer work', async () => {
      await context.database.withTransaction(async (trx) => {
        await sql`insert into ${items()} values ('outer-1')`.execute(trx);
        await assert.rejects(
          withSavepoint(trx, async (inner) => {
            await sql`insert into ${items()} values ('inner')`.execute(inner);
            throw new Error('inner failed');
          }),
          /inner failed/,
        );
        // A failed statement aborts the transaction unless rolled back to a savepoint.
        await assert.rejects(
          withSavepoint(trx, async (inner) => {
            await sql`insert into ${items()} values ('outer-1')`.execute(inner);
          }),
          { code: '23505' },
        );
        await withSavepoint(trx, async (inner) => {
          await sql`insert into ${items()} values ('kept')`.execute(inner);
          await assert.rejects(
            withSavepoint(inner, async (innermost) => {
              await sql`insert into ${items()} values ('dropped')`.execute(innermost);
              throw new Error('innermost failed');
            }),
          );
        });
        await sql`insert into ${items()} values ('outer-2')`.execute(trx);
      });
      assert.deepEqual(await names(), ['kept', 'outer-1', 'outer-2']);
    });

    void it('refuses queries on the database handle, and nested transactions, inside a transaction', async () => {
      await context.database.withTransaction(async (trx) => {
        await assert.rejects(
          sql`select 1`.execute(context.database.db),
          /use the transaction handle/,
        );
        await assert.rejects(
          context.database.withTransaction(() => Promise.resolve()),
          /withTransaction inside withTransaction/,
        );
        await sql`select 1`.execute(trx);
      });
      await sql`select 1`.execute(context.database.db);
    });

    void it('runs 50 concurrent transactions without lost updates, with plain queries in between', async () => {
      await sql`insert into ${counters()} values (1, 0)
        on conflict (id) do update set value = 0`.execute(context.database.db);
      const increments = Array.from({ length: 50 }, () =>
        context.database.withTransaction(async (trx) => {
          const { rows } = await sql<{ value: number }>`
            select value from ${counters()} where id = 1 for update`.execute(trx);
          // Give other callers every chance to interleave on the connection.
          await new Promise((resolve) => setImmediate(resolve));
          await sql`update ${counters()} set value = ${rows[0]!.value + 1} where id = 1`.execute(
            trx,
          );
        }),
      );
      const plain = Array.from({ length: 50 }, () => sql`select 1`.execute(context.database.db));
      await Promise.all([...increments, ...plain]);
      const { rows } = await sql<{ value: number }>`
        select value from ${counters()} where id = 1`.execute(context.database.db);
      assert.equal(rows[0]!.value, 50);
    });

    void it('keeps a query issued elsewhere while a transaction is open out of that transaction', async () => {
      const inside = Promise.withResolvers<void>();
      const gate = Promise.withResolvers<void>();
      const rolledBack = context.database.withTransaction(async (trx) => {
        await sql`insert into ${items()} values ('in-transaction')`.execute(trx);
        inside.resolve();
        await gate.promise;
        throw new Error('roll back');
      });
      await inside.promise;
      const elsewhere = sql`insert into ${items()} values ('elsewhere')`.execute(
        context.database.db,
      );
      // Let the other query get as far as it can before the transaction ends.
      await new Promise((resolve) => setImmediate(resolve));
      gate.resolve();
      await assert.rejects(rolledBack, /roll back/);
      await elsewhere;
      assert.deepEqual(await names(), ['elsewhere']);
    });

    void it('re-runs the whole callback after a serialization failure (simulated 40001)', async () => {
      let attempts = 0;
      await context.database.withTransaction(async (trx) => {
        attempts += 1;
        await sql`insert into ${items()} values (${`attempt-${attempts}`})`.execute(trx);
        if (attempts < 3) throw driverError(attempts === 1 ? '40001' : '40P01');
      });
      assert.equal(attempts, 3);
      assert.deepEqual(await names(), ['attempt-3'], 'failed attempts were rolled back');
    });

    void it('re-runs a transaction that lost a real serialization conflict', async (t) => {
      if (context.database.engine === 'pglite') {
        t.skip('single connection: transactions never overlap');
        return;
      }
      await sql`insert into ${counters()} values (2, 0)
        on conflict (id) do update set value = 0`.execute(context.database.db);
      const bothRead = barrier(2);
      let attempts = 0;
      const increment = (database: typeof context.database) =>
        database.withTransaction(
          async (trx) => {
            attempts += 1;
            const firstAttempt = attempts <= 2;
            const { rows } = await sql<{ value: number }>`
              select value from ${counters()} where id = 2`.execute(trx);
            if (firstAttempt) await bothRead();
            await sql`update ${counters()} set value = ${rows[0]!.value + 1} where id = 2`.execute(
              trx,
            );
          },
          { isolation: 'serializable' },
        );
      await Promise.all([increment(context.database), increment(context.peer)]);
      const { rows } = await sql<{ value: number }>`
        select value from ${counters()} where id = 2`.execute(context.database.db);
      assert.equal(rows[0]!.value, 2, 'neither increment was lost');
      assert.equal(attempts, 3, 'exactly one transaction was re-run');
    });

    void it('gives up after maxRetries + 1 attempts with SQL_SERIALIZATION_FAILURE', async () => {
      let attempts = 0;
      const error = await rejectsWithAppError(
        context.database.withTransaction(
          () => {
            attempts += 1;
            return Promise.reject(driverError('40001'));
          },
          { maxRetries: 2 },
        ),
        'SQL_SERIALIZATION_FAILURE',
      );
      assert.equal(attempts, 3);
      assert.equal(error.status, 409);
      attempts = 0;
      await rejectsWithAppError(
        context.database.withTransaction(() => {
          attempts += 1;
          return Promise.reject(driverError('40P01'));
        }),
        'SQL_SERIALIZATION_FAILURE',
      );
      assert.equal(attempts, 4, 'default: 3 retries');
    });

    void it('never retries other errors', async () => {
      let attempts = 0;
      const plain = new Error('not retryable');
      await assert.rejects(
        context.database.withTransaction(() => {
          attempts += 1;
          return Promise.reject(plain);
        }),
        (error) => error === plain,
      );
      await rejectsWithAppError(
        context.database.withTransaction(() => {
          attempts += 1;
          return Promise.reject(driverError('23505'));
        }),
        'SQL_UNIQUE_VIOLATION',
      );
      assert.equal(attempts, 2);
    });
  });
}
