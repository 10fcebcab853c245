// The shipped nginx configuration (deploy/nginx/throughline.conf), read as
// text: nginx may retry on another instance only what is safe to repeat, and
// the cluster test's rewrite of it (its own instances and port) keeps every
// other line. With nginx installed, `nginx -t` accepts the rewritten file.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { nginxBinary, nginxSkip, SHIPPED_NGINX_CONF, withInstances } from '../support/nginx.ts';

const shipped = await readFile(SHIPPED_NGINX_CONF, 'utf8');
/** The directives, without comments. */
const directives = shipped.replace(/#.*$/gm, '');

describe('the shipped nginx configuration', () => {
  test('retries on another instance without `non_idempotent`: a sent POST is never repeated', () => {
    const retries = [...directives.matchAll(/proxy_next_upstream\s+([^;]+);/g)].map((m) => m[1]!);
    assert.ok(retries.length > 0, 'proxy_next_upstream is set');
    for (const conditions of retries) {
      assert.match(conditions, /\berror\b/);
      assert.doesNotMatch(conditions, /non_idempotent/);
    }
  });

  test('opens a connection per request to the instances (no upstream keepalive)', () => {
    const upstream = /upstream\s+\S+\s*\{([^}]*)\}/.exec(directives)?.[1] ?? '';
    assert.notEqual(upstream, '');
    assert.doesNotMatch(upstream, /\bkeepalive\b/);
  });

  test('the test rewrite swaps in its instances and port and keeps the rest', () => {
    const rewritten = withInstances(shipped, ['127.0.0.1:4001', '127.0.0.1:4002'], 5000);
    const servers = [...rewritten.matchAll(/^\s*server\s+(\S+:\d+)\s+([^;]*);/gm)];
    assert.deepEqual(
      servers.map((m) => m[1]),
      ['127.0.0.1:4001', '127.0.0.1:4002'],
    );
    assert.ok(servers.every((m) => m[2] === 'max_fails=1 fail_timeout=2s'));
    assert.match(rewritten, /^\s*listen 127\.0\.0\.1:5000;/m);
    const rest = (text: string) =>
      text
        .split('\n')
        .filter((line) => !/^\s*(server\s+\S+:\d+|listen)\b/.test(line))
        .join('\n');
    assert.equal(rest(rewritten), rest(shipped));
  });

  test('nginx -t accepts it', { skip: nginxSkip }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'throughline-nginx-t-'));
    try {
      const conf = withInstances(shipped, ['127.0.0.1:4001'], 5000);
      await writeFile(join(dir, 'throughline.conf'), conf);
      await writeFile(
        join(dir, 'nginx.conf'),
        `pid ${dir}/nginx.pid;\nevents {}\nhttp { include ${dir}/throughline.conf; }\n`,
      );
      const run = promisify(execFile);
      const args = ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')];
      const { stderr } = await run(nginxBinary()!, args);
      assert.match(stderr, /syntax is ok/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
