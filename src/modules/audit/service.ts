// Audit use cases: record an entry on its own, page through the log, and
// verify the whole chain. Code that audits as part of a larger unit of work
// calls appendAudit(trx, entry) inside its own transaction instead of
// record(), so the entry commits or rolls back with the change it describes.

import type { AuditTables } from './tables.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import { ChainVerifier } from './chain.ts';
import type { ChainBreak } from './chain.ts';
import { appendAudit, auditHeadId, listAuditEntries, readAuditBatch } from './repo.ts';
import { auditEntryInput, auditListOptions } from './schemas.ts';
import type { AuditEntry, AuditEntryInput, AuditListQuery, AuditPage } from './schemas.ts';

/** A known-good head kept outside the database (see chain.ts). */
export interface AuditCheckpoint {
  readonly id: string;
  readonly hash: string;
}

export interface VerifyAuditOptions {
  /** Rows read per query. Default 500. */
  readonly batchSize?: number;
  /** Also require that entry `id` still has hash `hash`. */
  readonly checkpoint?: AuditCheckpoint;
}

export type AuditVerification =
  | {
      readonly ok: true;
      readonly count: number;
      /** The last entry verified: store it elsewhere to use as a checkpoint. */
      readonly head: AuditCheckpoint | undefined;
    }
  | { readonly ok: false; readonly brokenAt: string; readonly reason: ChainBreak };

export interface AuditService {
  /** Appends one entry in a transaction of its own; returns it as stored. */
  record(entry: AuditEntryInput): Promise<AuditEntry>;
  /** Newest first, keyset-paginated by id. */
  list(query?: AuditListQuery): Promise<AuditPage>;
  /** Re-computes every hash in id order; stops at the first break. */
  verify(options?: VerifyAuditOptions): Promise<AuditVerification>;
}

const DEFAULT_BATCH_SIZE = 500;

export function createAuditService(deps: { sql: SqlDatabase<AuditTables> }): AuditService {
  const { sql } = deps;
  return {
    async record(input) {
      const entry = auditEntryInput.parse(input);
      // Explicitly read committed: appendAudit's lock only guarantees a fresh
      // head read at that level, whatever the server's default is.
      return sql.withTransaction((trx) => appendAudit(trx, entry), {
        isolation: 'read committed',
      });
    },

    async list(input = {}) {
      const query = auditListOptions.parse(input);
      // One extra row says whether another page exists without a count(*).
      const rows = await listAuditEntries(sql.reader, { ...query, limit: query.limit + 1 });
      const entries = rows.slice(0, query.limit);
      const nextBefore = rows.length > query.limit ? entries.at(-1)?.id : undefined;
      return { entries, nextBefore };
    },

    async verify(options = {}) {
      const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
      }
      // On the primary, in short separate reads rather than one long
      // transaction (which on PGlite would stall every other query): appends
      // only ever add ids above the head (repo.ts), so pages read at
      // different moments still fit together. Stopping at the head seen at
      // the start keeps a busy log from being chased forever.
      const through = await auditHeadId(sql.db);
      const verifier = new ChainVerifier();
      let checkpointSeen = false;
      let lastId: string | undefined;
      while (through !== undefined) {
        const after = lastId ?? '0';
        const batch = await readAuditBatch(sql.db, { after, through, limit: batchSize });
        for (const entry of batch) {
          const reason = verifier.accept(entry);
          if (reason !== undefined) return { ok: false, brokenAt: entry.id, reason };
          if (entry.id === options.checkpoint?.id) {
            if (entry.hash !== options.checkpoint.hash) {
              return { ok: false, brokenAt: entry.id, reason: 'checkpoint-mismatch' };
            }
            checkpointSeen = true;
          }
          lastId = entry.id;
        }
        if (batch.length < batchSize) break;
      }
      if (options.checkpoint !== undefined && !checkpointSeen) {
        return { ok: false, brokenAt: options.checkpoint.id, reason: 'checkpoint-missing' };
      }
      const head = lastId === undefined ? undefined : { id: lastId, hash: verifier.lastHash };
      return { ok: true, count: verifier.count, head };
    },
  };
}
