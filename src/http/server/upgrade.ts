// HTTP/1.1 upgrade requests (RFC 9110 §7.8, `Connection: upgrade`) go
// through the same handler and pipeline as every other request — access
// log, authentication, rate limits, the route's own checks — on a response
// written to the raw connection. A route that accepts the upgrade takes the
// connection with `takeUpgrade` and switches protocols itself; any other
// outcome (401, 403, 404, 426…) is an ordinary HTTP response, after which
// the connection closes. So a refused upgrade is refused with a proper
// status before any handshake.

import { ServerResponse, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { NodeRequest, NodeResponse } from '../pipeline/context.ts';

interface PendingUpgrade {
  readonly socket: Socket;
  readonly head: Buffer;
  readonly res: ServerResponse;
}

const pending = new WeakMap<object, PendingUpgrade>();

/** The server's `upgrade` listener: runs `handler` with a response on the raw connection. */
export function upgradeListener(
  handler: (req: NodeRequest, res: NodeResponse) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // node:http and the TLS listener both hand over net.Socket (TLSSocket).
    if (!(socket instanceof Socket)) {
      socket.destroy();
      return;
    }
    const res = new ServerResponse(req);
    // The connection was the upgrade's: whatever is answered, it ends after.
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    pending.set(req, { socket, head, res });
    res.once('finish', () => {
      if (pending.delete(req)) socket.end();
    });
    socket.on('error', () => {
      socket.destroy();
    });
    handler(req, res);
  };
}

/**
 * The raw connection of an upgrade request, for the route that switches
 * protocols; undefined when the request did not ask to upgrade (or it was
 * taken already). Once taken, the route must mark the response committed:
 * the core writes nothing more on it.
 */
export function takeUpgrade(req: NodeRequest): { socket: Duplex; head: Buffer } | undefined {
  const found = pending.get(req);
  if (found === undefined) return undefined;
  pending.delete(req);
  found.res.detachSocket(found.socket);
  return { socket: found.socket, head: found.head };
}
