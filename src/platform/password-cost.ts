// How much work one password hash costs (argon2id's m and t), apart from the
// hashing itself so that the configuration schema can check a cost without
// loading argon2.

export interface PasswordHashCost {
  /** argon2's m: memory per hash, in KiB. */
  readonly memoryKib: number;
  /** argon2's t: passes over that memory. */
  readonly timeCost: number;
}

/** What the service uses unless configured otherwise. */
export const DEFAULT_PASSWORD_HASH_COST: PasswordHashCost = Object.freeze({
  memoryKib: 64 * 1024,
  timeCost: 3,
});

/**
 * The OWASP Password Storage Cheat Sheet's argon2id configurations (p = 1),
 * which it rates as equally strong: m = 19 MiB with t = 2 is its minimum, and
 * less memory needs more passes. Production refuses to start with a cost
 * that meets none of them.
 */
export const MINIMUM_PRODUCTION_HASH_COSTS: readonly PasswordHashCost[] = Object.freeze([
  { memoryKib: 46 * 1024, timeCost: 1 },
  { memoryKib: 19 * 1024, timeCost: 2 },
  { memoryKib: 12 * 1024, timeCost: 3 },
  { memoryKib: 9 * 1024, timeCost: 4 },
  { memoryKib: 7 * 1024, timeCost: 5 },
]);

export function meetsProductionMinimum(cost: PasswordHashCost): boolean {
  return MINIMUM_PRODUCTION_HASH_COSTS.some(
    (minimum) => cost.memoryKib >= minimum.memoryKib && cost.timeCost >= minimum.timeCost,
  );
}
