// The two engines behind the `sql` port, for suites that must pass on both:
// PGlite always, the real PostgreSQL server when DATABASE_URL is set (a fresh
// database per suite, migrated and seeded with the small test data set).

import { createPostgresDatabase } from '../../src/adapters/sql/postgres.ts';
import { MIGRATIONS_DIR } from '../../src/wiring/database.ts';
import type { Database } from '../../src/wiring/tables.ts';
import { seedDemoData } from '../../src/wiring/seed.ts';
import { migrate } from '../../src/platform/sql/migrator.ts';
import type { SqlDatabase } from '../../src/ports/sql.ts';
import { openTestDatabase, TEST_SEED_SIZE } from './database.ts';
import { createFreshDatabase, type FreshDatabase } from './fresh-database.ts';
import { testPasswordHasher } from './passwords.ts';

export interface Engine {
  readonly name: 'pglite' | 'postgres';
  /** Undefined when the engine is not available here (the suite is skipped). */
  readonly skip: string | false;
  open(): Promise<EngineDatabase>;
}

export interface EngineDatabase {
  readonly sql: SqlDatabase<Database>;
  /** Set on Postgres: the fresh database, for admin statements (pg_terminate_backend…). */
  readonly fresh: FreshDatabase | undefined;
  close(): Promise<void>;
}

export const ENGINES: readonly Engine[] = [
  {
    name: 'pglite',
    skip: false,
    async open() {
      const database = await openTestDatabase();
      return { sql: database.sql, fresh: undefined, close: () => database.close() };
    },
  },
  {
    name: 'postgres',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL is not set',
    async open() {
      const fresh = await createFreshDatabase(process.env.DATABASE_URL!);
      const sql = createPostgresDatabase<Database>({ url: fresh.url, poolSize: 5 });
      await migrate(sql, { dir: MIGRATIONS_DIR });
      await seedDemoData(sql, { size: TEST_SEED_SIZE, passwords: testPasswordHasher });
      return {
        sql,
        fresh,
        async close() {
          await sql.close();
          await fresh.drop();
        },
      };
    },
  },
];
