// Percentage rollout needs each user to land in the same bucket on every
// instance and every evaluation, with no state: the bucket is a hash of the
// flag key and the user id. Hashing the key too makes buckets independent
// across flags, so the 10 % who get one experiment are not the same 10 %
// who get every other.

import { createHash } from 'node:crypto';

/** Buckets of 0.01 %: rollout weights are in basis points. */
export const BUCKETS = 10_000;

/** 0..9999, the same for one (flag, user) pair everywhere. */
export function bucketOf(flagKey: string, targetingKey: string): number {
  const digest = createHash('sha256').update(`${flagKey}\u0000${targetingKey}`).digest();
  // 2^32 is not a multiple of 10,000: the first 7,296 buckets are one part
  // in 429,497 likelier than the others, far below what a rollout can notice.
  return digest.readUInt32BE(0) % BUCKETS;
}
