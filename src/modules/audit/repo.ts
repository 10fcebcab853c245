// Audit persistence. Like every repository it takes the handle to run on;
// appending needs a transaction handle, because the lock that serialises the
// chain lives exactly as long as the transaction.

import { sql } from 'kysely';
import type { Kysely, Transaction } from 'kysely';
import type { AuditTables } from './tables.ts';
import { auditEntryHash, GENESIS_HASH } from './chain.ts';
import type { ChainedAuditEntry, JsonObject } from './chain.ts';
import type { AuditEntry, AuditOutcome } from './schemas.ts';

/**
 * The advisory-lock key of the audit chain: arbitrary, fixed, and distinct
 * from the migrator's. Every instance must use the same value.
 */
export const AUDIT_CHAIN_LOCK_KEY = '5177013902684211733';

export interface AppendAuditEntry {
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly actorId?: string | null | undefined;
  readonly actorIp?: string | null | undefined;
  readonly targetType?: string | null | undefined;
  readonly targetId?: string | null | undefined;
  readonly details?: JsonObject | undefined;
  /** Default: the database clock, truncated to milliseconds (what a JS Date holds). */
  readonly occurredAt?: Date | undefined;
}

/**
 * Appends one entry to the chain inside the caller's transaction and returns
 * it as stored. Commit makes it permanent; rollback takes it back, and the
 * chain stays whole either way.
 *
 * Appends are serialised by `pg_advisory_xact_lock`: whoever holds it reads
 * the head, takes the next id and inserts; the next appender waits until that
 * transaction ends, so it always sees the new head (each read-committed
 * statement takes a fresh snapshot). The lock is held until the transaction
 * ends, which serialises every audited transaction from this call on: call it
 * as late in the transaction as possible.
 *
 * The id is part of the hash, so it is drawn from the identity sequence
 * before the insert (`nextval`, then `overriding system value`) rather than
 * left out. Hashing the id binds each entry to the number people cite
 * ("audit entry 4711") and lets verification walk the chain in id order; the
 * alternative — insert, then set the hash — needs an UPDATE, which the
 * append-only trigger forbids. Ids drawn under the lock also increase in
 * chain order, so committed ids always form a prefix of the chain: gaps come
 * only from rolled-back appends, and a reader paging by id never misses a
 * row that commits later.
 */
export async function appendAudit(
  trx: Transaction<AuditTables>,
  entry: AppendAuditEntry,
): Promise<AuditEntry> {
  if (!trx.isTransaction) {
    throw new Error('appendAudit needs a transaction handle (its lock ends with the transaction)');
  }
  const locked = await sql<{ isolation: string }>`
    select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY}::bigint)::text as locked,
           current_setting('transaction_isolation') as isolation`.execute(trx);
  const isolation = locked.rows[0]?.isolation;
  if (isolation !== 'read committed') {
    // Under repeatable read or serializable the snapshot may predate the
    // lock, so the head read below could be stale and fork the chain (the
    // unique prev_hash constraint would then refuse the insert).
    throw new Error(`appendAudit needs read committed isolation, not ${isolation}`);
  }
  // A new statement, so a new snapshot: it sees every append committed
  // before the lock was granted.
  const next = await sql<{ id: string; now: Date; head: string | null }>`
    select nextval(pg_get_serial_sequence('audit_log', 'id'))::text as id,
           date_trunc('milliseconds', clock_timestamp()) as now,
           (select hash from audit_log order by id desc limit 1) as head`.execute(trx);
  const row = next.rows[0]!;
  const chained: ChainedAuditEntry = withHash(row.head ?? GENESIS_HASH, {
    id: row.id,
    occurredAt: entry.occurredAt ?? row.now,
    actorId: entry.actorId ?? null,
    actorIp: entry.actorIp ?? null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    outcome: entry.outcome,
    details: entry.details ?? {},
  });
  await sql`
    insert into audit_log (id, occurred_at, actor_id, actor_ip, action, target_type, target_id,
                           outcome, details, prev_hash, hash)
    overriding system value
    values (${chained.id}::bigint, ${chained.occurredAt}, ${chained.actorId}, ${chained.actorIp},
            ${chained.action}, ${chained.targetType}, ${chained.targetId}, ${chained.outcome},
            ${JSON.stringify(chained.details)}::jsonb, ${chained.prevHash}, ${chained.hash})`.execute(
    trx,
  );
  return toAuditEntry(chained);
}

function withHash(prevHash: string, fields: Omit<ChainedAuditEntry, 'prevHash' | 'hash'>) {
  if (Number.isNaN(fields.occurredAt.getTime()))
    throw new RangeError('occurredAt is not a valid date');
  return { ...fields, prevHash, hash: auditEntryHash(prevHash, fields) };
}

const COLUMNS = [
  'id',
  'occurred_at',
  'actor_id',
  'actor_ip',
  'action',
  'target_type',
  'target_id',
  'outcome',
  'details',
  'prev_hash',
  'hash',
] as const;

type AuditRow = {
  id: string;
  occurred_at: Date;
  actor_id: string | null;
  actor_ip: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: AuditOutcome;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
};

function fromRow(row: AuditRow): ChainedAuditEntry {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    actorId: row.actor_id,
    actorIp: row.actor_ip,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    outcome: row.outcome,
    // jsonb comes back parsed, and a check constraint keeps it an object.
    details: row.details as JsonObject,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toAuditEntry(entry: ChainedAuditEntry): AuditEntry {
  return {
    id: entry.id,
    occurredAt: entry.occurredAt.toISOString(),
    actorId: entry.actorId,
    actorIp: entry.actorIp,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    outcome: entry.outcome,
    details: entry.details,
    hash: entry.hash,
  };
}

/** Newest first: up to `limit` entries with id below `before`, of one action if given. */
export async function listAuditEntries(
  db: Kysely<AuditTables>,
  query: { limit: number; before?: string | undefined; action?: string | undefined },
): Promise<AuditEntry[]> {
  let select = db.selectFrom('audit_log').select(COLUMNS);
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  if (query.action !== undefined) select = select.where('action', '=', query.action);
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => toAuditEntry(fromRow(row)));
}

/** The newest entry's id, or undefined for an empty log. */
export async function auditHeadId(db: Kysely<AuditTables>): Promise<string | undefined> {
  const row = await db
    .selectFrom('audit_log')
    .select('id')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}

/** Up to `limit` entries with `after` < id ≤ `through`, in id (chain) order, with their hashes. */
export async function readAuditBatch(
  db: Kysely<AuditTables>,
  range: { after: string; through: string; limit: number },
): Promise<ChainedAuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(COLUMNS)
    .where('id', '>', range.after)
    .where('id', '<=', range.through)
    .orderBy('id')
    .limit(range.limit)
    .execute();
  return rows.map(fromRow);
}
