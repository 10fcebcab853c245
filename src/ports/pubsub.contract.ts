// The PubSub contract: one suite every adapter must pass, so code written
// against in-process pub/sub behaves the same across instances on Redis. An
// adapter's test file is a call: `runPubSubContract('memory', open)`.
//
// Every case publishes on channels of its own (a random namespace), so
// suites can share one Redis with other test processes. "Nothing arrived" is
// never asserted by waiting a while: the case publishes a sentinel after the
// message that must not arrive, on a channel the same subscriber connection
// listens to, and checks once the sentinel is in (one publisher, one
// subscriber connection: Redis keeps that order, as does the memory adapter).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { within } from '../../test/support/eventually.ts';
import type { PubSub } from './pubsub.ts';

export interface PubSubUnderTest {
  readonly pubsub: PubSub;
  /** Releases whatever `open` created. */
  close(): Promise<void>;
}

export interface PubSubContractOptions {
  /** Opens a second instance over connections of its own (Redis); absent in process. */
  readonly openPeer?: () => Promise<PubSubUnderTest>;
}

const WAIT_MS = 5000;

/** A handler that records what it receives and can wait for a number of messages. */
export function collector() {
  const messages: string[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    messages,
    handler: (message: string) => {
      messages.push(message);
      for (const waiter of waiters.filter((w) => messages.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    /** Resolves with the messages once at least `count` arrived. */
    async received(count: number): Promise<string[]> {
      if (messages.length < count) {
        await within(
          `${count} message(s), got ${messages.length}`,
          WAIT_MS,
          new Promise<void>((resolve) => waiters.push({ count, resolve })),
        );
      }
      return messages;
    },
  };
}

export function runPubSubContract(
  name: string,
  open: () => Promise<PubSubUnderTest>,
  options: PubSubContractOptions = {},
): void {
  void describe(`PubSub contract: ${name}`, () => {
    let under: PubSubUnderTest | undefined;
    let peer: PubSubUnderTest | undefined;
    let opening: Promise<unknown> | undefined;
    // `after` waits for the opening itself: node:test may run it before `before` finished.
    before(async () => {
      opening = (async () => {
        under = await open();
        peer = await options.openPeer?.();
      })();
      await opening;
    });
    after(async () => {
      await opening?.catch(() => undefined);
      for (const opened of [peer, under]) {
        await opened?.pubsub.close();
        await opened?.close();
      }
    });

    const pubsub = (): PubSub => {
      assert.ok(under, 'pub/sub opens in before()');
      return under.pubsub;
    };
    const channel = (label = 'c') => `contract:${randomUUID()}:${label}`;

    void it('delivers a published message to a subscriber', async () => {
      const c = channel();
      const inbox = collector();
      const unsubscribe = await pubsub().subscribe(c, inbox.handler);
      await pubsub().publish(c, 'hello');
      assert.deepEqual(await inbox.received(1), ['hello']);
      await unsubscribe();
    });

    void it('publishing where nobody listens succeeds', async () => {
      await pubsub().publish(channel('nobody'), 'into the void');
    });

    void it('delivers asynchronously: never inside publish', async () => {
      const c = channel();
      const inbox = collector();
      const unsubscribe = await pubsub().subscribe(c, inbox.handler);
      const publishing = pubsub().publish(c, 'later');
      assert.equal(inbox.messages.length, 0);
      await publishing;
      await inbox.received(1);
      await unsubscribe();
    });

    void it('keeps messages exactly: empty, non-ASCII, JSON, large', async () => {
      const c = channel();
      const inbox = collector();
      const unsubscribe = await pubsub().subscribe(c, inbox.handler);
      const messages = [
        '',
        'Grüße – ✓ 確認 🚀',
        JSON.stringify({ id: '42', op: 'evict' }),
        'y'.repeat(100_000),
      ];
      for (const message of messages) await pubsub().publish(c, message);
      assert.deepEqual(await inbox.received(messages.length), messages);
      await unsubscribe();
    });

    void it('keeps the order of one publisher', async () => {
      const c = channel();
      const inbox = collector();
      const unsubscribe = await pubsub().subscribe(c, inbox.handler);
      const sent = Array.from({ length: 50 }, (_unused, index) => `m${index}`);
      await Promise.all(sent.map((message) => pubsub().publish(c, message)));
      assert.deepEqual(await inbox.received(sent.length), sent);
      await unsubscribe();
    });

    void it('fans out to every subscriber of the channel, and only to them', async () => {
      const [c, other] = [channel('fan'), channel('other')];
      const inboxes = [collector(), collector(), collector()];
      const bystander = collector();
      const unsubscribes = await Promise.all(
        inboxes.map((inbox) => pubsub().subscribe(c, inbox.handler)),
      );
      unsubscribes.push(await pubsub().subscribe(other, bystander.handler));
      await pubsub().publish(c, 'to all');
      await pubsub().publish(other, 'sentinel');
      for (const inbox of inboxes) assert.deepEqual(await inbox.received(1), ['to all']);
      assert.deepEqual(await bystander.received(1), ['sentinel']);
      await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
    });

    void it('unsubscribe stops that handler only, and can be called twice', async () => {
      const [c, sentinelChannel] = [channel('unsub'), channel('sentinel')];
      const [leaving, staying, sentinel] = [collector(), collector(), collector()];
      const unsubscribeLeaving = await pubsub().subscribe(c, leaving.handler);
      const unsubscribeStaying = await pubsub().subscribe(c, staying.handler);
      const unsubscribeSentinel = await pubsub().subscribe(sentinelChannel, sentinel.handler);
      await pubsub().publish(c, 'one');
      await leaving.received(1);
      await staying.received(1);

      await unsubscribeLeaving();
      await unsubscribeLeaving();
      await pubsub().publish(c, 'two');
      await pubsub().publish(sentinelChannel, 'done');
      await sentinel.received(1);
      assert.deepEqual(await staying.received(2), ['one', 'two']);
      assert.deepEqual(leaving.messages, ['one']);

      // The last handler leaving ends the channel's subscription altogether.
      await unsubscribeStaying();
      await pubsub().publish(c, 'three');
      await pubsub().publish(sentinelChannel, 'done again');
      await sentinel.received(2);
      assert.deepEqual(staying.messages, ['one', 'two']);
      await unsubscribeSentinel();
    });

    void it('a channel can be subscribed again after its last handler left', async () => {
      const c = channel();
      const first = collector();
      await (
        await pubsub().subscribe(c, first.handler)
      )();
      const second = collector();
      const unsubscribe = await pubsub().subscribe(c, second.handler);
      await pubsub().publish(c, 'back');
      assert.deepEqual(await second.received(1), ['back']);
      assert.deepEqual(first.messages, []);
      await unsubscribe();
    });

    void it('a handler that throws does not stop the others or later messages', async () => {
      const c = channel();
      const inbox = collector();
      const unsubscribeThrowing = await pubsub().subscribe(c, () => {
        throw new Error('handler bug');
      });
      // An async handler that rejects: typed as returning void, but it happens.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      const unsubscribeRejecting = await pubsub().subscribe(c, async () => {
        await Promise.resolve();
        throw new Error('async handler bug');
      });
      const unsubscribe = await pubsub().subscribe(c, inbox.handler);
      await pubsub().publish(c, 'first');
      await pubsub().publish(c, 'second');
      assert.deepEqual(await inbox.received(2), ['first', 'second']);
      await Promise.all([unsubscribeThrowing(), unsubscribeRejecting(), unsubscribe()]);
    });

    if (options.openPeer !== undefined) {
      void it('carries messages between two separate instances, both ways', async () => {
        const other = peer!.pubsub;
        const c = channel('between');
        const [here, there] = [collector(), collector()];
        const unsubscribeHere = await pubsub().subscribe(c, here.handler);
        const unsubscribeThere = await other.subscribe(c, there.handler);
        await pubsub().publish(c, 'from here');
        await other.publish(c, 'from there');
        assert.deepEqual((await here.received(2)).toSorted(), ['from here', 'from there']);
        assert.deepEqual((await there.received(2)).toSorted(), ['from here', 'from there']);
        await unsubscribeHere();
        await unsubscribeThere();
      });

      void it('fans out to subscribers on several instances', async () => {
        const other = peer!.pubsub;
        const c = channel('fleet');
        const inboxes = [collector(), collector(), collector(), collector()];
        const unsubscribes = await Promise.all(
          inboxes.map((inbox, index) =>
            (index % 2 === 0 ? pubsub() : other).subscribe(c, inbox.handler),
          ),
        );
        await other.publish(c, 'everyone');
        for (const inbox of inboxes) assert.deepEqual(await inbox.received(1), ['everyone']);
        await Promise.all(unsubscribes.map((unsubscribe) => unsubscribe()));
      });
    }
  });
}
