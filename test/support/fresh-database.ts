// A database of its own for one test file on the PostgreSQL server named by
// DATABASE_URL, so runs never collide or depend on each other's leftovers.
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { Client } from 'pg';
import { withDatabaseName } from '../../src/platform/sql/database-url.ts';

export interface FreshDatabase {
  readonly url: string;
  readonly name: string;
  /** Runs one statement on the admin connection (the server's `postgres` database). */
  admin(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

export async function createFreshDatabase(serverUrl: string): Promise<FreshDatabase> {
  const name = `throughline_t_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await admin.connect();
  await admin.query(`create database ${name}`);
  return {
    url: withDatabaseName(serverUrl, name),
    name,
    admin: async (text, values) =>
      (await admin.query(text, values)).rows as Record<string, unknown>[],
    drop: async () => {
      try {
        await admin.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}

/**
 * A fresh database for the calling `describe`: created by its `before` hook,
 * dropped by its `after` hook. The returned handle reads the database once
 * the suite has started.
 */
export function freshDatabaseForSuite(serverUrl: string): FreshDatabase {
  // `after` awaits the creation itself: node:test may start it before
  // `before` has finished when a name filter leaves no test to run.
  let creating: Promise<FreshDatabase> | undefined;
  let fresh: FreshDatabase | undefined;
  before(async () => {
    creating = createFreshDatabase(serverUrl);
    fresh = await creating;
  });
  after(async () => {
    await (await creating)?.drop();
  });
  const current = (): FreshDatabase => {
    if (fresh === undefined)
      throw new Error('the fresh database is created by the suite’s before hook');
    return fresh;
  };
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
    admin: (text, values) => current().admin(text, values),
    drop: () => current().drop(),
  };
}
