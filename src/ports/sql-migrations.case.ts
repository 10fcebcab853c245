// Contract cases: migrations run exactly once under concurrency, applied
// files are immutable, failures roll back, and status reports all of it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrate, MigrationChecksumError, migrationStatus } from '../platform/sql/migrator.ts';
import type { SqlContractContext } from './sql-contract-helpers.ts';

export function runMigrationCases(context: SqlContractContext): void {
  void describe('migrations', () => {
    const root = { dir: '' };
    let sequence = 0;
    /** A fresh migrations directory and bookkeeping table for one test. */
    const fresh = async (files: Record<string, string>) => {
      sequence += 1;
      const dir = join(root.dir, `set-${sequence}`);
      await mkdir(dir);
      for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
      return { dir, table: `${context.schema}.migrations_${sequence}` };
    };
    const s = context.schema;
    const count = async (table: string) => {
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::int4 as n from ${sql.table(table)}`.execute(context.database.db);
      return rows[0]!.n;
    };

    before(async () => {
      root.dir = await mkdtemp(join(tmpdir(), 'sql-contract-'));
    });
    after(async () => {
      await rm(root.dir, { recursive: true, force: true });
    });

    void it('applies each migration exactly once when two migrators start together', async () => {
      const { dir, table } = await fresh({
        '0001_effects.sql': `create table ${s}.effects (n int not null);\ninsert into ${s}.effects values (1);`,
        '0002_function.sql': `create function ${s}.answer() returns int language plpgsql as $$
          begin return 42; end; $$;
          insert into ${s}.effects values (2);`,
        '0010_after_gap.sql': `insert into ${s}.effects values (10);`,
      });
      const results = await Promise.all([
        migrate(context.database, { dir, table }),
        migrate(context.peer, { dir, table }),
      ]);
      const appliedVersions = results.flatMap((result) => result.applied.map((m) => m.version));
      assert.deepEqual(
        appliedVersions.sort((a, b) => a - b),
        [1, 2, 10],
      );
      const { rows } = await sql<{
        n: number;
      }>`select n from ${sql.table(`${s}.effects`)} order by n`.execute(context.database.db);
      assert.deepEqual(
        rows.map((row) => row.n),
        [1, 2, 10],
      );
      assert.equal(await count(table), 3);
      const again = await migrate(context.database, { dir, table });
      assert.deepEqual(again.applied, []);
      const answer = await sql<{ a: number }>`select ${sql.raw(`${s}.answer()`)} as a`.execute(
        context.database.db,
      );
      assert.equal(answer.rows[0]!.a, 42);
    });

    void it('refuses to run when an applied migration changed, naming the file and checksums', async () => {
      const { dir, table } = await fresh({
        '0001_one.sql': `create table ${s}.changed_one (n int);`,
      });
      await migrate(context.database, { dir, table });
      await writeFile(join(dir, '0001_one.sql'), `create table ${s}.changed_one (n bigint);`);
      await writeFile(join(dir, '0002_two.sql'), `create table ${s}.changed_two (n int);`);
      await assert.rejects(migrate(context.database, { dir, table }), (error) => {
        assert.ok(error instanceof MigrationChecksumError);
        assert.match(error.message, /0001_one\.sql/);
        assert.match(error.message, /recorded sha256 [0-9a-f]{64}, file sha256 [0-9a-f]{64}/);
        return true;
      });
      const states = await migrationStatus(context.database, dir, table);
      assert.deepEqual(
        states.map((row) => [row.version, row.state]),
        [
          [1, 'changed'],
          [2, 'pending'],
        ],
        'nothing was applied after the refusal',
      );
    });

    void it('rolls a failed migration back and releases the lock', async () => {
      const { dir, table } = await fresh({
        '0001_good.sql': `create table ${s}.rollback_good (n int);`,
        '0002_bad.sql': `create table ${s}.rollback_bad (n int);\nselect no_such_function();`,
      });
      await assert.rejects(migrate(context.database, { dir, table }), /0002_bad\.sql failed/);
      const exists = await sql<{ bad: string | null }>`
        select to_regclass(${`${s}.rollback_bad`}) as bad`.execute(context.database.db);
      assert.equal(exists.rows[0]!.bad, null, 'the failed file left nothing behind');
      await writeFile(join(dir, '0002_bad.sql'), `create table ${s}.rollback_bad (n int);`);
      const retried = await migrate(context.peer, { dir, table });
      assert.deepEqual(
        retried.applied.map((m) => m.version),
        [2],
      );
    });

    void it('reports pending, applied and missing migrations', async () => {
      const { dir, table } = await fresh({
        '0001_a.sql': `create table ${s}.status_a (n int);`,
        '0002_b.sql': `create table ${s}.status_b (n int);`,
      });
      const before = await migrationStatus(context.database, dir, table);
      assert.deepEqual(before, [
        { version: 1, name: 'a', state: 'pending' },
        { version: 2, name: 'b', state: 'pending' },
      ]);
      await migrate(context.database, { dir, table });
      await unlink(join(dir, '0002_b.sql'));
      await writeFile(join(dir, '0003_c.sql'), `create table ${s}.status_c (n int);`);
      assert.deepEqual(await migrationStatus(context.database, dir, table), [
        { version: 1, name: 'a', state: 'applied' },
        { version: 2, name: 'b', state: 'missing' },
        { version: 3, name: 'c', state: 'pending' },
      ]);
    });

    void it('refuses duplicate versions and badly named files', async () => {
      const duplicate = await fresh({ '0001_a.sql': 'select 1;', '001_b.sql': 'select 1;' });
      await assert.rejects(migrate(context.database, duplicate), /and .* share version 1/);
      const badName = await fresh({ '0001 spaces.sql': 'select 1;' });
      await assert.rejects(migrate(context.database, badName), /does not match NNNN_name\.sql/);
    });
  });
}
