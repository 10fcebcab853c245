// One Server-Sent Events stream (the WHATWG HTML "server-sent events"
// format): an `id` per event (its feed position, which the browser sends
// back as Last-Event-ID when it reconnects), a `retry` telling it how soon
// to reconnect, and a comment line every heartbeat so proxies and the
// client see a live connection.
//
// The body is a PassThrough the core pipes to the response, so the usual
// response headers (security, CORS, request id) apply. Writes respect
// back-pressure: while the socket does not take data, what is unsent stays
// in the PassThrough and heartbeats are skipped; a client whose unsent data
// passes the cap, or that has not taken any for two heartbeats, is dropped.
// It reconnects with its Last-Event-ID and loses nothing.

import { PassThrough } from 'node:stream';
import type { Context } from '../../http/pipeline/context.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import type { ChannelName } from './channels.ts';
import type { FeedEvent } from './feed.ts';
import type { HubClient, RealtimeHub } from './hub.ts';
import type { RealtimeStats } from './stats.ts';

export interface StreamLimits {
  readonly heartbeatMs: number;
  readonly retryMs: number;
  /** Unsent bytes one client may hold before it is dropped. */
  readonly sendBufferBytes: number;
}

export const EVENT_STREAM = 'text/event-stream';

/** One SSE frame. `data` is JSON on one line, so no field needs splitting. */
export function frame(fields: { id?: string; event?: string; data?: unknown }): string {
  let text = '';
  if (fields.event !== undefined) text += `event: ${fields.event}\n`;
  if (fields.id !== undefined) text += `id: ${fields.id}\n`;
  text += `data: ${JSON.stringify(fields.data ?? {})}\n\n`;
  return text;
}

/** What an event looks like on the wire, SSE and WebSocket alike. */
export function eventBody(event: FeedEvent) {
  return {
    id: event.id,
    seq: event.seq,
    type: event.type,
    aggregateId: event.aggregateId,
    data: event.data,
    occurredAt: event.occurredAt,
  };
}

/**
 * Turns the request into an event stream on `channel`, joined to the hub.
 * `resume` (from Last-Event-ID) continues after that position when the feed
 * still has it; otherwise the stream starts with a `reset` event (reload,
 * then follow). Returns at once: the catching up runs once the response
 * streams, so it is paced by the client, not bounded by the request deadline.
 */
export function openEventStream(
  c: Context,
  deps: {
    readonly hub: RealtimeHub;
    readonly limits: StreamLimits;
    readonly channel: ChannelName;
    readonly resume: { readonly after: string; readonly resumable: boolean } | undefined;
    readonly orderId?: string | undefined;
    readonly stats: RealtimeStats;
  },
): void {
  const { hub, limits, stats } = deps;
  const body = new PassThrough();
  let stalledSince: number | undefined;
  let closed = false;

  stats.connected.sse += 1;
  let counted = true;
  /** The client is gone (once, however it went). */
  const left = () => {
    if (!counted) return;
    counted = false;
    stats.connected.sse -= 1;
  };
  const drop = () => {
    left();
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    hub.leave(client);
    body.destroy();
    for (const resolve of waiting) resolve();
    waiting = [];
  };
  const write = (text: string) => {
    if (closed) return;
    // Checked before each write: memory stays below the cap plus one event.
    if (body.writableLength > limits.sendBufferBytes) {
      c.log.info({ buffered: body.writableLength }, 'event stream dropped: client too slow');
      stats.slowConsumersDropped.sse += 1;
      drop();
      return;
    }
    if (!body.write(text)) stalledSince ??= Date.now();
  };
  let waiting: (() => void)[] = [];
  body.on('drain', () => {
    stalledSince = undefined;
    for (const resolve of waiting) resolve();
    waiting = [];
  });
  body.once('close', drop);
  c.res.once('close', drop);

  const heartbeat = setInterval(() => {
    if (stalledSince === undefined) write(': heartbeat\n\n');
    else if (Date.now() - stalledSince > 2 * limits.heartbeatMs) {
      c.log.info('event stream dropped: nothing taken for two heartbeats');
      stats.slowConsumersDropped.sse += 1;
      drop();
    }
  }, limits.heartbeatMs);
  heartbeat.unref();

  const client: HubClient = {
    channels: new Set([deps.channel]),
    send(event) {
      if (closed) return;
      stats.messagesSent.sse += 1;
      write(frame({ id: event.seq, event: event.type, data: eventBody(event) }));
    },
    room() {
      if (closed || stalledSince === undefined) return Promise.resolve();
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      // Reconnect soon, to another instance: the stream ends now.
      write(`retry: ${limits.retryMs}\n\n`);
      closed = true;
      left();
      clearInterval(heartbeat);
      hub.leave(client);
      body.end();
    },
  };

  c.status = 200;
  c.set('content-type', `${EVENT_STREAM}; charset=utf-8`);
  c.set('cache-control', cacheControl.noStore);
  // nginx buffers proxied responses unless told not to.
  c.set('x-accel-buffering', 'no');
  c.noTransform = true;
  c.body = body;

  write(`retry: ${limits.retryMs}\n\n`);
  const resume = deps.resume;
  const joined = (promise: Promise<void>) => {
    promise.catch((error: unknown) => {
      c.log.warn({ err: error }, 'event stream could not catch up');
      drop();
    });
  };
  if (resume !== undefined && resume.resumable) {
    const filter = deps.orderId === undefined ? {} : { orderId: deps.orderId };
    joined(hub.join(client, { after: resume.after, filter }));
    return;
  }
  // A fresh stream (or one whose position is gone) starts at the hub's
  // position: the id makes a later reconnect resume from here.
  const position = hub.position;
  write(
    frame({
      id: position,
      event: resume === undefined ? 'ready' : 'reset',
      data: { position },
    }),
  );
  joined(hub.join(client));
}
