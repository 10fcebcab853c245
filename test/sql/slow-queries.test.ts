// Slow statements are logged at warn with their text and duration, never
// their values, on both engines; fast ones are not logged at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createPgliteDatabase } from '../../src/adapters/sql/pglite.ts';
import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { createFreshDatabase, type FreshDatabase } from '../support/fresh-database.ts';
import { captureLogger } from '../support/start.ts';

// Far above what a quick statement takes even on a loaded machine (one at
// 100 ms was once over it), so only the sleeping statement crosses it.
const THRESHOLD_MS = 750;

const engines = [
  {
    name: 'pglite',
    skip: false as const,
    open: async (logger: ReturnType<typeof captureLogger>['logger']) => ({
      sql: await createPgliteDatabase<object>({
        slowQueries: { thresholdMs: THRESHOLD_MS, logger },
      }),
      fresh: undefined as FreshDatabase | undefined,
    }),
  },
  {
    name: 'postgres',
    skip: process.env.DATABASE_URL ? (false as const) : 'DATABASE_URL is not set',
    open: async (logger: ReturnType<typeof captureLogger>['logger']) => {
      const fresh = await createFreshDatabase(process.env.DATABASE_URL!);
      return {
        sql: createPostgresDatabase<object>({ url: fresh.url, slowQueryMs: THRESHOLD_MS, logger }),
        fresh,
      };
    },
  },
];

for (const engine of engines) {
  describe(`slow queries on ${engine.name}`, { skip: engine.skip }, () => {
    const captured = captureLogger();
    let database: SqlDatabase<object>;
    let fresh: FreshDatabase | undefined;
    before(async () => {
      ({ sql: database, fresh } = await engine.open(captured.logger));
    });
    after(async () => {
      await database.close();
      await fresh?.drop();
    });

    it('logs a statement at or over the threshold, with its text and not its values', async () => {
      const secret = 'never-in-the-log';
      await sql`select ${secret} as word, pg_sleep(${(THRESHOLD_MS * 1.5) / 1000})`.execute(
        database.db,
      );
      await sql`select ${secret} as quick`.execute(database.db);
      const slow = captured.records.filter((record) => record.msg === 'slow query');
      assert.equal(slow.length, 1, JSON.stringify(slow));
      const [line] = slow;
      assert.equal(line?.level, 'warn');
      assert.match(String(line?.statement), /pg_sleep/);
      assert.ok(Number(line?.ms) >= THRESHOLD_MS, String(line?.ms));
      assert.equal(line?.database, engine.name === 'pglite' ? 'pglite' : 'primary');
      assert.ok(!JSON.stringify(captured.records).includes(secret));
    });
  });
}
