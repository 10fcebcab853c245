// Shared start-up for the benchmark servers: listen on an ephemeral port on
// loopback, announce it as one JSON line on stdout (the runner waits for it),
// and exit cleanly on SIGTERM/SIGINT. A clean exit matters: `--cpu-prof`
// only writes its profile when the process exits normally.

import type { Server } from 'node:http';

export function listenAndAnnounce(server: Server, onClose?: () => void): void {
  server.listen(0, '127.0.0.1', () => {
    announce(server);
  });
  exitOnSignal(() => {
    onClose?.();
    server.close();
    server.closeAllConnections();
  });
}

export function announce(server: Server): void {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('expected a TCP address');
  process.stdout.write(`${JSON.stringify({ port: address.port, pid: process.pid })}\n`);
}

export function exitOnSignal(close: () => void): void {
  const stop = (): void => {
    close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
