// One instance's realtime hub: reads newly relayed events from the outbox
// and hands each to the local clients following one of its channels.
//
// It learns of new events from the relay's notice on pub/sub
// (RELAYED_CHANNEL, sent by whichever instance relayed them), and every
// `pollMs` as well, so that a notice lost on the way (pub/sub is at most
// once) delays events instead of losing them. Either way it reads "every
// event after the last one I read" — one query per instance, however many
// clients — so each client sees events once and in order.
//
// A client that resumes (SSE Last-Event-ID) first catches up from the
// outbox on its own, then joins the live flow at the hub's position, with
// no gap and no repeat between the two (see `catchUp`).

import type { Logger } from '../../platform/logger.ts';
import type { PubSub } from '../../ports/pubsub.ts';
import { RELAYED_CHANNEL } from '../events/module.ts';
import { channelsOf, type ChannelName } from './channels.ts';
import type { Feed, FeedEvent, FeedFilter } from './feed.ts';

/** Events read per query, live or catching up. */
const PAGE = 500;

export interface HubClient {
  readonly channels: ReadonlySet<ChannelName>;
  /** Hands one event on; must not throw (a client that cannot keep up drops itself). */
  send(event: FeedEvent, channel: ChannelName): void;
  /** The instance is going away: tell the client to reconnect, then close. */
  close(reason: 'shutdown'): void;
  /** Resolves when the client can take more (catching up waits for it between pages). */
  room?(): Promise<void>;
}

interface ClientState {
  /** The last event this client was given or skipped. */
  position: bigint;
  /** False while catching up: the live flow leaves it alone. */
  live: boolean;
}

export interface HubOptions {
  readonly feed: Feed;
  readonly pubsub: Pick<PubSub, 'subscribe'>;
  readonly logger: Logger;
  /** How often the outbox is read without a notice while clients are connected. */
  readonly pollMs: number;
}

export interface RealtimeHub {
  /**
   * Subscribes to the relay's notices and reads the current position. Every
   * call after the first returns the first's promise (unless it failed):
   * await it before `position` and `join`.
   */
  start(): Promise<void>;
  /** The position a client joining now starts after (an SSE stream's first id). */
  readonly position: string;
  /** Adds a client; with `resume`, first sends what it missed after `after` (matching `filter`). */
  join(client: HubClient, resume?: { after: string; filter: FeedFilter }): Promise<void>;
  /** The client added `channel` to its channels (or removed it: `unfollow`). */
  follow(client: HubClient, channel: ChannelName): void;
  unfollow(client: HubClient, channel: ChannelName): void;
  leave(client: HubClient): void;
  readonly size: number;
  /** Tells every client to reconnect elsewhere; later joins are refused. */
  drain(): void;
  readonly draining: boolean;
  stop(): Promise<void>;
}

export function createRealtimeHub(options: HubOptions): RealtimeHub {
  const { feed, logger } = options;
  const clients = new Map<HubClient, ClientState>();
  const byChannel = new Map<ChannelName, Set<HubClient>>();
  let watermark = 0n;
  let pumping: Promise<void> | undefined;
  let again = false;
  let draining = false;
  let unsubscribe: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;
  let starting: Promise<void> | undefined;

  const begin = async () => {
    watermark = BigInt(await feed.latest());
    unsubscribe = await options.pubsub.subscribe(RELAYED_CHANNEL, () => {
      void pump();
    });
    timer = setInterval(() => {
      if (clients.size > 0) void pump();
    }, options.pollMs);
    timer.unref();
  };

  const index = (client: HubClient, channel: ChannelName) => {
    let set = byChannel.get(channel);
    if (set === undefined) {
      set = new Set();
      byChannel.set(channel, set);
    }
    set.add(client);
  };
  const unindex = (client: HubClient, channel: ChannelName) => {
    const set = byChannel.get(channel);
    set?.delete(client);
    if (set?.size === 0) byChannel.delete(channel);
  };

  const dispatch = (event: FeedEvent) => {
    const seq = BigInt(event.seq);
    for (const channel of channelsOf(event)) {
      for (const client of byChannel.get(channel) ?? []) {
        const state = clients.get(client);
        if (state === undefined || !state.live || seq <= state.position) continue;
        state.position = seq;
        client.send(event, channel);
      }
    }
  };

  const readNew = async () => {
    if (clients.size === 0) {
      // Nobody to tell: only keep the position current. A client that joined
      // while the position was read starts at the old one and is owed what
      // lies between: then the events are read and sent as usual.
      const latest = BigInt(await feed.latest());
      if (clients.size === 0) {
        if (latest > watermark) watermark = latest;
        return;
      }
    }
    for (;;) {
      const events = await feed.after(watermark.toString(), PAGE);
      for (const event of events) {
        dispatch(event);
        watermark = BigInt(event.seq);
      }
      if (events.length < PAGE) return;
    }
  };

  /** One read at a time; a request during a read runs one more after it. */
  const pump = (): Promise<void> => {
    if (pumping !== undefined) {
      again = true;
      return pumping;
    }
    pumping = (async () => {
      do {
        again = false;
        try {
          await readNew();
        } catch (error) {
          logger.warn({ err: error }, 'reading relayed events failed');
          return;
        }
      } while (again);
    })().finally(() => {
      pumping = undefined;
    });
    return pumping;
  };

  /**
   * Sends a resuming client what it missed, then makes it live. The read and
   * the live flow must meet without a gap: the client goes live only after a
   * read during which the hub did not move, so every event up to the hub's
   * position was committed before that read began and the read saw it.
   */
  const catchUp = async (client: HubClient, state: ClientState, filter: FeedFilter) => {
    for (;;) {
      const hubAt = watermark;
      const events = await feed.after(state.position.toString(), PAGE, filter);
      if (!clients.has(client)) return;
      for (const event of events) {
        // Paced by the client: a long backlog must not pile up unsent.
        await client.room?.();
        if (!clients.has(client)) return;
        const channel = channelsOf(event).find((name) => client.channels.has(name));
        state.position = BigInt(event.seq);
        if (channel !== undefined) client.send(event, channel);
      }
      if (events.length === PAGE) continue;
      if (watermark === hubAt) {
        if (state.position < hubAt) state.position = hubAt;
        state.live = true;
        return;
      }
    }
  };

  return {
    start() {
      starting ??= begin().catch((error: unknown) => {
        // The next caller tries again (Redis or the database may be back).
        starting = undefined;
        throw error;
      });
      return starting;
    },

    get position() {
      return watermark.toString();
    },

    async join(client, resume) {
      const state: ClientState = {
        position: resume === undefined ? watermark : BigInt(resume.after),
        live: resume === undefined,
      };
      clients.set(client, state);
      for (const channel of client.channels) index(client, channel);
      if (draining) {
        client.close('shutdown');
        return;
      }
      if (resume !== undefined) await catchUp(client, state, resume.filter);
    },

    follow(client, channel) {
      if (clients.has(client)) index(client, channel);
    },

    unfollow(client, channel) {
      unindex(client, channel);
    },

    leave(client) {
      if (!clients.delete(client)) return;
      for (const channel of client.channels) unindex(client, channel);
    },

    get size() {
      return clients.size;
    },

    drain() {
      draining = true;
      for (const client of [...clients.keys()]) client.close('shutdown');
    },

    get draining() {
      return draining;
    },

    async stop() {
      draining = true;
      clearInterval(timer);
      await unsubscribe?.();
      await pumping;
    },
  };
}
