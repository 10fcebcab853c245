// Argument checks both key-value adapters share, so a bad TTL or increment
// fails the same way in development (memory) as in production (Redis), and
// before anything reaches the server.

/** A TTL as whole milliseconds: positive and finite, fractions rounded up. */
export function ttlMillis(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  }
  return Math.ceil(ttlMs);
}

/** An increment step: a safe integer (Redis INCRBY takes integers only). */
export function incrementStep(by: number): number {
  if (!Number.isSafeInteger(by)) {
    throw new RangeError(`increment step must be a safe integer, got ${by}`);
  }
  return by;
}
