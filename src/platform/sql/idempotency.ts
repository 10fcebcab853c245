// Idempotent unsafe requests (seed module 09: "POST /orders with an
// Idempotency-Key"). The key's row is inserted in the same transaction as the
// effect and carries the response, so:
// - a retry with the same key and the same request gets the stored response
//   (marked replayed) and causes nothing;
// - the same key with a different request is refused (422): the client has a
//   bug, and guessing which request it meant would be worse;
// - concurrent requests with one key cannot both act: the second insert
//   waits on the primary key until the first transaction ends, then finds
//   the committed row (or, if the first rolled back, acts itself);
// - a request that failed stores nothing, so a retry runs it again.
// Keys are scoped (per user and operation) and expire after the TTL.

import { createHash } from 'node:crypto';
import type { ColumnType, Transaction } from 'kysely';
import { defineErrors, errorFactory } from '../../errors/index.ts';
import type { SqlDatabase } from '../../ports/sql.ts';

/** The keys with their stored responses (migrations/0006_idempotency.sql). */
export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number;
  /** jsonb: written as JSON text. */
  headers: ColumnType<Record<string, string>, string, string>;
  body: ColumnType<unknown, string | null, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  expires_at: Date;
}

export type IdempotencyTables = {
  idempotency_keys: IdempotencyKeysTable;
};

export const idempotencyErrors = defineErrors({
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key already used for a different request',
    level: 'info',
  },
});

const idempotencyError = errorFactory(idempotencyErrors);

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface IdempotencyKey {
  /** Who and what the key belongs to, e.g. `user:42:POST /api/v1/orders`. */
  readonly scope: string;
  /** The client's Idempotency-Key. */
  readonly key: string;
  /** The request as the handler sees it (validated input); compared by hash. */
  readonly request: unknown;
  readonly ttlMs?: number;
  readonly now?: () => Date;
}

export async function runIdempotent<DB extends IdempotencyTables>(
  sql: SqlDatabase<DB>,
  idempotency: IdempotencyKey,
  fn: (trx: Transaction<DB>) => Promise<StoredResponse>,
): Promise<StoredResponse & { readonly replayed: boolean }> {
  const requestHash = hashRequest(idempotency.request);
  const ttlMs = idempotency.ttlMs ?? IDEMPOTENCY_TTL_MS;
  return sql.withTransaction(async (callerTrx) => {
    // The caller's transaction, typed with the keys' table: DB has it (the
    // constraint says so), but Kysely's types cannot see that through a generic.
    const trx = callerTrx as unknown as Transaction<IdempotencyTables>;
    const at = idempotency.now?.() ?? new Date();
    const { scope, key } = idempotency;
    // An expired key is free again.
    await trx
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('expires_at', '<=', at)
      .execute();
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({
        scope,
        key,
        request_hash: requestHash,
        status_code: 0,
        headers: '{}',
        body: null,
        created_at: at,
        expires_at: new Date(at.getTime() + ttlMs),
      })
      .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (claimed === undefined) {
      const stored = await trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'headers', 'body'])
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (stored.request_hash !== requestHash) {
        throw idempotencyError('IDEMPOTENCY_KEY_REUSED', {
          detail: 'this Idempotency-Key was used with a different request; use a new key',
        });
      }
      return {
        status: stored.status_code,
        headers: stored.headers,
        body: stored.body,
        replayed: true,
      };
    }
    const response = await fn(callerTrx);
    await trx
      .updateTable('idempotency_keys')
      .set({
        status_code: response.status,
        headers: JSON.stringify(response.headers),
        body: response.body === undefined ? null : JSON.stringify(response.body),
      })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
    return { ...response, replayed: false };
  });
}

/** SHA-256 of the request as canonical JSON (object keys sorted), so key order does not matter. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Removes expired keys; run from a periodic job. */
export async function purgeExpiredIdempotencyKeys(
  sql: SqlDatabase<IdempotencyTables>,
  at: Date = new Date(),
): Promise<number> {
  const result = await sql.db
    .deleteFrom('idempotency_keys')
    .where('expires_at', '<=', at)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
