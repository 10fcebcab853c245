import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statementSummary } from './statement-summary.ts';

test('a statement is named by its operation and first table, as Kysely writes them', () => {
  const cases: [string, string, string | undefined][] = [
    ['select "id", "name" from "products" where "id" = $1', 'SELECT products', 'products'],
    [
      'insert into "outbox" ("type", "payload") values ($1, $2) returning "id"',
      'INSERT outbox',
      'outbox',
    ],
    ['update "orders" set "status" = $1 where "id" = $2', 'UPDATE orders', 'orders'],
    ['delete from "sessions" where "expires_at" < $1', 'DELETE sessions', 'sessions'],
    ['select * from "public"."jobs" limit $1', 'SELECT public.jobs', 'public.jobs'],
    ['  /* why */ SELECT 1', 'SELECT', undefined],
    ['begin', 'BEGIN', undefined],
  ];
  for (const [text, name, table] of cases) {
    const summary = statementSummary(text);
    assert.equal(summary.name, name, text);
    assert.equal(summary.table, table, text);
  }
});

test('values written into the text never reach the name', () => {
  const summary = statementSummary(
    "select * from users where email = 'someone@example.com' and secret = 'hunter2'",
  );
  assert.equal(summary.name, 'SELECT users');
});

test('leading comments are skipped, and a long row of them is read in one pass', () => {
  assert.equal(statementSummary('/* a */ /* b *//***/ update "t" set x = 1').name, 'UPDATE t');
  // Used to try every grouping of the comments before giving up.
  assert.equal(statementSummary(`${'/**/'.repeat(5000)}1`).name, 'SQL');
  assert.equal(statementSummary(`/*${'*'.repeat(50_000)}`).name, 'SQL');
});
