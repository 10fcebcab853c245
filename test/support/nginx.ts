// nginx in front of service processes, as a deployment runs it: the shipped
// deploy/nginx/throughline.conf with its `server` lines replaced by the
// instances under test and its `listen` by a free local port, wrapped in a
// main configuration whose pid file, logs and temporary files all live in a
// directory of its own (so nginx runs without root). Its access log records
// which instances each request went to, so a test can count nginx's retries.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from './eventually.ts';

export const SHIPPED_NGINX_CONF = fileURLToPath(
  new URL('../../deploy/nginx/throughline.conf', import.meta.url),
);

const NGINX = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx'].find((path) =>
  existsSync(path),
);

/** The nginx executable, if installed. */
export const nginxBinary = (): string | undefined => NGINX;

export const nginxSkip: string | false =
  NGINX === undefined ? 'nginx is not installed (apt-get install nginx)' : false;

export interface Nginx {
  readonly url: string;
  /** One line per request: `status upstream_status method uri` (upstream_status lists every try). */
  accessLog(): Promise<string[]>;
  /** nginx's own warnings and errors (an instance it could not reach, one it gave up on). */
  errorLog(): Promise<string[]>;
  close(): Promise<void>;
}

/** `upstreams` are host:port of the web instances. */
export async function startNginx(upstreams: readonly string[]): Promise<Nginx> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-nginx-'));
  const shipped = await readFile(SHIPPED_NGINX_CONF, 'utf8');
  // nginx cannot listen on port 0 and tell us the port: take a free one and
  // try again with another in the rare case something grabs it meanwhile.
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    await writeFile(join(dir, 'throughline.conf'), withInstances(shipped, upstreams, port));
    await writeFile(join(dir, 'nginx.conf'), mainConf(dir));
    const child = spawn(
      NGINX!,
      ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit');
    const url = `http://127.0.0.1:${port}`;
    const up = await Promise.race([
      eventually(`nginx answers on ${url}`, () => answers(url), { intervalMs: 50 }).then(
        () => true,
      ),
      exited.then(() => false),
    ]);
    if (up) return running(child, url, dir);
    const log = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
    if (attempt >= 5 || !/Address already in use/.test(log + stderr)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}${log}`);
    }
  }
}

function running(child: ChildProcess, url: string, dir: string): Nginx {
  const exited = once(child, 'exit');
  return {
    url,
    async accessLog() {
      const text = await readFile(join(dir, 'access.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
    async errorLog() {
      const text = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      return text.split('\n').filter((line) => line !== '');
    },
    async close() {
      // SIGQUIT: nginx's graceful stop (requests under way finish).
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The shipped file with our instances and port; every other line as shipped. */
export function withInstances(conf: string, upstreams: readonly string[], port: number): string {
  const servers = /^(\s*)server\s+\S+:\d+(\s[^;]*)?;\n/gm;
  const first = servers.exec(conf);
  if (first === null) throw new Error('no `server host:port` line in the upstream');
  const [, indent = '', options = ''] = first;
  const lines = upstreams.map((address) => `${indent}server ${address}${options};\n`).join('');
  let replaced = false;
  const withServers = conf.replace(servers, () => {
    if (replaced) return '';
    replaced = true;
    return lines;
  });
  const withListen = withServers.replace(/^(\s*)listen\s+[^;]+;/m, `$1listen 127.0.0.1:${port};`);
  if (withListen === withServers) throw new Error('no `listen` line in the server block');
  return withListen;
}

function mainConf(dir: string): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  log_format upstreams '$status $upstream_status $request_method $uri';
  access_log ${dir}/access.log upstreams;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/throughline.conf;
}
`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/livez`);
    await res.body?.cancel();
    // Any answer from nginx will do (502 while no instance is up yet).
    return true;
  } catch {
    return false;
  }
}
