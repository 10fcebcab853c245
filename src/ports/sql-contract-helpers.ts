// Shared pieces of the SqlDatabase contract suite (sql.contract.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { sql } from 'kysely';
import type { RawBuilder } from 'kysely';
import { AppError } from '../errors/index.ts';
import type { SqlDatabase } from './sql.ts';

// The contract works on tables it creates at run time, so its handles carry no schema type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatabase = SqlDatabase<any>;

export interface SqlContractOptions {
  /**
   * Opens a second, independent handle on the same database (PostgreSQL: a
   * second pool). Absent: single-connection engines use the one handle twice.
   */
  readonly openPeer?: () => Promise<AnyDatabase>;
}

export interface SqlContractContext {
  /** The handle under test (opened once per suite). */
  readonly database: AnyDatabase;
  /** A second handle on the same database, or `database` itself. */
  readonly peer: AnyDatabase;
  /** A schema of the suite's own, so suites sharing a database cannot collide. */
  readonly schema: string;
  /** `schema.name`, as an identifier for `sql` templates. */
  table(name: string): RawBuilder<unknown>;
}

/** Generous: PGlite boots in seconds, more on a loaded machine. */
export const SETUP_TIMEOUT_MS = 120_000;

/** Opens the handles before the suite's tests and closes them after (register inside a describe). */
export function contractContext(
  open: () => Promise<AnyDatabase>,
  options: SqlContractOptions,
): SqlContractContext {
  const schema = `contract_${randomBytes(4).toString('hex')}`;
  let database: AnyDatabase | undefined;
  let peer: AnyDatabase | undefined;
  // `after` waits for the opening itself rather than trusting `before` to
  // have finished (node:test does not always order the two).
  let opening: Promise<unknown> | undefined;
  before(
    async () => {
      opening = (async () => {
        database = await open();
        peer = options.openPeer === undefined ? database : await options.openPeer();
      })();
      await opening;
      await sql`create schema ${sql.id(schema)}`.execute(context.database.db);
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  after(async () => {
    await opening?.catch(() => undefined);
    if (peer !== undefined && peer !== database) await peer.close();
    await database?.close();
  });
  const context: SqlContractContext = {
    get database() {
      assert.ok(database, 'the database opens in before()');
      return database;
    },
    get peer() {
      assert.ok(peer, 'the peer opens in before()');
      return peer;
    },
    schema,
    table: (name: string) => sql.table(`${schema}.${name}`),
  };
  return context;
}

/** An error shaped like a driver error with the given SQLSTATE. */
export function driverError(code: string, message = `simulated ${code}`): Error {
  return Object.assign(new Error(message), { code, severity: 'ERROR' });
}

/** Asserts that `promise` rejects with an AppError of `code`, and returns it. */
export async function rejectsWithAppError(
  promise: Promise<unknown>,
  code: string,
): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `expected AppError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return error;
  }
  assert.fail(`expected a rejection with ${code}`);
}

/** A meeting point: each of `parties` callers waits until all have arrived. */
export function barrier(parties: number): () => Promise<void> {
  let arrived = 0;
  const { promise, resolve } = Promise.withResolvers<void>();
  return async () => {
    arrived += 1;
    if (arrived === parties) resolve();
    await promise;
  };
}
