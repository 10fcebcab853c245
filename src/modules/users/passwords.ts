// Password hashing: argon2id with a per-hash random salt (the library
// generates it), p = 1, and a configurable cost: m = 64 MiB, t = 3 unless
// PASSWORD_HASH_MEMORY_KIB / PASSWORD_HASH_TIME_COST say otherwise. An
// optional pepper — a server-side secret kept out of the database — is mixed
// in as argon2's secret input, so a stolen database alone is not enough to
// test guesses. A stored hash records its own parameters, so every hash
// verifies whatever the current cost; one made with another cost is
// upgraded at the next sign-in (auth/service.ts, needsRehash).

import argon2 from 'argon2';
import { DEFAULT_PASSWORD_HASH_COST, type PasswordHashCost } from '../../platform/password-cost.ts';

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time inside argon2; false for any malformed hash instead of throwing. */
  verify(hash: string, password: string): Promise<boolean>;
  /** Whether a (valid) stored hash was made with other parameters than this hasher's. */
  needsRehash(hash: string): boolean;
}

export interface PasswordHasherOptions {
  readonly cost?: PasswordHashCost | undefined;
  readonly pepper?: string | undefined;
}

export function createPasswordHasher(options: PasswordHasherOptions = {}): PasswordHasher {
  const cost = options.cost ?? DEFAULT_PASSWORD_HASH_COST;
  const parameters = Object.freeze({
    type: argon2.argon2id,
    memoryCost: cost.memoryKib,
    timeCost: cost.timeCost,
    parallelism: 1,
  });
  const secret =
    options.pepper === undefined ? {} : { secret: Buffer.from(options.pepper, 'utf8') };
  return {
    hash: (password) => argon2.hash(password, { ...parameters, ...secret }),
    async verify(hash, password) {
      try {
        return await argon2.verify(hash, password, secret);
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => argon2.needsRehash(hash, parameters),
  };
}

/** The hasher the configuration's `security` settings ask for. */
export function configuredPasswordHasher(security: {
  readonly pepper?: string | undefined;
  readonly passwordHashMemoryKib: number;
  readonly passwordHashTimeCost: number;
}): PasswordHasher {
  return createPasswordHasher({
    cost: { memoryKib: security.passwordHashMemoryKib, timeCost: security.passwordHashTimeCost },
    pepper: security.pepper,
  });
}
