// What the users service needs from the outside, as interfaces: ending every
// sign-in of a user whose account is deleted or whose role changes. The auth
// module implements it (auth/sign-out-everywhere.ts); the composition root
// passes it in, so users never imports auth.

import type { Kysely, Transaction } from 'kysely';
import type { UsersDatabase } from './tables.ts';

export interface SignOutRequest {
  readonly userId: string;
  /** The instant of the change. */
  readonly at: Date;
  /** The caller's own session, kept (a password change from a browser). */
  readonly exceptSessionId?: string | undefined;
}

export interface SignOutEverywhere {
  /** Step 1, inside the transaction that makes the change: revokes the refresh tokens. */
  endRefreshTokens(trx: Kysely<UsersDatabase>, userId: string, at: Date): Promise<void>;
  /** Step 1: records the sign-out in the caller's transaction; resolves with its id. */
  request(trx: Transaction<UsersDatabase>, request: SignOutRequest): Promise<string>;
  /**
   * Step 2, after the commit: ends the sessions and forgets the request.
   * Never rejects: on failure the event's job finishes it later.
   */
  finish(revocationId: string): Promise<void>;
}
