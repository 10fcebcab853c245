// GET /api/v1/realtime/socket: the WebSocket endpoint (RFC 6455), on the
// same port as the API. The upgrade request runs the whole pipeline first
// (src/http/server/upgrade.ts), so authentication (bearer token, API key or
// session cookie), rate limits and the checks below answer with ordinary
// HTTP statuses before any handshake:
// - no `Upgrade: websocket`: 426;
// - an Origin that is neither this service's nor a configured one: 403.
//   Browsers send cookies with cross-site socket requests, so without this
//   check any page could act as a signed-in visitor (cross-site WebSocket
//   hijacking). A cookie without any Origin is refused too: every browser
//   sends one, so only a forged request lacks it.
// What follows the handshake is socket-session.ts.

import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { App } from '../../http/app.ts';
import type { Context } from '../../http/pipeline/context.ts';
import { takeUpgrade } from '../../http/server/upgrade.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ChannelAccess } from './channels.ts';
import { realtimeError } from './errors.ts';
import type { RealtimeHub } from './hub.ts';
import { runSocketSession, type SocketLimits } from './socket-session.ts';
import type { RealtimeStats, UpgradeRefusal } from './stats.ts';

export interface SocketRouteDeps {
  readonly hub: RealtimeHub;
  readonly access: ChannelAccess;
  readonly limits: SocketLimits;
  readonly logger: Logger;
  readonly stats: RealtimeStats;
  /** Origins besides the service's own whose pages may open sockets (CORS_ORIGINS, PUBLIC_URL). */
  readonly trustedOrigins: readonly string[];
}

export const SOCKET_PATH = '/api/v1/realtime/socket';

export function registerSocketRoute(app: App, deps: SocketRouteDeps): void {
  const sockets = new WebSocketServer({
    noServer: true,
    maxPayload: deps.limits.maxMessageBytes,
    // Compression costs memory per connection and opens the door to
    // compression-ratio attacks; the messages are small.
    perMessageDeflate: false,
    clientTracking: false,
  });
  const trusted = new Set(deps.trustedOrigins.map((origin) => origin.toLowerCase()));
  const refused = (reason: UpgradeRefusal) => {
    deps.stats.upgradesRefused[reason] += 1;
  };

  app.route({
    method: 'GET',
    path: SOCKET_PATH,
    tags: ['realtime'],
    operationId: 'openRealtimeSocket',
    summary: 'Open a WebSocket',
    description:
      'Upgrades to a WebSocket (HTTP/1.1 `Upgrade: websocket`). Authenticate as for any route: `Authorization: Bearer`, `X-API-Key`, or the session cookie (browsers; the page must be served from this service or a configured origin). Then subscribe to `order:<id>` (your orders) and `product-stock:<id>` channels with JSON messages. Message schema, limits and close codes: docs/realtime.md.',
    errors: ['REALTIME_UPGRADE_REQUIRED', 'REALTIME_ORIGIN_REFUSED', 'REALTIME_DRAINING'],
    schema: {
      responses: {
        101: { description: 'Switching Protocols: the connection is a WebSocket from here on' },
      },
    },
    handler: (c) => {
      if ((c.header('upgrade') ?? '').toLowerCase() !== 'websocket') {
        refused('not_websocket');
        throw realtimeError('REALTIME_UPGRADE_REQUIRED', {
          detail: 'open this with a WebSocket client',
          headers: { upgrade: 'websocket', connection: 'upgrade' },
        });
      }
      try {
        checkOrigin(c, trusted);
      } catch (error) {
        refused('origin');
        throw error;
      }
      if (deps.hub.draining) {
        refused('draining');
        throw realtimeError('REALTIME_DRAINING');
      }
      const raw = takeUpgrade(c.req);
      if (raw === undefined) {
        refused('not_http1');
        // Upgrade asked for, but not as an HTTP/1.1 connection upgrade (HTTP/2).
        throw realtimeError('REALTIME_UPGRADE_REQUIRED', {
          detail: 'WebSocket needs an HTTP/1.1 connection',
        });
      }
      const identity = c.identity!;
      // What the access log reports; the handshake itself is written by ws.
      c.status = 101;
      c.committed = true;
      return deps.hub.start().then(
        () => {
          sockets.handleUpgrade(c.req as IncomingMessage, raw.socket, raw.head, (ws) => {
            runSocketSession(ws, identity, deps);
          });
        },
        (error: unknown) => {
          deps.logger.warn({ err: error }, 'realtime hub unavailable: upgrade refused');
          refused('unavailable');
          raw.socket.end(
            'HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n',
          );
        },
      );
    },
  });
}

function checkOrigin(c: Context, trusted: ReadonlySet<string>): void {
  const origin = c.header('origin')?.toLowerCase();
  if (origin === undefined) {
    if (c.identity?.method === 'session') {
      throw realtimeError('REALTIME_ORIGIN_REFUSED', {
        detail: 'a session cookie needs the Origin header',
      });
    }
    return;
  }
  const host = c.header('host')?.toLowerCase();
  const own = host === undefined ? undefined : `${c.secure ? 'https' : 'http'}://${host}`;
  if (origin === own || trusted.has(origin)) return;
  throw realtimeError('REALTIME_ORIGIN_REFUSED', { detail: `origin ${origin} is not allowed` });
}
