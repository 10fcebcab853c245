// One WebSocket connection after the handshake: subscriptions checked per
// channel, events sent as the hub hands them over, and the limits that keep
// one client from costing the instance more than its share:
// - a ping every heartbeat; no pong by the next one and the socket is cut;
// - at most `sendBufferBytes` unsent: a client that does not read is cut
//   (terminated: a close frame could not get through a full buffer either),
//   instead of the instance buffering for it without end;
// - at most `messagesPerSecond` from the client (a token bucket with twice
//   that as burst): past it, close 1008;
// - frames over `maxMessageBytes`: the ws library closes with 1009;
// - the credential's expiry (an access token's, a session's): close 4001.

import type { WebSocket } from 'ws';
import type { Identity } from '../../http/pipeline/context.ts';
import type { Logger } from '../../platform/logger.ts';
import { parseChannel, type ChannelAccess, type ChannelName } from './channels.ts';
import { credentialExpiry } from './credential-expiry.ts';
import type { HubClient, RealtimeHub } from './hub.ts';
import { eventBody } from './sse.ts';
import type { RealtimeStats } from './stats.ts';
import {
  clientMessage,
  CLOSE,
  type ServerMessage,
  type SocketErrorCode,
} from './socket-messages.ts';

/** setTimeout's largest delay (about 24.8 days); a later expiry closes then, early. */
const MAX_TIMER_MS = 2_147_483_647;

/** How long a client has to answer the close frame at shutdown. */
const CLOSE_HANDSHAKE_MS = 1000;

export interface SocketLimits {
  readonly heartbeatMs: number;
  readonly sendBufferBytes: number;
  readonly maxMessageBytes: number;
  readonly messagesPerSecond: number;
  readonly maxSubscriptions: number;
}

export interface SocketSessionDeps {
  readonly hub: RealtimeHub;
  readonly access: ChannelAccess;
  readonly limits: SocketLimits;
  readonly logger: Logger;
  readonly stats: RealtimeStats;
}

export function runSocketSession(ws: WebSocket, identity: Identity, deps: SocketSessionDeps) {
  const { hub, access, limits, logger, stats } = deps;
  stats.connected.websocket += 1;
  const channels = new Set<ChannelName>();
  let alive = true;
  let tokens = limits.messagesPerSecond * 2;
  let refilledAt = Date.now();
  let closed = false;

  const cut = (why: string) => {
    if (closed) return;
    logger.info({ subject: identity.subject, why }, 'socket cut');
    ws.terminate();
  };

  const send = (message: ServerMessage) => {
    if (closed || ws.readyState !== ws.OPEN) return;
    // What is still unsent is over the cap: the client is not reading.
    // (Checked before each send, so memory stays below the cap plus one message.)
    if (ws.bufferedAmount > limits.sendBufferBytes) {
      stats.slowConsumersDropped.websocket += 1;
      cut('send buffer full: the client does not read');
      return;
    }
    ws.send(JSON.stringify(message));
  };

  const refuse = (code: SocketErrorCode, detail: string, channel?: string) => {
    send({ type: 'error', code, detail, ...(channel === undefined ? {} : { channel }) });
  };

  const client: HubClient = {
    channels,
    send(event, channel) {
      if (closed) return;
      stats.messagesSent.websocket += 1;
      send({ type: 'event', channel, event: eventBody(event) });
    },
    close() {
      if (closed) return;
      ws.close(CLOSE.serviceRestart, 'service restarting: reconnect');
      // A client that does not answer the close frame would hold the
      // server's close (which waits for every connection) well past the grace.
      setTimeout(() => {
        ws.terminate();
      }, CLOSE_HANDSHAKE_MS).unref();
    },
  };

  const withinRate = () => {
    const now = Date.now();
    const capacity = limits.messagesPerSecond * 2;
    tokens = Math.min(capacity, tokens + ((now - refilledAt) / 1000) * limits.messagesPerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const subscribe = async (text: string) => {
    const channel = parseChannel(text);
    if (channel === undefined) {
      refuse('REALTIME_CHANNEL_UNKNOWN', `no channel named ${JSON.stringify(text)}`, text);
      return;
    }
    if (channels.has(channel)) {
      send({ type: 'subscribed', channel });
      return;
    }
    if (channels.size >= limits.maxSubscriptions) {
      refuse('REALTIME_TOO_MANY_SUBSCRIPTIONS', `at most ${limits.maxSubscriptions}`, channel);
      return;
    }
    const refused = await access.check(identity, channel);
    if (closed) return;
    if (refused === 'not-found') {
      refuse('REALTIME_CHANNEL_NOT_FOUND', 'no such order', channel);
      return;
    }
    if (refused === 'forbidden') {
      refuse('REALTIME_CHANNEL_FORBIDDEN', 'you may not follow this channel', channel);
      return;
    }
    channels.add(channel);
    hub.follow(client, channel);
    send({ type: 'subscribed', channel });
  };

  // Text frames arrive as one Buffer (the ws default binaryType, fragments joined).
  const onMessage = async (data: Buffer, isBinary: boolean) => {
    if (!withinRate()) {
      ws.close(CLOSE.policyViolation, 'too many messages');
      return;
    }
    if (isBinary) {
      ws.close(CLOSE.unsupportedData, 'text frames only');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data.toString('utf8'));
    } catch {
      refuse('REALTIME_BAD_MESSAGE', 'not JSON');
      return;
    }
    const result = clientMessage.safeParse(parsed);
    if (!result.success) {
      refuse('REALTIME_BAD_MESSAGE', result.error.issues[0]?.message ?? 'not a known message');
      return;
    }
    const message = result.data;
    switch (message.type) {
      case 'subscribe':
        await subscribe(message.channel);
        return;
      case 'unsubscribe': {
        const channel = parseChannel(message.channel);
        if (channel !== undefined && channels.delete(channel)) hub.unfollow(client, channel);
        send({ type: 'unsubscribed', channel: message.channel });
        return;
      }
      case 'ping':
        send({ type: 'pong' });
        return;
    }
  };

  ws.on('message', (data: Buffer, isBinary) => {
    onMessage(data, isBinary).catch((error: unknown) => {
      logger.warn({ err: error }, 'socket message failed');
      cut('message handling failed');
    });
  });
  ws.on('pong', () => {
    alive = true;
  });
  const heartbeat = setInterval(() => {
    if (!alive) {
      cut('no pong within a heartbeat');
      return;
    }
    alive = false;
    ws.ping();
  }, limits.heartbeatMs);
  heartbeat.unref();
  // The credential was checked at the upgrade only: close when it runs out,
  // so the client reconnects with a fresh one (4001, see socket-messages.ts).
  const expiresAt = credentialExpiry(identity);
  const expiry =
    expiresAt === undefined
      ? undefined
      : setTimeout(
          () => {
            ws.close(CLOSE.credentialExpired, 'credential expired: reconnect with a fresh one');
          },
          Math.min(Math.max(0, expiresAt - Date.now()), MAX_TIMER_MS),
        );
  expiry?.unref();
  ws.on('error', (error) => {
    logger.debug({ err: error }, 'socket error');
  });
  ws.on('close', () => {
    if (!closed) stats.connected.websocket -= 1;
    closed = true;
    clearInterval(heartbeat);
    clearTimeout(expiry);
    hub.leave(client);
  });

  void hub.join(client).then(() => {
    send({
      type: 'welcome',
      heartbeatMs: limits.heartbeatMs,
      maxMessageBytes: limits.maxMessageBytes,
      messagesPerSecond: limits.messagesPerSecond,
      maxSubscriptions: limits.maxSubscriptions,
    });
  });
}
