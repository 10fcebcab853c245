import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  databaseNameOf,
  redactDatabaseUrl,
  withDatabaseName,
} from '../../src/platform/sql/database-url.ts';

describe('database URLs', () => {
  it('redacts the password and nothing else', () => {
    assert.equal(
      redactDatabaseUrl('postgres://app:s3cret@db.internal:5432/main?sslmode=require'),
      'postgres://app:redacted@db.internal:5432/main?sslmode=require',
    );
    assert.equal(redactDatabaseUrl('postgres://app@db/main'), 'postgres://app@db/main');
    assert.equal(redactDatabaseUrl('not a url s3cret'), '[unparseable database url]');
  });

  it('swaps the database name, keeping credentials and options', () => {
    const url = withDatabaseName('postgresql://app:pw@db:6543/main?sslmode=require', 'other');
    assert.equal(url, 'postgresql://app:pw@db:6543/other?sslmode=require');
    assert.equal(databaseNameOf(url), 'other');
  });

  it('refuses URLs that are not postgres://', () => {
    assert.throws(() => withDatabaseName('mysql://db/main', 'x'), /postgres:\/\//);
  });
});
