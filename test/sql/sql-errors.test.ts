// toSqlError on driver-shaped errors, without a database: each SQLSTATE and
// connection failure lands on its code, and nothing leaks values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../../src/errors/index.ts';
import { httpError } from '../../src/http/errors.ts';
import {
  isRetryableSqlError,
  mapSqlErrors,
  sqlErrors,
  sqlStateOf,
  toSqlError,
} from '../../src/platform/sql/sql-errors.ts';
import { retryDelayMs } from '../../src/platform/sql/transaction.ts';

function driverError(fields: Record<string, unknown>, message = 'driver failure'): Error {
  return Object.assign(new Error(message), { severity: 'ERROR', ...fields });
}

describe('toSqlError', () => {
  const cases: [string, Record<string, unknown>, string, number][] = [
    ['unique', { code: '23505', constraint: 'users_email_key' }, 'SQL_UNIQUE_VIOLATION', 409],
    [
      'foreign key',
      { code: '23503', constraint: 'orders_user_fk' },
      'SQL_FOREIGN_KEY_VIOLATION',
      409,
    ],
    ['restrict', { code: '23001' }, 'SQL_FOREIGN_KEY_VIOLATION', 409],
    ['check', { code: '23514', constraint: 'qty_positive' }, 'SQL_CHECK_VIOLATION', 422],
    ['not null', { code: '23502', column: 'email' }, 'SQL_NOT_NULL_VIOLATION', 422],
    ['out of range', { code: '22003' }, 'SQL_INVALID_VALUE', 422],
    ['NUL in text', { code: '22021' }, 'SQL_INVALID_VALUE', 422],
    ['invalid text representation', { code: '22P02' }, 'SQL_INVALID_VALUE', 422],
    ['datetime overflow', { code: '22008' }, 'SQL_INVALID_VALUE', 422],
    ['serialization', { code: '40001' }, 'SQL_SERIALIZATION_FAILURE', 409],
    ['deadlock', { code: '40P01' }, 'SQL_SERIALIZATION_FAILURE', 409],
    ['statement timeout', { code: '57014' }, 'SQL_STATEMENT_TIMEOUT', 503],
    ['admin shutdown', { code: '57P01', severity: 'FATAL' }, 'SQL_UNAVAILABLE', 503],
    ['connection exception class', { code: '08006' }, 'SQL_UNAVAILABLE', 503],
    ['too many connections', { code: '53300' }, 'SQL_UNAVAILABLE', 503],
  ];
  for (const [label, fields, code, status] of cases) {
    it(`maps ${label} (${String(fields.code)}) to ${code}`, () => {
      const cause = driverError(fields);
      const error = toSqlError(cause);
      assert.ok(error instanceof AppError);
      assert.equal(error.code, code);
      assert.equal(error.status, status);
      assert.equal(error.cause, cause);
    });
  }

  it('names the constraint, column and table, but never the values', () => {
    const error = toSqlError(
      driverError(
        {
          code: '23505',
          constraint: 'users_email_key',
          table: 'users',
          detail: 'Key (email)=(alice@example.com) already exists.',
        },
        'duplicate key value violates unique constraint "users_email_key"',
      ),
    );
    assert.deepEqual(error?.extensions, { constraint: 'users_email_key', table: 'users' });
    const visible = JSON.stringify([
      error?.detail,
      error?.title,
      error?.message,
      error?.extensions,
    ]);
    assert.ok(!visible.includes('alice'), visible);
  });

  it('recognises connection failures without a SQLSTATE, with Retry-After', () => {
    const failures: unknown[] = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new AggregateError([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })], ''),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
    ];
    for (const failure of failures) {
      const error = toSqlError(failure);
      assert.equal(error?.code, 'SQL_UNAVAILABLE', String(failure));
      assert.deepEqual(error.headers, { 'retry-after': '1' });
    }
  });

  it('finds the driver error behind wrapping causes', () => {
    const wrapped = new Error('repository failed', { cause: driverError({ code: '40001' }) });
    assert.equal(sqlStateOf(wrapped), '40001');
    assert.equal(isRetryableSqlError(wrapped), true);
    assert.equal(toSqlError(wrapped)?.code, 'SQL_SERIALIZATION_FAILURE');
  });

  it('leaves unrecognised errors alone and passes AppErrors through', () => {
    assert.equal(toSqlError(new Error('bug')), undefined);
    assert.equal(toSqlError(driverError({ code: '42P01' })), undefined, 'undefined table: a bug');
    assert.equal(toSqlError('a string'), undefined);
    const appError = httpError('HTTP_NOT_FOUND');
    assert.equal(toSqlError(appError), appError);
    assert.equal(isRetryableSqlError(driverError({ code: '23505' })), false);
    assert.equal(sqlStateOf(Object.assign(new Error('pipe'), { code: 'EPIPE' })), undefined);
  });

  it('has a title and level for every code', () => {
    for (const spec of Object.values(sqlErrors)) {
      assert.ok(spec.title.length > 0);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(spec.level));
    }
  });
});

describe('mapSqlErrors', () => {
  it('resolves with the value, rethrows mapped and unmapped errors', async () => {
    assert.equal(await mapSqlErrors(() => Promise.resolve(7)), 7);
    await assert.rejects(
      mapSqlErrors(() => Promise.reject(driverError({ code: '23514' }))),
      { code: 'SQL_CHECK_VIOLATION' },
    );
    const bug = new TypeError('bug');
    await assert.rejects(
      mapSqlErrors(() => Promise.reject(bug)),
      (error) => error === bug,
    );
  });
});

describe('retryDelayMs', () => {
  it('draws from [0, min(200, 10 * 2^retry)) ms', () => {
    assert.equal(
      retryDelayMs(0, () => 0),
      0,
    );
    assert.equal(
      retryDelayMs(0, () => 0.999),
      9,
    );
    assert.equal(
      retryDelayMs(2, () => 0.5),
      20,
    );
    assert.equal(
      retryDelayMs(10, () => 0.999),
      199,
      'capped at 200 ms',
    );
  });
});
