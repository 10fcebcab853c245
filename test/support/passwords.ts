// The password-hash cost tests run with. The suites register and sign in
// thousands of accounts, and at the production cost (argon2id, 64 MiB, three
// passes) each hash or verification is a few hundred milliseconds of a core.
// What a test checks about passwords does not depend on the cost, so the
// services, processes and seeded databases of the tests use a small one;
// test/auth/auth-flow.test.ts and passwords.test.ts check the real default.

import { createPasswordHasher } from '../../src/modules/users/passwords.ts';
import type { PasswordHashCost } from '../../src/platform/password-cost.ts';

export const TEST_PASSWORD_HASH_COST: PasswordHashCost = Object.freeze({
  memoryKib: 4 * 1024,
  timeCost: 1,
});

/** The same cost as configuration, for a service's environment. */
export const TEST_PASSWORD_HASH_ENV: Readonly<Record<string, string>> = Object.freeze({
  PASSWORD_HASH_MEMORY_KIB: String(TEST_PASSWORD_HASH_COST.memoryKib),
  PASSWORD_HASH_TIME_COST: String(TEST_PASSWORD_HASH_COST.timeCost),
});

/** What a service started with TEST_PASSWORD_HASH_ENV (and no pepper) hashes with. */
export const testPasswordHasher = createPasswordHasher({ cost: TEST_PASSWORD_HASH_COST });
