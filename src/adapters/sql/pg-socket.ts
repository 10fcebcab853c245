// The socket under a node-postgres client, for what pg does not bound itself:
// keep-alive settings shared by every PostgreSQL connection the service opens
// (the pools and the job queue's LISTEN connection), and a goodbye that does
// not wait on a peer that went silent.
//
// pg's `end()` sends Terminate and waits for the server to close the socket;
// a peer behind a network that drops packets never does, and the socket (with
// whatever waits on it, a pool's end or a process's exit) stays open until the
// kernel gives up, ~15 minutes later.
import type { Client } from 'pg';

/**
 * Idle time before the kernel starts probing a connection. libuv then sends
 * a probe a second and gives up after ten unanswered ones, so a peer that
 * vanished without a reset is found about 20 s after the connection went quiet.
 */
export const KEEPALIVE_IDLE_MS = 10_000;
/** How long a goodbye may take before the socket is destroyed. */
export const END_GRACE_MS = 1000;

interface HasSocket {
  readonly connection: { readonly stream: unknown };
}

/** Destroys a client's socket at once; `error` (if any) fails the client's pending queries. */
export function destroySocket(client: HasSocket, error?: Error): void {
  (client.connection.stream as { destroy(error?: Error): void }).destroy(error);
}

/** `client.end()`, with the socket destroyed if the server has not closed it within `graceMs`. */
export async function endWithin(client: Client, graceMs = END_GRACE_MS): Promise<void> {
  const cut = setTimeout(() => {
    destroySocket(client);
  }, graceMs);
  try {
    await client.end().catch(() => undefined);
  } finally {
    clearTimeout(cut);
  }
}
