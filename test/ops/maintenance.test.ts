// The hourly expiry (src/wiring/maintenance.ts `expireRows`) on both engines: rows
// whose time passed go — credentials a day after they expired, idempotency
// keys at once, finished webhook deliveries after the log's retention — and
// everything still live, or inside its margin, stays.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEMO_ACCOUNTS } from '../../src/wiring/seed.ts';
import { expireRows } from '../../src/wiring/maintenance.ts';
import { pruneRelayedEvents } from '../../src/modules/events/relay.ts';
import { ENGINES, type EngineDatabase } from '../support/engines.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

for (const engine of ENGINES) {
  describe(`maintenance: expiry (${engine.name})`, { skip: engine.skip }, () => {
    let database: EngineDatabase;

    before(async () => {
      database = await engine.open();
    });

    after(async () => {
      await database.close();
    });

    test('removes what expired past its margin and keeps the rest', async () => {
      const db = database.sql.db;
      const at = new Date();
      const ago = (ms: number) => new Date(at.getTime() - ms);
      const ahead = (ms: number) => new Date(at.getTime() + ms);
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', DEMO_ACCOUNTS.customer.email)
        .executeTakeFirstOrThrow();

      // Expired two days ago (gone), one hour ago (kept: inside the day), live (kept).
      const expiries = { old: ago(2 * DAY), recent: ago(HOUR), live: ahead(DAY) };
      for (const [label, expiresAt] of Object.entries(expiries)) {
        const createdAt = new Date(expiresAt.getTime() - 7 * DAY);
        await db
          .insertInto('sessions')
          .values({
            id: randomUUID(),
            user_id: user.id,
            token_hash: `session-${label}-${randomUUID()}`,
            created_at: createdAt,
            last_seen_at: createdAt,
            expires_at: expiresAt,
            revoked_at: null,
            ip: null,
            user_agent: null,
          })
          .execute();
        await db
          .insertInto('refresh_tokens')
          .values({
            family_id: randomUUID(),
            user_id: user.id,
            token_hash: `refresh-${label}-${randomUUID()}`,
            created_at: createdAt,
            expires_at: expiresAt,
          })
          .execute();
        await db
          .insertInto('mfa_challenges')
          .values({
            token_hash: `challenge-${label}-${randomUUID()}`,
            user_id: user.id,
            created_at: createdAt,
            expires_at: expiresAt,
          })
          .execute();
        await db
          .insertInto('user_tokens')
          .values({
            user_id: user.id,
            purpose: 'verify_email',
            token_hash: `token-${label}-${randomUUID()}`,
            created_at: createdAt,
            expires_at: expiresAt,
          })
          .execute();
        await db
          .insertInto('oidc_login_attempts')
          .values({
            state_hash: `attempt-${label}-${randomUUID()}`,
            provider: 'acme',
            nonce: 'n',
            code_verifier_ciphertext: 'sealed',
            response_kind: 'session',
            created_at: createdAt,
            expires_at: expiresAt,
            used_at: null,
          })
          .execute();
        await db
          .insertInto('oidc_pending_links')
          .values({
            token_hash: `link-${label}-${randomUUID()}`,
            user_id: user.id,
            provider: 'acme',
            subject: `sub-${label}`,
            email: 'someone@example.com',
            created_at: createdAt,
            expires_at: expiresAt,
            used_at: null,
          })
          .execute();
        await db
          .insertInto('webauthn_ceremonies')
          .values({
            id: `ceremony-${label}-${randomUUID()}`,
            purpose: 'sign_in',
            challenge: 'c',
            user_id: null,
            mfa_token_hash: null,
            created_at: createdAt,
            expires_at: expiresAt,
            used_at: null,
          })
          .execute();
        await db
          .insertInto('idempotency_keys')
          .values({
            scope: 'maintenance-test',
            key: label,
            request_hash: 'h',
            status_code: 201,
            headers: '{}',
            created_at: createdAt,
            expires_at: expiresAt,
          })
          .execute();
      }

      const endpoint = await db
        .insertInto('webhook_endpoints')
        .values({
          id: '900001',
          url: 'https://hooks.example.com/in',
          event_types: ['order.paid'],
          secret_sealed: 'sealed',
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const deliveries = {
        'succeeded, 31 days': { status: 'succeeded', updated: ago(31 * DAY) },
        'dead, 31 days': { status: 'dead', updated: ago(31 * DAY) },
        'pending, 31 days': { status: 'pending', updated: ago(31 * DAY) },
        'succeeded, 1 day': { status: 'succeeded', updated: ago(DAY) },
      } as const;
      for (const [label, { status, updated }] of Object.entries(deliveries)) {
        const row = await db
          .insertInto('webhook_deliveries')
          .values({
            endpoint_id: endpoint.id,
            event_id: randomUUID(),
            event_type: 'order.paid',
            event_occurred_at: updated,
            payload: JSON.stringify({ label }),
            status,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .updateTable('webhook_deliveries')
          .set({ updated_at: updated })
          .where('id', '=', row.id)
          .execute();
      }

      const removed = await expireRows(database.sql, at);
      assert.deepEqual(removed, {
        sessions: 1,
        refresh_tokens: 1,
        mfa_challenges: 1,
        user_tokens: 1,
        oidc_login_attempts: 1,
        oidc_pending_links: 1,
        webauthn_ceremonies: 1,
        // Idempotency keys have no margin: both expired ones go.
        idempotency_keys: 2,
        webhook_deliveries: 2,
      });

      const left = async (
        table: 'sessions' | 'refresh_tokens' | 'mfa_challenges' | 'user_tokens',
      ) =>
        (
          await db
            .selectFrom(table)
            .select('token_hash')
            .where('token_hash', 'like', `%-%-%`)
            .where('user_id', '=', user.id)
            .execute()
        )
          .map((row) => row.token_hash.split('-')[1])
          .filter((label) => label !== undefined && label in expiries)
          .sort();
      for (const table of [
        'sessions',
        'refresh_tokens',
        'mfa_challenges',
        'user_tokens',
      ] as const) {
        assert.deepEqual(await left(table), ['live', 'recent'], table);
      }
      const keys = await db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('scope', '=', 'maintenance-test')
        .execute();
      assert.deepEqual(
        keys.map((row) => row.key),
        ['live'],
      );
      const log = await db
        .selectFrom('webhook_deliveries')
        .select('payload')
        .where('endpoint_id', '=', endpoint.id)
        .execute();
      assert.deepEqual(log.map((row) => (row.payload as { label: string }).label).sort(), [
        'pending, 31 days',
        'succeeded, 1 day',
      ]);

      // Nothing left to do: a second run removes nothing.
      const again = Object.values(await expireRows(database.sql, at));
      assert.ok(again.length > 0 && again.every((count) => count === 0), String(again));
    });

    test('prunes events relayed before the cut-off; unrelayed ones stay whatever their age', async () => {
      const db = database.sql.db;
      const at = new Date();
      const events = {
        'relayed 8 days ago': new Date(at.getTime() - 8 * DAY),
        'relayed 1 hour ago': new Date(at.getTime() - HOUR),
        'never relayed': null,
      };
      const ids: Record<string, string> = {};
      for (const [label, relayedAt] of Object.entries(events)) {
        const row = await db
          .insertInto('outbox')
          .values({
            type: 'order.placed',
            aggregate_id: label,
            payload: JSON.stringify({ label }),
            occurred_at: new Date(at.getTime() - 9 * DAY),
            relayed_at: relayedAt,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids[label] = row.id;
      }
      assert.equal(await pruneRelayedEvents(database.sql, new Date(at.getTime() - 7 * DAY)), 1);
      const left = await db
        .selectFrom('outbox')
        .select('aggregate_id')
        .where('id', 'in', Object.values(ids))
        .execute();
      assert.deepEqual(left.map((row) => row.aggregate_id).sort(), [
        'never relayed',
        'relayed 1 hour ago',
      ]);
    });
  });
}
