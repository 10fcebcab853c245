// Operator commands for a running process, over a Unix socket in its data
// directory. The embedded database can only be read by the process that owns
// it (platform/directory-lock.ts), so `npm run db:backup` asks that process
// for a snapshot instead of opening the files itself. A Unix socket rather
// than an HTTP route: no credentials to hand out, reachable only from this
// host, and only by the user who owns the data (the socket sits in a 0700
// directory).
//
//   GET /snapshot   200 application/gzip: the database as a backup archive

import { once } from 'node:events';
import { mkdir, chmod, unlink } from 'node:fs/promises';
import { request, createServer, type IncomingMessage, type Server } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from './logger.ts';

/** Unix socket paths are limited to 107 bytes on Linux (104 on macOS). */
const MAX_SOCKET_PATH = 100;

export function controlSocketPath(dataDir: string): string {
  return join(resolve(dataDir), 'run', 'control.sock');
}

export interface ControlCommands {
  /** The database as a backup archive. */
  snapshot(): Promise<Uint8Array>;
}

export interface ControlSocket {
  readonly path: string;
  close(): Promise<void>;
}

/**
 * Listens on `path`; undefined (with a warning) where the path is too long
 * for a Unix socket. The caller owns the data directory, so a socket file
 * already there is a leftover of a process that died, and is replaced.
 */
export async function startControlSocket(
  path: string,
  commands: ControlCommands,
  logger: Logger,
): Promise<ControlSocket | undefined> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    logger.warn(
      { path },
      'control socket path too long for a Unix socket: online backups need a shorter DATA_DIR',
    );
    return undefined;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await chmod(dirname(path), 0o700);
  await unlink(path).catch(() => undefined);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/snapshot') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown command\n');
      return;
    }
    const started = performance.now();
    commands.snapshot().then(
      (archive) => {
        logger.info(
          { bytes: archive.byteLength, ms: Math.round(performance.now() - started) },
          'database snapshot sent over the control socket',
        );
        res
          .writeHead(200, {
            'content-type': 'application/gzip',
            'content-length': String(archive.byteLength),
          })
          .end(archive);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'database snapshot failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('snapshot failed\n');
      },
    );
  });
  server.listen(path);
  await once(server, 'listening');
  return {
    path,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((done) => {
        server.close(() => {
          done();
        });
      });
    },
  };
}

/** Asks the process listening on `path` for a snapshot. */
export async function requestSnapshot(path: string): Promise<Uint8Array> {
  const req = request({ socketPath: path, path: '/snapshot', method: 'GET' });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  if (res.statusCode !== 200) {
    throw new Error(
      `the running process refused the snapshot: ${res.statusCode} ${body.toString()}`,
    );
  }
  return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
}
