// Browser sessions in the key-value store: the SessionStore chosen with
// REDIS_URL (see session-store.ts for why, and for what every store
// promises). Keys, under the store's prefix:
//
//   session:token:<token hash>   the session (JSON). TTL: until it would be
//                                idle or past its absolute expiry, whichever
//                                is first; moved on by each touch.
//   session:id:<id>              the pointer from the session's id: its token
//                                hash, owner and generation. TTL: absolute.
//   session:revoked:<id>         a tombstone, from sign-out until the
//                                session's absolute expiry.
//   session:generation:<user>:<epoch>   the user's generation counter.
//
// A lookup reads the session, then its pointer, counter and tombstone in one
// round trip; all four must agree. Design points:
// - Revocation is final: the tombstone is written once and nothing but its
//   TTL removes it, so a touch racing a sign-out (which rewrites the
//   session) cannot bring the session back.
// - "Revoke all of a user's sessions" without a set listing them: every
//   session records the user's generation when it starts, revokeAllOfUser
//   moves the counter, and a session whose generation is not the counter's
//   value is dead. The kept session (`exceptSessionId`) is re-stamped with
//   the new value — only if it held the value just replaced, so a session
//   another revocation had already ended stays ended.
// - Counters can vanish (eviction, a restart). A missing counter means dead,
//   never "generation 0"; a counter starts at a random value and moves by
//   random steps, so a re-created one does not land on a value an ended
//   session recorded.
// - Counters expire without ever being refreshed: one per 90-day epoch (the
//   longest SESSION_TTL_S), living until the last session started in that
//   epoch has expired. A live session was started in the current or the
//   previous epoch, so revoking moves those two counters.
// - The role is read once, at sign-in, after the generation: a role change
//   (or deletion) that commits before the read is seen, and one that commits
//   after it moves the counter past the generation this session records.

import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from '../../ports/kv.ts';
import { ROLES, type Role } from '../users/rbac.ts';
import type { LiveSession, SessionStore, SessionStoreOptions } from './session-store.ts';

/** At least the longest session lifetime the configuration allows (SESSION_TTL_S ≤ 90 days). */
export const GENERATION_EPOCH_MS = 90 * 86_400_000;
/** Counters start below this (random), and move by random steps below STEP_LIMIT. */
const SEED_LIMIT = 2 ** 47;
const STEP_LIMIT = 2 ** 32;

export interface KvSessionStoreOptions extends SessionStoreOptions {
  readonly kv: KeyValueStore;
  /** The user's role now; undefined for a deleted or unknown user (no session is stored). */
  readonly roleOf: (userId: string) => Promise<Role | undefined>;
}

/** The store's key names (for tests and operators: `redis-cli --scan --pattern '<prefix>session:*'`). */
export const kvSessionKeys = {
  token: (tokenHash: string) => `session:token:${tokenHash}`,
  pointer: (id: string) => `session:id:${id}`,
  tombstone: (id: string) => `session:revoked:${id}`,
  generation: (userId: string, epoch: number) => `session:generation:${userId}:${epoch}`,
};

const storedSession = z.object({
  v: z.literal(1),
  id: z.string(),
  userId: z.string(),
  role: z.enum(ROLES),
  epoch: z.number().int(),
  createdAt: z.number(),
  lastSeenAt: z.number(),
  expiresAt: z.number(),
  ip: z.string(),
  userAgent: z.string().optional(),
});

const storedPointer = z.object({
  v: z.literal(1),
  tokenHash: z.string(),
  userId: z.string(),
  epoch: z.number().int(),
  generation: z.number().int(),
  expiresAt: z.number(),
});

