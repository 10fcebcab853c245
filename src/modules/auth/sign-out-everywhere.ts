// After a password reset or change, a role change or an account deletion,
// every way the user was signed in ends:
//  1. Inside the transaction that makes the change: refresh-token families
//     are rows beside the change and are revoked with it (`endRefreshTokens`),
//     and `request` writes the sign-out of the browser sessions as a row plus
//     a `user.signed_out_everywhere` outbox event. Both commit with the change
//     or not at all.
//  2. Right after the commit, `finish` ends the sessions in the session store
//     (which may be Redis, outside any transaction) and deletes the row.
//     After, not before: a sign-in racing the change then either sees the
//     changed user or is ended by this step (see kv-session-store.ts).
//  3. If step 2 fails (Redis is down), the request still succeeds — the
//     change is committed and so is the promise to sign out — and a job
//     repeats it with the queue's retries until the store answers: the
//     event's consumer enqueues `auth.sign-out` delayed by `retryDelayMs`.
//     The delay keeps the job from ever running beside step 2 (which takes
//     a few Redis commands, each bounded by REDIS_COMMAND_TIMEOUT_MS): two
//     revocations at once could end the session a password change keeps
//     (kv-session-store.ts re-stamps it only for the revocation it saw). A
//     row that step 2 deleted makes the job a no-op, so a sign-in after a
//     successful sign-out is never ended by a late job.
// Access tokens already issued live out their short TTL (they are not looked up).

import type { Kysely } from 'kysely';
import type { AuthDatabase, AuthTables } from './tables.ts';
import type { Logger } from '../../platform/logger.ts';
import type { JobQueue } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import type { EventHandlers } from '../events/registry.ts';
import { recordEvent } from '../events/outbox.ts';
import type { SignOutEverywhere } from '../users/ports.ts';
import { revokeAllForUser } from './refresh-repo.ts';
import type { SessionRevoker } from './session-store.ts';

export type { SessionRevoker } from './session-store.ts';

/** Step 1, inside the transaction that makes the change: the refresh tokens. */
export async function endRefreshTokens(
  trx: Kysely<AuthDatabase>,
  userId: string,
  at: Date,
): Promise<void> {
  await revokeAllForUser(trx, userId, at);
}

export interface SignOutDeps {
  readonly sql: SqlDatabase<AuthDatabase>;
  readonly sessions: SessionRevoker;
  readonly logger: Logger;
}

export function createSignOutEverywhere(deps: SignOutDeps): SignOutEverywhere {
  return {
    // The users service hands over its own transaction, typed with its own
    // tables; the same transaction, with auth's tables added to its type:
    endRefreshTokens: (trx, userId, at) =>
      endRefreshTokens(trx.$extendTables<AuthTables>(), userId, at),
    async request(usersTrx, request) {
      const trx = usersTrx.$extendTables<AuthTables>();
      const row = await trx
        .insertInto('session_revocations')
        .values({
          user_id: request.userId,
          revoke_at: request.at,
          except_session_id: request.exceptSessionId ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await recordEvent(trx, {
        type: 'user.signed_out_everywhere',
        aggregateId: request.userId,
        data: { userId: request.userId, revocationId: row.id },
      });
      return row.id;
    },

    async finish(revocationId) {
      try {
        await carryOut(deps, revocationId);
      } catch (error) {
        deps.logger.warn(
          { err: error, revocationId },
          'ending sessions failed; the sign-out job will finish it',
        );
      }
    },
  };
}

/** Ends the sessions of a pending sign-out, then deletes it; a no-op once done. */
async function carryOut(deps: Omit<SignOutDeps, 'logger'>, revocationId: string): Promise<void> {
  const pending = await deps.sql.db
    .selectFrom('session_revocations')
    .select(['user_id', 'revoke_at', 'except_session_id'])
    .where('id', '=', revocationId)
    .executeTakeFirst();
  if (pending === undefined) return;
  await deps.sessions.revokeAllOfUser(pending.user_id, pending.revoke_at, {
    exceptSessionId: pending.except_session_id ?? undefined,
  });
  await deps.sql.db.deleteFrom('session_revocations').where('id', '=', revocationId).execute();
}

/**
 * The backstop of step 3: sign-outs still pending after `olderThanMs` (their
 * event's job ran out of attempts during a long outage) are carried out by
 * the maintenance schedule (src/wiring/workers.ts). Resolves with how many.
 */
export async function finishPendingSignOuts(
  deps: Omit<SignOutDeps, 'logger'>,
  options: { readonly olderThanMs: number; readonly limit?: number },
): Promise<number> {
  const pending = await deps.sql.db
    .selectFrom('session_revocations')
    .select('id')
    .where('created_at', '<', new Date(Date.now() - options.olderThanMs))
    .orderBy('created_at')
    .limit(options.limit ?? 100)
    .execute();
  for (const { id } of pending) await carryOut(deps, id);
  return pending.length;
}

/** Step 3's queue: one job per sign-out, keyed by its id. */
export const SIGN_OUT_QUEUE = 'auth.sign-out';

/**
 * Step 3: on the event, a delayed job; the job carries the sign-out out if
 * step 2 did not (a no-op otherwise).
 */
export function onSignedOutEverywhere(
  handlers: EventHandlers,
  deps: Omit<SignOutDeps, 'logger'> & {
    readonly queue: Pick<JobQueue, 'enqueue' | 'process'>;
    /** Longer than step 2 can take (see the header). */
    readonly retryDelayMs: number;
  },
): void {
  handlers.onEvent('user.signed_out_everywhere', async (event) => {
    const { revocationId } = event.data;
    await deps.queue.enqueue(
      SIGN_OUT_QUEUE,
      { revocationId },
      { delayMs: deps.retryDelayMs, idempotencyKey: revocationId },
    );
  });
  deps.queue.process(SIGN_OUT_QUEUE, (job) =>
    carryOut(deps, (job.payload as { revocationId: string }).revocationId),
  );
}
