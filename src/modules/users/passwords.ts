// Password hashing: argon2id with the seed's parameters (m = 64 MiB, t = 3,
// p = 1) and a per-hash random salt (the library generates it). An optional
// pepper — a server-side secret kept out of the database — is mixed in as
// argon2's secret input, so a stolen database alone is not enough to test guesses.

import argon2 from 'argon2';

export const PASSWORD_HASH_PARAMETERS = Object.freeze({
  type: argon2.argon2id,
  memoryCost: 64 * 1024, // KiB
  timeCost: 3,
  parallelism: 1,
});

export function hashPassword(password: string, pepper?: string): Promise<string> {
  return argon2.hash(password, {
    ...PASSWORD_HASH_PARAMETERS,
    ...(pepper === undefined ? {} : { secret: Buffer.from(pepper, 'utf8') }),
  });
}

/** Constant-time inside argon2; false for any malformed hash instead of throwing. */
export async function verifyPassword(
  hash: string,
  password: string,
  pepper?: string,
): Promise<boolean> {
  try {
    return await argon2.verify(hash, password, {
      ...(pepper === undefined ? {} : { secret: Buffer.from(pepper, 'utf8') }),
    });
  } catch {
    return false;
  }
}
