import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryStats, statementLabel } from './query-stats.ts';

test('a statement is labelled by what it does and to which table', () => {
  assert.equal(statementLabel('select "id" from "products" where "id" = $1'), 'select products');
  assert.equal(statementLabel('insert into "jobs" ("queue") values ($1)'), 'insert jobs');
  assert.equal(statementLabel('update "outbox" set "relayed_at" = now()'), 'update outbox');
  assert.equal(statementLabel('delete from audit_log where id = $1'), 'delete audit_log');
  assert.equal(statementLabel('/* plan per call */ select * from "products"'), 'select products');
  assert.equal(
    statementLabel(
      'select "p"."id", coalesce((select json_agg(i.id) from product_images i), \'[]\') as "images" from "products" as "p"',
    ),
    'select products',
  );
  assert.equal(statementLabel('select * from (select 1 from "jobs") as "j"'), 'select jobs');
  assert.equal(statementLabel('begin'), 'begin');
  assert.equal(statementLabel('select 1'), 'select');
});

test('labels are capped: dynamic SQL folds into other', () => {
  const stats = new QueryStats(10);
  for (let i = 0; i < 500; i++) {
    stats.observe({
      database: 'primary',
      sql: `select * from "scratch_${i}" where id = $1`,
      durationMs: 1,
      failed: i % 2 === 0,
    });
  }
  assert.equal(stats.durations.size, 11, '10 named statements and other');
  assert.equal(stats.label('select * from "scratch_0" where id = $1'), 'select scratch_0');
  assert.equal(stats.label('select * from "scratch_999"'), 'other');
  assert.equal(stats.failures.get(['primary', 'other']), 245);
});
