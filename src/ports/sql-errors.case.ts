// Contract cases: constraint violations and timeouts come out as the same
// AppErrors on every engine.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { mapSqlErrors } from '../platform/sql/sql-errors.ts';
import type { SqlContractContext } from './sql-contract-helpers.ts';
import { rejectsWithAppError } from './sql-contract-helpers.ts';

export function runErrorCases(context: SqlContractContext): void {
  const parents = () => context.table('err_parents');
  const children = () => context.table('err_children');
  const db = () => context.database.db;

  void describe('errors', () => {
    before(async () => {
      await sql`create table ${parents()} (id int primary key)`.execute(db());
      await sql`create table ${children()} (
        id int primary key,
        parent_id int not null constraint err_children_parent_fk
          references ${parents()} (id) on delete restrict,
        email text not null constraint err_children_email_key unique,
        quantity int not null constraint err_children_quantity_positive check (quantity > 0)
      )`.execute(db());
      await sql`insert into ${parents()} values (1), (2)`.execute(db());
      await sql`insert into ${children()} values (1, 1, 'taken@example.com', 1)`.execute(db());
    });

    void it('maps a unique violation to SQL_UNIQUE_VIOLATION without leaking the value', async () => {
      const error = await rejectsWithAppError(
        mapSqlErrors(() =>
          sql`insert into ${children()} values (2, 1, 'taken@example.com', 1)`.execute(db()),
        ),
        'SQL_UNIQUE_VIOLATION',
      );
      assert.equal(error.status, 409);
      assert.equal(error.extensions?.constraint, 'err_children_email_key');
      assert.ok(!JSON.stringify([error.detail, error.extensions]).includes('taken@'));
      assert.equal(
        (error.cause as { code?: string }).code,
        '23505',
        'the driver error is the cause',
      );
    });

    void it('maps foreign key violations both ways to SQL_FOREIGN_KEY_VIOLATION', async () => {
      const missingParent = await rejectsWithAppError(
        mapSqlErrors(() =>
          sql`insert into ${children()} values (3, 99, 'x@example.com', 1)`.execute(db()),
        ),
        'SQL_FOREIGN_KEY_VIOLATION',
      );
      assert.equal(missingParent.status, 409);
      assert.equal(missingParent.extensions?.constraint, 'err_children_parent_fk');
      const stillReferenced = await rejectsWithAppError(
        mapSqlErrors(() => sql`delete from ${parents()} where id = 1`.execute(db())),
        'SQL_FOREIGN_KEY_VIOLATION',
      );
      assert.equal(stillReferenced.extensions?.constraint, 'err_children_parent_fk');
    });

    void it('maps check and not-null violations to 422 codes', async () => {
      const check = await rejectsWithAppError(
        mapSqlErrors(() =>
          sql`insert into ${children()} values (4, 1, 'c@example.com', 0)`.execute(db()),
        ),
        'SQL_CHECK_VIOLATION',
      );
      assert.equal(check.status, 422);
      assert.equal(check.extensions?.constraint, 'err_children_quantity_positive');
      const notNull = await rejectsWithAppError(
        mapSqlErrors(() => sql`insert into ${children()} values (5, 1, null, 1)`.execute(db())),
        'SQL_NOT_NULL_VIOLATION',
      );
      assert.equal(notNull.status, 422);
      assert.equal(notNull.extensions?.column, 'email');
    });

    void it('maps errors thrown inside withTransaction, and rolls the work back', async () => {
      await rejectsWithAppError(
        context.database.withTransaction(async (trx) => {
          await sql`insert into ${parents()} values (3)`.execute(trx);
          await sql`insert into ${children()} values (6, 3, 'taken@example.com', 1)`.execute(trx);
        }),
        'SQL_UNIQUE_VIOLATION',
      );
      const { rows } = await sql`select id from ${parents()} where id = 3`.execute(db());
      assert.deepEqual(rows, []);
    });

    void it('maps data exceptions (class 22) to SQL_INVALID_VALUE without echoing the value', async () => {
      const failures = [
        sql`select ${'9223372036854775808'}::int8`, // 22003, a bound parameter
        sql`select 9223372036854775808::int8`, // 22003, a literal
        sql`select ${'a\u0000b'}::text`, // 22021, NUL in text
        sql`select timestamptz 'epoch' + ${'-9223372036854775808'}::int8 * interval '1 microsecond'`,
        sql`select ${'x'}::int4`, // 22P02
      ];
      for (const failure of failures) {
        const error = await rejectsWithAppError(
          mapSqlErrors(() => failure.execute(db())),
          'SQL_INVALID_VALUE',
        );
        assert.equal(error.status, 422);
        assert.match((error.cause as { code?: string }).code ?? '', /^22/);
        assert.ok(!JSON.stringify([error.detail, error.extensions]).includes('922337'));
      }
      // Inside a transaction too (withTransaction maps what it rethrows).
      await rejectsWithAppError(
        context.database.withTransaction((trx) => sql`select ${'0'}::int8 / 0`.execute(trx)),
        'SQL_INVALID_VALUE',
      );
    });

    void it('maps an exceeded statement_timeout to SQL_STATEMENT_TIMEOUT', async (t) => {
      if (context.database.engine === 'pglite') {
        t.skip('PGlite runs statements synchronously and cannot interrupt them');
        return;
      }
      const error = await rejectsWithAppError(
        context.database.withTransaction(async (trx) => {
          await sql`set local statement_timeout = '50ms'`.execute(trx);
          await sql`select pg_sleep(30)`.execute(trx);
        }),
        'SQL_STATEMENT_TIMEOUT',
      );
      assert.equal(error.status, 503);
    });
  });
}
