// Tampering with the audit log as someone with direct database access (the
// table owner, who can switch the append-only trigger off), on both engines:
// verification must name where the chain breaks.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { Transaction } from 'kysely';
import type { AuditTables } from './tables.ts';
import { ENGINES, type EngineDatabase } from '../../../test/support/engines.ts';
import { auditEntryHash } from './chain.ts';
import { appendAudit, readAuditBatch } from './repo.ts';
import type { AuditEntry } from './schemas.ts';
import { createAuditService, type AuditService } from './service.ts';
import { asTableOwner, resetAuditLog } from './testing.ts';

/** Re-inserts a row exactly as given, id and hashes included. */
async function insertRaw(
  trx: Transaction<AuditTables>,
  row: {
    id: string;
    occurredAt: Date;
    action: string;
    details: object;
    prevHash: string;
    hash: string;
  },
): Promise<void> {
  await sql`
    insert into audit_log (id, occurred_at, action, outcome, details, prev_hash, hash)
    overriding system value
    values (${row.id}::bigint, ${row.occurredAt}, ${row.action}, 'success',
            ${JSON.stringify(row.details)}::jsonb, ${row.prevHash}, ${row.hash})`.execute(trx);
}

for (const engine of ENGINES) {
  describe(`audit log tampering on ${engine.name}`, { skip: engine.skip }, () => {
    let database: EngineDatabase;
    let audit: AuditService;
    let entries: AuditEntry[];

    before(async () => {
      database = await engine.open();
      audit = createAuditService({ sql: database.sql });
    });

    after(async () => {
      await database.close();
    });

    beforeEach(async () => {
      await resetAuditLog(database.sql);
      entries = [];
      for (const action of ['auth.login', 'users.role_changed', 'auth.logout', 'auth.login']) {
        entries.push(
          await audit.record({ action, outcome: 'success', actorId: '7', details: { action } }),
        );
      }
      assert.equal((await audit.verify()).ok, true);
    });

    const id = (index: number) => entries[index]!.id;

    test('an edited details field is reported at that row', async () => {
      await asTableOwner(database.sql, (trx) =>
        sql`update audit_log set details = '{"action":"nothing to see"}' where id = ${id(1)}`.execute(
          trx,
        ),
      );
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: id(1),
        reason: 'hash-mismatch',
      });
    });

    test('an edited column other than details is reported too', async () => {
      await asTableOwner(database.sql, (trx) =>
        sql`update audit_log set outcome = 'denied' where id = ${id(2)}`.execute(trx),
      );
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: id(2),
        reason: 'hash-mismatch',
      });
    });

    test('an edit found in a later batch is still pinned to its row', async () => {
      await asTableOwner(database.sql, (trx) =>
        sql`update audit_log set occurred_at = occurred_at + interval '1 second' where id = ${id(3)}`.execute(
          trx,
        ),
      );
      assert.deepEqual(await audit.verify({ batchSize: 1 }), {
        ok: false,
        brokenAt: id(3),
        reason: 'hash-mismatch',
      });
    });

    test('a deleted middle row breaks the link of the row after it', async () => {
      await asTableOwner(database.sql, (trx) =>
        sql`delete from audit_log where id = ${id(1)}`.execute(trx),
      );
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: id(2),
        reason: 'prev-hash-mismatch',
      });
    });

    test('a deleted first row is detected (the next row does not start from genesis)', async () => {
      await asTableOwner(database.sql, (trx) =>
        sql`delete from audit_log where id = ${id(0)}`.execute(trx),
      );
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: id(1),
        reason: 'prev-hash-mismatch',
      });
    });

    test('two rows swapped (re-inserted under each other’s ids) are detected', async () => {
      await asTableOwner(database.sql, async (trx) => {
        const [second, third] = await readAuditBatch(trx, {
          after: id(0),
          through: id(2),
          limit: 2,
        });
        await sql`delete from audit_log where id in (${id(1)}, ${id(2)})`.execute(trx);
        await insertRaw(trx, { ...third!, id: id(1) });
        await insertRaw(trx, { ...second!, id: id(2) });
      });
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: id(1),
        reason: 'prev-hash-mismatch',
      });
    });

    test('a row inserted at the end without the chain is detected', async () => {
      const forged = await asTableOwner(database.sql, async (trx) => {
        const { rows } = await sql<{ id: string }>`
          insert into audit_log (occurred_at, action, outcome, prev_hash, hash)
          values (now(), 'auth.login', 'success', ${entries[3]!.hash}, ${'a'.repeat(64)})
          returning id::text as id`.execute(trx);
        return rows[0]!.id;
      });
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: forged,
        reason: 'hash-mismatch',
      });
    });

    test('a row slipped into an id gap is detected, even with a well-formed hash', async () => {
      // A rolled-back append leaves an unused id between two real entries.
      await assert.rejects(
        database.sql.withTransaction(async (trx) => {
          await appendAudit(trx, { action: 'never', outcome: 'success' });
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      const next = await audit.record({ action: 'auth.login', outcome: 'success' });
      assert.equal((await audit.verify()).ok, true);
      const gap = (BigInt(next.id) - 1n).toString();
      assert.ok(BigInt(gap) > BigInt(id(3)));
      // The forger computes a valid hash over a prev_hash of their choosing;
      // the unique prev_hash constraint stops them reusing the real link.
      const fields = { id: gap, occurredAt: new Date(), action: 'users.role_changed', details: {} };
      const prevHash = 'b'.repeat(64);
      await asTableOwner(database.sql, (trx) =>
        insertRaw(trx, {
          ...fields,
          prevHash,
          hash: auditEntryHash(prevHash, {
            ...fields,
            actorId: null,
            actorIp: null,
            targetType: null,
            targetId: null,
            outcome: 'success',
          }),
        }),
      );
      assert.deepEqual(await audit.verify(), {
        ok: false,
        brokenAt: gap,
        reason: 'prev-hash-mismatch',
      });
    });

    test('a checkpoint catches a fully re-hashed chain and a cut-off tail', async () => {
      const verified = await audit.verify();
      assert.ok(verified.ok && verified.head !== undefined);
      const checkpoint = verified.head;
      assert.deepEqual(checkpoint, { id: id(3), hash: entries[3]!.hash });
      assert.equal((await audit.verify({ checkpoint })).ok, true);

      // Edit row 2 and recompute every hash after it: the chain alone is fooled…
      await asTableOwner(database.sql, async (trx) => {
        await sql`update audit_log set details = '{"rewritten":true}' where id = ${id(1)}`.execute(
          trx,
        );
        let prevHash = entries[0]!.hash;
        for (const row of await readAuditBatch(trx, { after: id(0), through: id(3), limit: 10 })) {
          const hash = auditEntryHash(prevHash, row);
          await sql`update audit_log set prev_hash = ${prevHash}, hash = ${hash} where id = ${row.id}`.execute(
            trx,
          );
          prevHash = hash;
        }
      });
      assert.equal((await audit.verify()).ok, true);
      // …the checkpoint kept elsewhere is not.
      assert.deepEqual(await audit.verify({ checkpoint }), {
        ok: false,
        brokenAt: id(3),
        reason: 'checkpoint-mismatch',
      });

      await asTableOwner(database.sql, (trx) =>
        sql`delete from audit_log where id = ${id(3)}`.execute(trx),
      );
      assert.equal((await audit.verify()).ok, true);
      assert.deepEqual(await audit.verify({ checkpoint }), {
        ok: false,
        brokenAt: id(3),
        reason: 'checkpoint-missing',
      });
    });
  });
}
