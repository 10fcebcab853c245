// The SessionStore contract: one suite both stores pass (SQL on each engine,
// the key-value store in process and on Redis), so cookie sessions behave the
// same whichever one a deployment runs. A store's test is a call:
// `runSessionStoreContract('sql on pglite', open)`.
//
// Time is passed in (`at`), so expiry and idle timeouts are checked at
// chosen instants instead of waited for; the key-value store's real TTLs
// are the key-value tests' business. Every case makes users and sessions of
// its own, so cases run in any order.

import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Role } from '../users/rbac.ts';
import type { LiveSession, SessionStore, SessionStoreOptions } from './session-store.ts';

export interface SessionStoreUnderTest {
  readonly store: SessionStore;
  /** A user the store can hold sessions for; returns its id. */
  addUser(role: Role): Promise<string>;
  /** Deletes the user as the users service does, before any sessions are ended. */
  deleteUser(userId: string): Promise<void>;
  /** Releases what `open` created. */
  close(): Promise<void>;
}

const IDLE_SECONDS = 3600;
const IDLE_MS = IDLE_SECONDS * 1000;
const DAY_MS = 86_400_000;

export function runSessionStoreContract(
  name: string,
  open: (options: SessionStoreOptions) => Promise<SessionStoreUnderTest>,
): void {
  void describe(`SessionStore contract: ${name}`, () => {
    let under: SessionStoreUnderTest | undefined;
    let opening: Promise<unknown> | undefined;

    // `after` waits for the opening itself: node:test may run it before `before` finished.
    before(async () => {
      opening = (async () => {
        under = await open({ idleSeconds: IDLE_SECONDS });
      })();
      await opening;
    });
    after(async () => {
      await opening?.catch(() => undefined);
      await under?.close();
    });

    const store = (): SessionStore => {
      assert.ok(under, 'the store opens in before()');
      return under.store;
    };
    const addUser = (role: Role = 'customer') => under!.addUser(role);

    /** Starts a session for `userId` at `createdAt`; returns its id and token hash. */
    async function start(
      userId: string,
      options: { createdAt?: Date; lifetimeMs?: number } = {},
    ): Promise<{ id: string; tokenHash: string; createdAt: Date; expiresAt: Date }> {
      const createdAt = options.createdAt ?? new Date();
      const expiresAt = new Date(createdAt.getTime() + (options.lifetimeMs ?? 7 * DAY_MS));
      const session = {
        id: randomUUID(),
        tokenHash: createHash('sha256').update(randomBytes(32)).digest('hex'),
        createdAt,
        expiresAt,
      };
      await store().insert({ ...session, userId, ip: '203.0.113.9', userAgent: 'contract' });
      return session;
    }

    const find = (session: { tokenHash: string }, at = new Date()) =>
      store().find(session.tokenHash, at);
    const live = async (session: { tokenHash: string }, at?: Date): Promise<LiveSession> => {
      const found = await find(session, at);
      assert.ok(found, 'the session is live');
      return found;
    };
    const plus = (date: Date, ms: number) => new Date(date.getTime() + ms);

    void it('finds a session by its token hash, with its owner and role', async () => {
      const userId = await addUser('editor');
      const session = await start(userId);
      const found = await live(session);
      assert.equal(found.id, session.id);
      assert.equal(found.tokenHash, session.tokenHash);
      assert.equal(found.userId, userId);
      assert.equal(found.role, 'editor');
      assert.equal(found.lastSeenAt.getTime(), session.createdAt.getTime());
      assert.equal(found.expiresAt.getTime(), session.expiresAt.getTime());
      assert.equal(
        await store().find(createHash('sha256').update('other').digest('hex'), new Date()),
        undefined,
      );
    });

    void it('ends a session at its absolute expiry, touched or not', async () => {
      const session = await start(await addUser(), { lifetimeMs: 30 * 60_000 });
      const found = await live(session, plus(session.expiresAt, -1));
      await store().touch(found, plus(session.expiresAt, -1));
      assert.equal(await find(session, session.expiresAt), undefined);
      assert.equal(await find(session, plus(session.expiresAt, 60_000)), undefined);
    });

    void it('ends a session unused for longer than the idle timeout; use moves it on', async () => {
      const idle = await start(await addUser());
      await live(idle, plus(idle.createdAt, IDLE_MS));
      assert.equal(await find(idle, plus(idle.createdAt, IDLE_MS + 1)), undefined);

      const used = await start(await addUser());
      const usedAt = plus(used.createdAt, IDLE_MS / 2);
      await store().touch(await live(used, usedAt), usedAt);
      const found = await live(used, plus(used.createdAt, IDLE_MS + 1));
      assert.equal(found.lastSeenAt.getTime(), usedAt.getTime());
      await live(used, plus(usedAt, IDLE_MS));
      assert.equal(await find(used, plus(usedAt, IDLE_MS + 1)), undefined);
    });

    void it('a touch does not revive an idle session', async () => {
      const session = await start(await addUser());
      const found = await live(session);
      const late = plus(session.createdAt, IDLE_MS + 1);
      await store().touch(found, late);
      assert.equal(await find(session, plus(late, 1)), undefined);
    });

    void it('revoking one session ends it and only it; revoking again is a no-op', async () => {
      const userId = await addUser();
      const [one, two] = [await start(userId), await start(userId)];
      await store().revoke(one.id, new Date());
      assert.equal(await find(one), undefined);
      await live(two);
      await store().revoke(one.id, new Date());
      await store().revoke(randomUUID(), new Date());
      assert.equal(await find(one), undefined);
      await live(two);
    });

    void it('revoking all of a user’s sessions ends theirs only; later sign-ins work', async () => {
      const [userId, otherId] = [await addUser(), await addUser()];
      const mine = [await start(userId), await start(userId)];
      const theirs = await start(otherId);
      await store().revokeAllOfUser(userId, new Date());
      for (const session of mine) assert.equal(await find(session), undefined);
      await live(theirs);
      await live(await start(userId));
    });

    void it('revoking all but one keeps exactly that one, until the next revoke-all', async () => {
      const userId = await addUser();
      const [kept, ended] = [await start(userId), await start(userId)];
      await store().revokeAllOfUser(userId, new Date(), { exceptSessionId: kept.id });
      await live(kept);
      assert.equal(await find(ended), undefined);
      await store().revokeAllOfUser(userId, new Date(), { exceptSessionId: kept.id });
      await live(kept);
      await store().revokeAllOfUser(userId, new Date());
      assert.equal(await find(kept), undefined);
    });

    void it('"all but one" keeps neither an ended session nor another user’s', async () => {
      const [userId, otherId] = [await addUser(), await addUser()];
      const signedOut = await start(userId);
      await store().revoke(signedOut.id, new Date());
      await store().revokeAllOfUser(userId, new Date(), { exceptSessionId: signedOut.id });
      assert.equal(await find(signedOut), undefined, 'a signed-out session stays ended');

      const earlier = await start(userId);
      await store().revokeAllOfUser(userId, new Date());
      await store().revokeAllOfUser(userId, new Date(), { exceptSessionId: earlier.id });
      assert.equal(await find(earlier), undefined, 'an already-ended session stays ended');

      const mine = await start(userId);
      const theirs = await start(otherId);
      await store().revokeAllOfUser(userId, new Date(), { exceptSessionId: theirs.id });
      assert.equal(await find(mine), undefined);
      await live(theirs);
    });

    void it('a deleted user has no live session', async () => {
      const userId = await addUser();
      await under!.deleteUser(userId);
      const session = await start(userId);
      assert.equal(await find(session), undefined);
    });

    void it('concurrent touches keep the session live and its last use moving forward', async () => {
      const session = await start(await addUser());
      const found = await live(session);
      const times = Array.from({ length: 20 }, (_, index) =>
        plus(session.createdAt, (index + 1) * 1000),
      );
      await Promise.all(times.flatMap((at) => [store().touch(found, at), find(session, at)]));
      const after = await live(session, plus(session.createdAt, 20_000));
      assert.ok(after.lastSeenAt.getTime() >= times[0]!.getTime(), 'last use moved');
      assert.ok(after.lastSeenAt.getTime() <= times.at(-1)!.getTime());
    });

    void it('touches racing a sign-out do not bring the session back', async () => {
      for (let round = 0; round < 5; round += 1) {
        const session = await start(await addUser());
        const found = await live(session);
        const touches = Array.from({ length: 10 }, (_, index) =>
          store().touch(found, plus(session.createdAt, (index + 1) * 100)),
        );
        await Promise.all([...touches, store().revoke(session.id, new Date())]);
        assert.equal(await find(session, plus(session.createdAt, 2_000)), undefined);
      }
    });

    void it('touches of the kept session racing "revoke all but it" do not end it', async () => {
      for (let round = 0; round < 5; round += 1) {
        const userId = await addUser();
        const [kept, ended] = [await start(userId), await start(userId)];
        const found = await live(kept);
        const touches = Array.from({ length: 10 }, (_, index) =>
          store().touch(found, plus(kept.createdAt, (index + 1) * 100)),
        );
        await Promise.all([
          ...touches,
          store().revokeAllOfUser(userId, new Date(), { exceptSessionId: kept.id }),
        ]);
        await live(kept, plus(kept.createdAt, 2_000));
        assert.equal(await find(ended, plus(kept.createdAt, 2_000)), undefined);
      }
    });
  });
}
