// The audit log's hash chain, as pure functions. Each entry's hash is
//
//   hash = sha256_hex(prev_hash + '\n' + canonicalJson(fields))
//
// where `fields` holds every column except the two hashes — id and
// occurred_at included — and the first entry's prev_hash is 64 zeros. Editing
// any field changes that entry's hash; deleting, reordering or slipping in an
// entry breaks the prev_hash link of the entry after it. What a chain alone
// cannot show is a rewrite of everything from some entry to the end (SHA-256
// has no key) or a cut-off tail: for that, keep the head ({ id, hash } from
// verify()) somewhere the database's administrators cannot write, and pass
// it back as a checkpoint.

import { createHash } from 'node:crypto';

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted recursively and no whitespace, so equal
 * values always hash equally — here, the object built before the insert and
 * the one read back from jsonb (which keeps its own key order). Keys sort by
 * UTF-16 code units and numbers and strings print as JSON.stringify prints
 * them, as in RFC 8785 (JCS) §3.2.2–3.2.3. Values JSON cannot represent
 * faithfully (undefined, NaN, Infinity, bigint, class instances such as
 * Date, cycles) throw a TypeError rather than being silently dropped or
 * converted, which would make the stored value differ from the hashed one.
 */
export function canonicalJson(value: unknown): string {
  return serialise(value, new Set());
}

function serialise(value: unknown, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${value} is not JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (ancestors.has(value)) throw new TypeError('canonicalJson: circular structure');
      ancestors.add(value);
      try {
        return Array.isArray(value)
          ? serialiseArray(value, ancestors)
          : serialiseObject(value, ancestors);
      } finally {
        ancestors.delete(value);
      }
    }
    default:
      throw new TypeError(`canonicalJson: a ${typeof value} is not JSON`);
  }
}

function serialiseArray(items: readonly unknown[], ancestors: Set<object>): string {
  const parts: string[] = [];
  // An index loop, not map(): holes in sparse arrays must throw, not vanish.
  for (let index = 0; index < items.length; index += 1) {
    parts.push(serialise(items[index], ancestors));
  }
  return `[${parts.join(',')}]`;
}

function serialiseObject(object: object, ancestors: Set<object>): string {
  const prototype = Object.getPrototypeOf(object) as unknown;
  if (prototype !== Object.prototype && prototype !== null) {
    throw new TypeError('canonicalJson: only plain objects and arrays are JSON');
  }
  const record = object as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${serialise(record[key], ancestors)}`);
  return `{${members.join(',')}}`;
}

/** Every audit_log column but the hashes: exactly what an entry's hash covers. */
export interface AuditHashedFields {
  readonly id: string;
  readonly occurredAt: Date;
  readonly actorId: string | null;
  readonly actorIp: string | null;
  readonly action: string;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly outcome: 'success' | 'failure' | 'denied';
  readonly details: JsonObject;
}

export function auditEntryHash(prevHash: string, fields: AuditHashedFields): string {
  // Rebuilt field by field so the hash covers exactly these names, whatever
  // else the caller's object carries; null stays null (absent ≠ empty).
  const canonical = canonicalJson({
    id: fields.id,
    occurredAt: fields.occurredAt.toISOString(),
    actorId: fields.actorId,
    actorIp: fields.actorIp,
    action: fields.action,
    targetType: fields.targetType,
    targetId: fields.targetId,
    outcome: fields.outcome,
    details: fields.details,
  });
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

export interface ChainedAuditEntry extends AuditHashedFields {
  readonly prevHash: string;
  readonly hash: string;
}

/** Why verification stopped at an entry. */
export type ChainBreak =
  /** The entry's content does not hash to its stored hash: it was edited. */
  | 'hash-mismatch'
  /**
   * The entry does not point at the entry before it: something was deleted
   * before it, entries were reordered, or it was inserted outside the chain.
   */
  | 'prev-hash-mismatch'
  /** The entry named by the checkpoint has a different hash: rewritten. */
  | 'checkpoint-mismatch'
  /** The entry named by the checkpoint is gone: the tail was cut off. */
  | 'checkpoint-missing';

/**
 * Checks entries one at a time in id order, holding only the previous hash,
 * so a chain of any length is verified in constant memory.
 */
export class ChainVerifier {
  #previousHash = GENESIS_HASH;
  #count = 0;

  get count(): number {
    return this.#count;
  }

  /** The hash of the last entry accepted (the genesis value before any). */
  get lastHash(): string {
    return this.#previousHash;
  }

  /** Undefined when `entry` extends the chain; the break otherwise. */
  accept(entry: ChainedAuditEntry): ChainBreak | undefined {
    if (entry.prevHash !== this.#previousHash) return 'prev-hash-mismatch';
    if (auditEntryHash(entry.prevHash, entry) !== entry.hash) return 'hash-mismatch';
    this.#previousHash = entry.hash;
    this.#count += 1;
    return undefined;
  }
}
