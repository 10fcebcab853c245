// Database failures a client can see, and the one place that recognises them.
// Both engines report failures the same way: node-postgres raises a
// `DatabaseError` and PGlite an error object, each carrying the SQLSTATE in
// `code` and the offending `constraint`/`column` (PostgreSQL Appendix A).
// Connection failures come from node-postgres and the socket layer instead:
// errno codes (`ECONNREFUSED`) or plain messages without a code.
//
// Public details never echo values: PostgreSQL's own `detail` ("Key
// (email)=(a@b.c) already exists") can hold personal data, so it is logged
// through `cause` and never sent.
import { AppError, defineErrors, errorFactory } from '../../errors/index.ts';
import { WorkAbortedError } from '../unit-of-work.ts';

export const sqlErrors = defineErrors({
  SQL_UNIQUE_VIOLATION: { status: 409, title: 'Duplicate record', level: 'info' },
  SQL_FOREIGN_KEY_VIOLATION: { status: 409, title: 'Related record conflict', level: 'info' },
  SQL_CHECK_VIOLATION: { status: 422, title: 'Value violates a rule', level: 'info' },
  SQL_NOT_NULL_VIOLATION: { status: 422, title: 'Required value missing', level: 'info' },
  // Warn: the route's schema should have refused the value (see pg-values.ts).
  SQL_INVALID_VALUE: { status: 422, title: 'Value the database cannot take', level: 'warn' },
  SQL_SERIALIZATION_FAILURE: { status: 409, title: 'Concurrent update conflict', level: 'warn' },
  SQL_UNAVAILABLE: { status: 503, title: 'Database unavailable', level: 'error' },
  SQL_STATEMENT_TIMEOUT: { status: 503, title: 'Database statement timed out', level: 'warn' },
});

export type SqlErrorCode = keyof typeof sqlErrors;

export const sqlError = errorFactory(sqlErrors);

/**
 * What a route that reads or writes the database may answer when the
 * database cannot: listed in the routes' `errors` for the API document.
 */
export const DATABASE_ERRORS = [
  'SQL_UNAVAILABLE',
  'SQL_STATEMENT_TIMEOUT',
] as const satisfies readonly SqlErrorCode[];

/** SQLSTATEs after which re-running the whole transaction can succeed. */
const RETRYABLE_STATES = new Set(['40001', '40P01']);

/**
 * SQLSTATEs that mean the session is gone or never existed: class 08
 * (connection exception), 57P01-57P03 (admin/crash shutdown, cannot connect
 * now) and 53300 (too many connections).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300']);

const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** node-postgres, pg-pool and Kysely report these without a code. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'is not queryable',
  'Cannot use a pool after calling end',
  'Postgres connection has been discarded',
  'PGlite is closed',
];

const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Follows `cause` links a few levels deep: wrappers keep the driver error there. */
function* causeChain(error: unknown): Generator<Record<string, unknown>> {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The SQLSTATE of a driver error (or of the first cause that has one). */
export function sqlStateOf(error: unknown): string | undefined {
  for (const link of causeChain(error)) {
    const code = link.code;
    if (typeof code === 'string' && SQLSTATE.test(code) && !code.startsWith('E')) return code;
  }
  return undefined;
}

/** True for serialization failures and deadlocks: the transaction may be re-run. */
export function isRetryableSqlError(error: unknown): boolean {
  const state = sqlStateOf(error);
  return state !== undefined && RETRYABLE_STATES.has(state);
}

function isConnectionFailure(error: unknown, state: string | undefined): boolean {
  if (state !== undefined) return state.startsWith('08') || UNAVAILABLE_STATES.has(state);
  for (const link of causeChain(error)) {
    if (typeof link.code === 'string' && UNAVAILABLE_ERRNOS.has(link.code)) return true;
    // Happy-eyeballs connects fail with an AggregateError of per-address errors.
    if (
      Array.isArray(link.errors) &&
      link.errors.some((inner) => isConnectionFailure(inner, undefined))
    ) {
      return true;
    }
    const message = link.message;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) {
      return true;
    }
  }
  return false;
}

function nameOf(error: unknown, field: 'constraint' | 'column' | 'table'): string | undefined {
  for (const link of causeChain(error)) {
    const value = link[field];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}

/** Public members naming the schema object involved: names, never values. */
function schemaExtensions(error: unknown): Record<string, string> {
  const extensions: Record<string, string> = {};
  for (const field of ['constraint', 'column', 'table'] as const) {
    const value = nameOf(error, field);
    if (value !== undefined) extensions[field] = value;
  }
  return extensions;
}

const RETRY_AFTER = { 'retry-after': '1' } as const;

/**
 * Maps a driver error to the AppError clients see, or `undefined` when the
 * error is not a recognised database failure (it then stays a 500). An
 * AppError passes through unchanged.
 */
export function toSqlError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  // Cancelled for an abandoned request (57014 in its cause): not a database failure.
  if (error instanceof WorkAbortedError) return undefined;
  const state = sqlStateOf(error);
  const cause = error;
  // Class 22, data exception: a value out of range for its type (22003,
  // 22008), text with a NUL (22021), a malformed literal (22P02). Raised by
  // a value the request carried, so a 4xx, never the generic 500; the
  // message quotes the value and stays in the log.
  if (state?.startsWith('22') === true) {
    return sqlError('SQL_INVALID_VALUE', {
      detail: 'A value is out of range or malformed for the database.',
      extensions: schemaExtensions(error),
      cause,
    });
  }
  switch (state) {
    case '23505':
      return sqlError('SQL_UNIQUE_VIOLATION', {
        detail: 'A record with the same unique key already exists.',
        extensions: schemaExtensions(error),
        cause,
      });
    case '23503':
    case '23001':
      return sqlError('SQL_FOREIGN_KEY_VIOLATION', {
        detail: 'The record refers to a missing record, or other records still refer to it.',
        extensions: schemaExtensions(error),
        cause,
      });
    case '23514':
      return sqlError('SQL_CHECK_VIOLATION', {
        detail: 'A value is outside what the data model allows.',
        extensions: schemaExtensions(error),
        cause,
      });
    case '23502':
      return sqlError('SQL_NOT_NULL_VIOLATION', {
        detail: 'A required value is missing.',
        extensions: schemaExtensions(error),
        cause,
      });
    case '40001':
    case '40P01':
      return sqlError('SQL_SERIALIZATION_FAILURE', {
        detail: 'The data changed concurrently; retry the request.',
        cause,
      });
    case '0A000':
      // A named statement planned before a migration changed its table's
      // columns, inside a transaction (postgres-watched-client.ts retries it
      // outside one): the connection is retired, and the request can be repeated.
      if (String((error as { message?: unknown }).message).includes('cached plan')) {
        return sqlError('SQL_UNAVAILABLE', {
          detail: 'The database schema changed during the request; retry it.',
          headers: RETRY_AFTER,
          cause,
        });
      }
      break;
    case '57014':
      // statement_timeout and cancellation (pg_cancel_backend) share 57014.
      return sqlError('SQL_STATEMENT_TIMEOUT', {
        detail: 'The database did not answer in time.',
        cause,
      });
  }
  if (isConnectionFailure(error, state)) {
    return sqlError('SQL_UNAVAILABLE', {
      detail: 'The database cannot be reached; retry shortly.',
      headers: RETRY_AFTER,
      cause,
    });
  }
  return undefined;
}

/**
 * Runs `work` and rethrows a recognised database failure as its AppError:
 * `await mapSqlErrors(() => repo.insert(trx, order))`.
 */
export async function mapSqlErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toSqlError(error) ?? error;
  }
}
