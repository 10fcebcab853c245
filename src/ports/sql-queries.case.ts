// Contract cases: queries, result types, ping and the reader handle.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Generated, Kysely } from 'kysely';
import type { SqlContractContext } from './sql-contract-helpers.ts';

interface NotesTable {
  id: Generated<string>;
  title: string;
  body: string | null;
}

export function runQueryCases(context: SqlContractContext): void {
  void describe('queries', () => {
    before(async () => {
      await sql`create table ${context.table('notes')} (
        id bigint generated always as identity primary key,
        title text not null,
        body text
      )`.execute(context.database.db);
    });

    void it('round-trips rows through the query builder', async () => {
      const db = context.database.db.withSchema(context.schema) as unknown as Kysely<{
        notes: NotesTable;
      }>;
      const inserted = await db
        .insertInto('notes')
        .values([{ title: 'first' }, { title: 'second', body: 'text' }])
        .returning(['id', 'title'])
        .execute();
      assert.equal(inserted.length, 2);
      assert.equal(typeof inserted[0]!.id, 'string', 'bigint ids come back as strings');
      const rows = await db
        .selectFrom('notes')
        .select(['title', 'body'])
        .where(
          'id',
          'in',
          inserted.map((row) => row.id),
        )
        .orderBy('id')
        .execute();
      assert.deepEqual(rows, [
        { title: 'first', body: null },
        { title: 'second', body: 'text' },
      ]);
      const updated = await db
        .updateTable('notes')
        .set({ body: 'x' })
        .where('title', '=', 'first')
        .executeTakeFirst();
      assert.equal(updated.numUpdatedRows, 1n);
    });

    void it('maps column types the same way on every engine', async () => {
      const { rows } = await sql<Record<string, unknown>>`select
        2::int2 as small, 2147483647::int4 as int, 9007199254740993::int8 as big,
        12345678901234567890.125::numeric as exact, 1.5::float8 as float,
        true as yes, '2024-02-29T23:30:00.123Z'::timestamptz as at,
        '2024-02-29'::date as day, '2024-02-29 23:30:00'::timestamp as local,
        '{"a":[1,"x"],"b":null}'::jsonb as doc, '[1,2]'::json as list,
        '\\x00ff'::bytea as bytes, 'a1b2c3d4-0000-4000-8000-000000000000'::uuid as id,
        array[1, 9007199254740993]::int8[] as bigs, array[1.5, null]::numeric[] as exacts,
        array[1, 2]::int4[] as ints, array['a', 'b,c']::text[] as texts,
        array['2024-01-01T00:00:00Z'::timestamptz] as stamps, '1 day 02:00:00'::interval as span,
        null::int8 as nothing`.execute(context.database.db);
      const row = rows[0]!;
      assert.deepEqual(
        { small: row.small, int: row.int, big: row.big, exact: row.exact, float: row.float },
        {
          small: 2,
          int: 2147483647,
          big: '9007199254740993',
          exact: '12345678901234567890.125',
          float: 1.5,
        },
      );
      assert.equal(row.yes, true);
      assert.ok(row.at instanceof Date);
      assert.equal(row.at.toISOString(), '2024-02-29T23:30:00.123Z');
      assert.equal(row.day, '2024-02-29');
      assert.equal(row.local, '2024-02-29 23:30:00');
      assert.deepEqual(row.doc, { a: [1, 'x'], b: null });
      assert.deepEqual(row.list, [1, 2]);
      assert.ok(row.bytes instanceof Uint8Array);
      assert.deepEqual([...row.bytes], [0, 255]);
      assert.equal(row.id, 'a1b2c3d4-0000-4000-8000-000000000000');
      assert.deepEqual(row.bigs, ['1', '9007199254740993']);
      assert.deepEqual(row.exacts, ['1.5', null]);
      assert.deepEqual(row.ints, [1, 2]);
      assert.deepEqual(row.texts, ['a', 'b,c']);
      assert.ok(Array.isArray(row.stamps) && row.stamps[0] instanceof Date);
      assert.equal(row.stamps[0].toISOString(), '2024-01-01T00:00:00.000Z');
      assert.equal(row.span, '1 day 02:00:00');
      assert.equal(row.nothing, null);
    });

    void it('passes parameters of every mapped type back unchanged', async () => {
      const at = new Date('2030-01-02T03:04:05.678Z');
      const { rows } = await sql<Record<string, unknown>>`select
        ${'9007199254740993'}::int8 as big, ${'0.1'}::numeric as exact, ${at}::timestamptz as at,
        ${JSON.stringify({ k: 'v' })}::jsonb as doc, ${'2030-01-02'}::date as day`.execute(
        context.database.db,
      );
      assert.deepEqual(rows[0], {
        big: '9007199254740993',
        exact: '0.1',
        at,
        doc: { k: 'v' },
        day: '2030-01-02',
      });
    });

    void it('runs parameterless multi-statement text as a script', async () => {
      await sql
        .raw(
          `create table ${context.schema}.script_a (n int); insert into ${context.schema}.script_a values (1), (2);`,
        )
        .execute(context.database.db);
      const { rows } = await sql<{ total: number }>`
        select sum(n)::int4 as total from ${context.table('script_a')}`.execute(
        context.database.db,
      );
      assert.equal(rows[0]!.total, 3);
    });

    void it('has pg_trgm available', async () => {
      await sql`create extension if not exists pg_trgm`.execute(context.database.db);
      const { rows } = await sql<{ similar: boolean }>`
        select similarity('throughline', 'throughlne') > 0.5 as similar`.execute(
        context.database.db,
      );
      assert.equal(rows[0]!.similar, true);
    });

    void it('answers ping, and rejects it once the signal is aborted', async () => {
      await context.database.ping();
      await context.database.ping(AbortSignal.timeout(30_000));
      await assert.rejects(context.database.ping(AbortSignal.abort()), { name: 'AbortError' });
    });

    void it('serves reads from the reader handle', async () => {
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(context.database.reader);
      assert.deepEqual(rows, [{ one: 1 }]);
    });
  });
}
