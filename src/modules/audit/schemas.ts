// The audit log's shapes: what callers record, what comes back, how to page.
// 64-bit ids travel as strings, timestamps as ISO-8601 UTC.

import { z } from 'zod';
import { bigintId, pgText } from '../../platform/sql/pg-values.ts';
import type { JsonObject } from './chain.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

export const auditOutcome = z.enum(['success', 'failure', 'denied']);
export type AuditOutcome = z.infer<typeof auditOutcome>;

/** Longest action, actor, target type or target id an entry holds. */
export const AUDIT_LABEL_MAX = 200;

const label = pgText().min(1).max(AUDIT_LABEL_MAX);

/**
 * `details` must be a JSON object of plain JSON values: it is hashed as
 * canonical JSON before it is stored, and anything jsonb would store
 * differently (undefined members, NaN, Dates) would break verification.
 */
export const auditDetails = z
  .record(z.string(), z.json())
  .transform((value) => value as JsonObject);

export const auditEntryInput = z.strictObject({
  /** Dot-separated verb, e.g. `auth.login` or `users.role_changed`. */
  action: label,
  outcome: auditOutcome,
  actorId: label.nullish(),
  actorIp: z.string().max(100).nullish(),
  targetType: label.nullish(),
  targetId: label.nullish(),
  details: auditDetails.optional(),
  /** Default: the database clock when the entry is appended (millisecond precision). */
  occurredAt: z.date().optional(),
});

export type AuditEntryInput = z.input<typeof auditEntryInput>;

export const auditEntry = z
  .strictObject({
    id: z.string(),
    occurredAt: z.iso.datetime(),
    actorId: z.string().nullable(),
    actorIp: z.string().nullable(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    outcome: auditOutcome,
    details: z.record(z.string(), z.json()),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export interface AuditEntry {
  readonly id: string;
  readonly occurredAt: string;
  readonly actorId: string | null;
  readonly actorIp: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly outcome: AuditOutcome;
  readonly details: JsonObject;
  readonly hash: string;
}

const listFilters = {
  /** Keyset cursor: only entries with a smaller id (the previous page's `nextBefore`). */
  before: bigintId.optional(),
  action: label.optional(),
};

/** What the audit service lists by (AuditService.list). */
export const auditListOptions = z.strictObject({
  limit: z.number().int().min(1).max(200).default(50),
  ...listFilters,
});

/** The same, as a query string carries it (GET /api/v1/admin/audit). */
export const auditListQuery = z.strictObject({
  limit: queryInteger(1, 200).default(50),
  ...listFilters,
});

export type AuditListQuery = z.input<typeof auditListOptions>;

export interface AuditPage {
  /** Newest first. */
  readonly entries: readonly AuditEntry[];
  /** Pass as `before` for the next page; undefined on the last page. */
  readonly nextBefore: string | undefined;
}
