// After a password reset, a role change or an account deletion, every way the
// user was signed in ends, in two steps around the transaction that makes the
// change:
//  1. Inside it, `endRefreshTokens`: refresh-token families are rows beside
//     the change and are revoked atomically with it.
//  2. After it commits, `SessionRevoker.revokeAllOfUser` (the session store,
//     handed to the service by the composition root): browser sessions may
//     live in Redis, outside any transaction. After, not before: a sign-in
//     racing the change then either sees the changed user or is ended by
//     this step (see kv-session-store.ts). If this step fails, the call
//     rejects: the change itself stands, but a sign-out that did not happen
//     must not be reported as done.
// Access tokens already issued live out their short TTL (they are not looked up).

import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { revokeAllForUser } from './refresh-repo.ts';

export type { SessionRevoker } from './session-store.ts';

/** Step 1, inside the transaction that makes the change. */
export async function endRefreshTokens(
  trx: Kysely<Database>,
  userId: string,
  at: Date,
): Promise<void> {
  await revokeAllForUser(trx, userId, at);
}
