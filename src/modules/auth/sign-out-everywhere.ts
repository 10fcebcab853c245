// After a password reset, a role change or an account deletion, every way the
// user was signed in ends: refresh-token families and cookie sessions. Access
// tokens already issued live out their short TTL (they are not looked up).

import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { revokeAllForUser } from './refresh-repo.ts';
import { revokeSessionsOfUser } from './session-repo.ts';

export async function signOutEverywhere(
  db: Kysely<Database>,
  userId: string,
  at: Date,
  options: { exceptSessionId?: string } = {},
): Promise<void> {
  await revokeAllForUser(db, userId, at);
  await revokeSessionsOfUser(db, userId, at, options.exceptSessionId);
}
