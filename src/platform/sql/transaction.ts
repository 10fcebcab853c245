// Transactions with bounded retries, and savepoints for nested units of work.
//
// Serialization failures (40001) and deadlocks (40P01) abort the whole
// transaction, and PostgreSQL's advice is to run it again from the start
// (PostgreSQL docs, "Serialization Failure Handling"). So the unit of retry is
// the whole callback, which must therefore keep its effects inside the
// transaction (use an outbox for mail or messages). Other errors are never
// retried: a unique violation will not go away by trying again.
//
// The wait before attempt n+1 is "full jitter" exponential backoff: a random
// delay in [0, min(cap, base·2^n)), which spreads competing retries apart
// rather than having them collide again in lockstep.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { TransactionOptions } from '../../ports/sql.ts';
import { isRetryableSqlError, sqlError, toSqlError } from './sql-errors.ts';
import { assertOutsideTransaction, runInTransactionScope } from './transaction-scope.ts';

export const DEFAULT_MAX_RETRIES = 3;

/** What to run once a transaction has committed, by its handle; dropped with a rolled-back attempt. */
const commitHooks = new WeakMap<object, (() => void)[]>();

/**
 * Runs `hook` after the transaction of `trx` commits, and never if it rolls
 * back. For signals about data the transaction wrote (wake the outbox
 * relay), not for work that must happen: a process can die between the
 * commit and the hook. Hooks are synchronous and their errors are swallowed:
 * the commit has happened, whatever they do.
 */
export function afterCommit<DB>(trx: Transaction<DB>, hook: () => void): void {
  const hooks = commitHooks.get(trx);
  if (hooks === undefined) commitHooks.set(trx, [hook]);
  else hooks.push(hook);
}

function runCommitHooks(trx: object | undefined): void {
  if (trx === undefined) return;
  for (const hook of commitHooks.get(trx) ?? []) {
    try {
      hook();
    } catch {
      // See afterCommit: a signal that fails is a signal not sent.
    }
  }
}
const BACKOFF_BASE_MS = 10;
const BACKOFF_CAP_MS = 200;

/** Full-jitter delay before retry number `retry` (0-based). */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * Runs `fn` in a transaction on `db`, re-running it on 40001/40P01 up to
 * `maxRetries` times; recognised database failures come out as AppErrors
 * (sql-errors.ts), everything else unchanged. `owner` is the SqlDatabase,
 * whose other handles are closed to queries while `fn` runs.
 */
export async function runTransaction<DB, T>(
  owner: object,
  db: Kysely<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  assertOutsideTransaction(owner, 'withTransaction');
  const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new RangeError(`maxRetries must be a non-negative integer, got ${maxRetries}`);
  }
  let builder = db.transaction();
  if (options.isolation !== undefined) builder = builder.setIsolationLevel(options.isolation);
  if (options.readOnly === true) builder = builder.setAccessMode('read only');
  for (let attempt = 0; ; attempt += 1) {
    let handle: Transaction<DB> | undefined;
    try {
      const result = await builder.execute((trx) => {
        handle = trx;
        return runInTransactionScope(owner, () => fn(trx));
      });
      runCommitHooks(handle);
      return result;
    } catch (error) {
      if (!isRetryableSqlError(error)) throw toSqlError(error) ?? error;
      if (attempt >= maxRetries) {
        throw sqlError('SQL_SERIALIZATION_FAILURE', {
          detail: `The data changed concurrently (gave up after ${attempt + 1} attempts); retry the request.`,
          cause: error,
        });
      }
      await sleep(retryDelayMs(attempt));
    }
  }
}

/** Savepoint numbering per transaction: names stay unique however deep the nesting. */
const savepointCounters = new WeakMap<object, number>();

/**
 * Runs `fn` inside a savepoint of `trx`: on throw the work of `fn` is rolled
 * back (the outer transaction stays usable) and the error rethrown; on
 * success the savepoint is released. This is how repositories nest units of
 * work — they receive the transaction handle explicitly, never open their own.
 */
export async function withSavepoint<DB, T>(
  trx: Transaction<DB>,
  fn: (trx: Transaction<DB>) => Promise<T>,
): Promise<T> {
  const sequence = (savepointCounters.get(trx) ?? 0) + 1;
  savepointCounters.set(trx, sequence);
  const name = sql.id(`sp_${sequence}`);
  await sql`savepoint ${name}`.execute(trx);
  let result: T;
  try {
    result = await fn(trx);
  } catch (error) {
    try {
      await sql`rollback to savepoint ${name}`.execute(trx);
    } catch {
      // The session is gone or broken: the outer transaction fails on its
      // next statement anyway, and the first error says more.
    }
    throw error;
  }
  await sql`release savepoint ${name}`.execute(trx);
  return result;
}