/** A stored value, or undefined when missing or not what this version writes (treated as absent). */
function decode<T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined {
  if (raw === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

const epochOf = (ms: number) => Math.floor(ms / GENERATION_EPOCH_MS);

export function createKvSessionStore(options: KvSessionStoreOptions): SessionStore {
  const { kv, roleOf } = options;
  const keys = kvSessionKeys;
  const idleMs = options.idleSeconds * 1000;
  /** A counter lives until every session started in its epoch has expired. */
  const counterTtlMs = (epoch: number, at: number) => (epoch + 2) * GENERATION_EPOCH_MS - at;

  /** The user's generation for sessions started in `epoch`, creating the counter if missing. */
  async function currentGeneration(userId: string, epoch: number, at: number): Promise<number> {
    const key = keys.generation(userId, epoch);
    // Another sign-in may create it between the two calls; then read theirs.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const current = await kv.get(key);
      if (current !== undefined) return Number(current);
      const seed = randomInt(1, SEED_LIMIT);
      if (await kv.setIfAbsent(key, String(seed), { ttlMs: counterTtlMs(epoch, at) })) return seed;
    }
    throw new Error(`the session generation counter ${key} could not be read`);
  }

  return {
    async insert(session) {
      const createdAt = session.createdAt.getTime();
      const expiresAt = session.expiresAt.getTime();
      const lifetimeMs = expiresAt - createdAt;
      if (!(lifetimeMs > 0 && lifetimeMs <= GENERATION_EPOCH_MS)) {
        throw new RangeError(`a session must last between 0 and 90 days, not ${lifetimeMs} ms`);
      }
      const epoch = epochOf(createdAt);
      const generation = await currentGeneration(session.userId, epoch, createdAt);
      // After the generation (see the header): the role cannot be older than the generation.
      const role = await roleOf(session.userId);
      if (role === undefined) return;
      const stored: z.infer<typeof storedSession> = {
        v: 1,
        id: session.id,
        userId: session.userId,
        role,
        epoch,
        createdAt,
        lastSeenAt: createdAt,
        expiresAt,
        ip: session.ip,
        // Bounded: the header is client-controlled.
        ...(session.userAgent === undefined ? {} : { userAgent: session.userAgent.slice(0, 256) }),
      };
      const pointer: z.infer<typeof storedPointer> = {
        v: 1,
        tokenHash: session.tokenHash,
        userId: session.userId,
        epoch,
        generation,
        expiresAt,
      };
      await Promise.all([
        kv.set(keys.pointer(session.id), JSON.stringify(pointer), { ttlMs: lifetimeMs }),
        kv.set(keys.token(session.tokenHash), JSON.stringify(stored), {
          ttlMs: Math.min(lifetimeMs, idleMs),
        }),
      ]);
    },

    async find(tokenHash, atDate) {
      const at = atDate.getTime();
      const stored = decode(storedSession, await kv.get(keys.token(tokenHash)));
      if (stored === undefined || stored.expiresAt <= at || at - stored.lastSeenAt > idleMs) {
        return undefined;
      }
      const [rawPointer, generation, tombstone] = await kv.getMany([
        keys.pointer(stored.id),
        keys.generation(stored.userId, stored.epoch),
        keys.tombstone(stored.id),
      ]);
      const pointer = decode(storedPointer, rawPointer);
      if (
        pointer === undefined ||
        pointer.tokenHash !== tokenHash ||
        pointer.userId !== stored.userId ||
        generation === undefined ||
        Number(generation) !== pointer.generation ||
        tombstone !== undefined
      ) {
        return undefined;
      }
      return {
        id: stored.id,
        tokenHash,
        userId: stored.userId,
        role: stored.role,
        lastSeenAt: new Date(stored.lastSeenAt),
        expiresAt: new Date(stored.expiresAt),
      } satisfies LiveSession;
    },

    async touch(session, atDate) {
      const at = atDate.getTime();
      const key = keys.token(session.tokenHash);
      const stored = decode(storedSession, await kv.get(key));
      if (stored === undefined || stored.id !== session.id) return;
      // An idle session stays dead.
      if (at - stored.lastSeenAt > idleMs) return;
      // Read-modify-write: a racing touch may win with a moment-older time
      // (harmless), a racing sign-out is final anyway (the tombstone).
      const lastSeenAt = Math.max(stored.lastSeenAt, at);
      const ttlMs = Math.min(stored.expiresAt, lastSeenAt + idleMs) - at;
      if (ttlMs <= 0) return;
      await kv.set(key, JSON.stringify({ ...stored, lastSeenAt }), { ttlMs });
    },

    async revoke(sessionId, atDate) {
      const pointer = decode(storedPointer, await kv.get(keys.pointer(sessionId)));
      if (pointer === undefined) return;
      const remainingMs = pointer.expiresAt - atDate.getTime();
      if (remainingMs > 0) await kv.set(keys.tombstone(sessionId), '1', { ttlMs: remainingMs });
      await kv.delete([keys.token(pointer.tokenHash), keys.pointer(sessionId)]);
    },

    async revokeAllOfUser(userId, atDate, revokeOptions = {}) {
      const at = atDate.getTime();
      const current = epochOf(at);
      const moves = await Promise.all(
        [current - 1, current].map(async (epoch) => {
          const step = randomInt(1, STEP_LIMIT);
          const key = keys.generation(userId, epoch);
          const value = await kv.increment(key, step, { ttlMs: counterTtlMs(epoch, at) });
          return { epoch, previous: value - step, value };
        }),
      );
      const keep = revokeOptions.exceptSessionId;
      if (keep === undefined) return;
      const pointer = decode(storedPointer, await kv.get(keys.pointer(keep)));
      const move = moves.find((candidate) => candidate.epoch === pointer?.epoch);
      // Only a session of this user that was live until this call is kept.
      if (pointer === undefined || pointer.userId !== userId || move === undefined) return;
      if (pointer.generation !== move.previous) return;
      const generation = move.value;
      const remainingMs = pointer.expiresAt - at;
      if (remainingMs <= 0) return;
      await kv.set(keys.pointer(keep), JSON.stringify({ ...pointer, generation }), {
        ttlMs: remainingMs,
      });
    },
  };
}
