// The audit log on both engines: appending, paging, verifying, the
// append-only trigger, and concurrent appends that must never fork the chain.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import { ENGINES, type EngineDatabase } from '../../../test/support/engines.ts';
import { GENESIS_HASH } from './chain.ts';
import { appendAudit } from './repo.ts';
import { createAuditService, type AuditService } from './service.ts';
import { resetAuditLog } from './testing.ts';

for (const engine of ENGINES) {
  describe(`audit log on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let audit: AuditService;

    before(async () => {
      database = await engine.open();
      audit = createAuditService({ sql: database.sql });
    });

    after(async () => {
      await database.close();
    });

    beforeEach(async () => {
      await resetAuditLog(database.sql);
    });

    test('three appends verify, and list returns them newest first as stored', async () => {
      const first = await audit.record({
        action: 'auth.login',
        outcome: 'success',
        actorId: '7',
        actorIp: '203.0.113.9',
        details: { method: 'password' },
      });
      const second = await audit.record({
        action: 'users.role_changed',
        outcome: 'denied',
        actorId: '7',
        targetType: 'user',
        targetId: '12',
        occurredAt: new Date('2026-02-03T04:05:06.789Z'),
      });
      const third = await audit.record({ action: 'auth.login', outcome: 'failure' });

      assert.deepEqual(await audit.verify(), {
        ok: true,
        count: 3,
        head: { id: third.id, hash: third.hash },
      });
      const page = await audit.list({ limit: 10 });
      assert.deepEqual(page.entries, [third, second, first]);
      assert.equal(page.nextBefore, undefined);
      assert.deepEqual(second, {
        id: second.id,
        occurredAt: '2026-02-03T04:05:06.789Z',
        actorId: '7',
        actorIp: null,
        action: 'users.role_changed',
        targetType: 'user',
        targetId: '12',
        outcome: 'denied',
        details: {},
        hash: second.hash,
      });
      assert.ok(BigInt(first.id) < BigInt(second.id) && BigInt(second.id) < BigInt(third.id));
      // The database clock supplied the time when none was given.
      assert.ok(Math.abs(Date.parse(first.occurredAt) - Date.now()) < 60 * 60 * 1000);
    });

    test('the first entry links to the genesis hash and each next one to its predecessor', async () => {
      await audit.record({ action: 'a', outcome: 'success' });
      await audit.record({ action: 'b', outcome: 'success' });
      const { rows } = await sql<{ prev_hash: string; hash: string }>`
        select prev_hash, hash from audit_log order by id`.execute(database.sql.db);
      assert.equal(rows[0]!.prev_hash, GENESIS_HASH);
      assert.equal(rows[1]!.prev_hash, rows[0]!.hash);
    });

    test('details survive the jsonb round trip exactly enough to re-hash', async () => {
      const details = {
        z: [3, 2, 1],
        a: { nested: { 'é€😀': 'üñí', empty: {}, none: null } },
        n: [0.1, 1e-7, 1e21, -5, 12345678.125],
        ok: true,
        text: 'line\nbreak "quoted" \\ tab\t',
      };
      const entry = await audit.record({ action: 'misc', outcome: 'success', details });
      assert.deepEqual(entry.details, details);
      assert.deepEqual((await audit.list()).entries[0]!.details, details);
      assert.deepEqual(await audit.verify(), {
        ok: true,
        count: 1,
        head: { id: entry.id, hash: entry.hash },
      });
    });

    test('an empty log verifies, with no head', async () => {
      assert.deepEqual(await audit.verify(), { ok: true, count: 0, head: undefined });
    });

    test('verify streams in batches and still checks across batch boundaries', async () => {
      for (let n = 0; n < 7; n += 1)
        await audit.record({ action: `step.${n}`, outcome: 'success' });
      for (const batchSize of [1, 2, 3, 7, 100]) {
        const result = await audit.verify({ batchSize });
        assert.equal(result.ok && result.count, 7, `batch size ${batchSize}`);
      }
      await assert.rejects(audit.verify({ batchSize: 0 }), RangeError);
    });

    test('UPDATE, DELETE and TRUNCATE are refused by the trigger', async () => {
      const entry = await audit.record({ action: 'auth.login', outcome: 'success' });
      const db = database.sql.db;
      await assert.rejects(
        sql`update audit_log set details = '{"x":1}' where id = ${entry.id}`.execute(db),
        /audit_log is append-only/,
      );
      await assert.rejects(sql`delete from audit_log`.execute(db), /audit_log is append-only/);
      await assert.rejects(sql`truncate audit_log`.execute(db), /audit_log is append-only/);
      await assert.rejects(
        database.sql.withTransaction((trx) =>
          sql`update audit_log set outcome = 'failure'`.execute(trx),
        ),
        /audit_log is append-only/,
      );
      assert.deepEqual((await audit.list()).entries, [entry]);
      assert.equal((await audit.verify()).ok, true);
    });

    test('20 concurrent records never fork the chain', async () => {
      const entries = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          audit.record({ action: 'load.test', outcome: 'success', details: { n } }),
        ),
      );
      assert.equal(new Set(entries.map((entry) => entry.id)).size, 20);
      const result = await audit.verify();
      assert.equal(result.ok, true);
      assert.equal(result.ok && result.count, 20);
      const { rows } = await sql<{ n: string; links: string }>`
        select count(*)::text as n, count(distinct prev_hash)::text as links from audit_log`.execute(
        database.sql.db,
      );
      assert.deepEqual(rows[0], { n: '20', links: '20' });
    });

    test('list pages by id with a cursor and filters by action', async () => {
      const ids: string[] = [];
      for (let n = 0; n < 5; n += 1) {
        const action = n % 2 === 0 ? 'even' : 'odd';
        ids.push((await audit.record({ action, outcome: 'success' })).id);
      }
      const first = await audit.list({ limit: 2 });
      assert.deepEqual(
        first.entries.map((e) => e.id),
        [ids[4], ids[3]],
      );
      assert.equal(first.nextBefore, ids[3]);
      const second = await audit.list({ limit: 2, before: first.nextBefore });
      assert.deepEqual(
        second.entries.map((e) => e.id),
        [ids[2], ids[1]],
      );
      const last = await audit.list({ limit: 2, before: second.nextBefore });
      assert.deepEqual(
        last.entries.map((e) => e.id),
        [ids[0]],
      );
      assert.equal(last.nextBefore, undefined);
      const even = await audit.list({ action: 'even' });
      assert.deepEqual(
        even.entries.map((e) => e.id),
        [ids[4], ids[2], ids[0]],
      );
    });

    test('appendAudit commits and rolls back with the caller’s transaction', async () => {
      const kept = await database.sql.withTransaction((trx) =>
        appendAudit(trx, { action: 'kept', outcome: 'success' }),
      );
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await appendAudit(trx, { action: 'rolled.back', outcome: 'success' });
          throw new Error('business rule failed');
        }),
        /business rule failed/,
      );
      const after = await database.sql.withTransaction((trx) =>
        appendAudit(trx, { action: 'after', outcome: 'success' }),
      );
      assert.deepEqual(
        (await audit.list()).entries.map((e) => e.action),
        ['after', 'kept'],
      );
      // The rolled-back append used up an id; the gap is harmless.
      assert.ok(BigInt(after.id) > BigInt(kept.id) + 1n);
      assert.deepEqual(await audit.verify(), {
        ok: true,
        count: 2,
        head: { id: after.id, hash: after.hash },
      });
    });

    test('appendAudit refuses a non-transaction handle and other isolation levels', async () => {
      await assert.rejects(
        appendAudit(database.sql.db as never, { action: 'x', outcome: 'success' }),
        /needs a transaction handle/,
      );
      await assert.rejects(
        database.sql.withTransaction(
          (trx) => appendAudit(trx, { action: 'x', outcome: 'success' }),
          { isolation: 'repeatable read' },
        ),
        /needs read committed isolation/,
      );
      assert.deepEqual((await audit.list()).entries, []);
    });

    test('record validates its input before touching the database', async () => {
      await assert.rejects(audit.record({ action: '', outcome: 'success' }));
      await assert.rejects(audit.record({ action: 'x', outcome: 'maybe' as never }));
      await assert.rejects(
        audit.record({ action: 'x', outcome: 'success', details: { at: new Date() } as never }),
      );
      assert.deepEqual((await audit.list()).entries, []);
    });
  });
}
