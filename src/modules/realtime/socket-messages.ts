// The WebSocket protocol's messages: JSON text frames, one message each.
// docs/realtime.md documents them; keep the two in step.

import { z } from 'zod';

/** What a client may send. */
export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    channel: z.string().max(64),
  }),
  z.strictObject({
    type: z.literal('unsubscribe'),
    channel: z.string().max(64),
  }),
  // An application-level round trip, for clients (browsers) that cannot see
  // protocol pings.
  z.strictObject({ type: z.literal('ping') }),
]);

export type ClientMessage = z.infer<typeof clientMessage>;

/** Why a message was refused; the connection stays open. */
export type SocketErrorCode =
  | 'REALTIME_BAD_MESSAGE'
  | 'REALTIME_CHANNEL_UNKNOWN'
  | 'REALTIME_CHANNEL_NOT_FOUND'
  | 'REALTIME_CHANNEL_FORBIDDEN'
  | 'REALTIME_TOO_MANY_SUBSCRIPTIONS';

/** What the server sends. */
export type ServerMessage =
  | {
      readonly type: 'welcome';
      readonly heartbeatMs: number;
      readonly maxMessageBytes: number;
      readonly messagesPerSecond: number;
      readonly maxSubscriptions: number;
    }
  | { readonly type: 'subscribed'; readonly channel: string }
  | { readonly type: 'unsubscribed'; readonly channel: string }
  | { readonly type: 'pong' }
  | { readonly type: 'event'; readonly channel: string; readonly event: unknown }
  | {
      readonly type: 'error';
      readonly code: SocketErrorCode;
      readonly detail: string;
      readonly channel?: string;
    };

/** Close codes (RFC 6455 §7.4.1) the server uses. */
export const CLOSE = {
  /** The instance is going away: reconnect (to another instance). */
  serviceRestart: 1012,
  /** Too many messages (rate limit). */
  policyViolation: 1008,
  /** A message over the size limit (sent by the ws library itself). */
  tooBig: 1009,
  /** A binary frame: the protocol is JSON text. */
  unsupportedData: 1003,
  /** The access token or session the socket was opened with expired: reconnect with a fresh one. */
  credentialExpired: 4001,
} as const;
