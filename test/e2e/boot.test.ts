// The process as operators run it: configuration from the environment, the
// announced URL, probes and docs, SIGTERM → exit 0, bad config → exit 1 with
// every problem listed, `--print-config` without secrets, and TLS with a
// generated development certificate.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { DEV_CERT_FILE } from '../../src/platform/dev-cert.ts';
import { h2Request, httpRequest } from '../support/clients.ts';
import { preparePgliteDataDir } from '../support/database.ts';
import { listeningUrl, spawnMain, type MainProcess } from '../support/process.ts';

// Generous: a loaded CI machine can take many seconds to boot a process.
const TEST_TIMEOUT_MS = 120_000;

/** A data directory holding a migrated, seeded database, so boots skip initdb. */
async function dataDir(t: TestContext, fresh = false): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'throughline-boot-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  if (!fresh) await preparePgliteDataDir(dir);
  return dir;
}

/** Starts src/wiring/main.ts; the test's teardown kills it if the test did not stop it. */
function run(t: TestContext, env: Record<string, string>, args: string[] = []): MainProcess {
  const main = spawnMain(env, args);
  t.after(async () => {
    if (main.child.exitCode === null && main.child.signalCode === null) {
      main.child.kill('SIGKILL');
      await main.exited;
    }
  });
  return main;
}

function baseEnv(dir: string): Record<string, string> {
  return { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, LOG_LEVEL: 'info' };
}

test(
  'boots, serves probes and the OpenAPI document, and exits 0 on SIGTERM',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const main = run(t, baseEnv(await dataDir(t)));
    const url = await listeningUrl(main);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    // The ready line says how long start-up took, from the process's start.
    const readyMs = main.logs.find((record) => record.url === url)?.readyMs;
    assert.ok(typeof readyMs === 'number' && readyMs > 0, `readyMs: ${String(readyMs)}`);

    const live = await httpRequest(url, { path: '/livez' });
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.body), { status: 'ok' });

    const ready = await httpRequest(url, { path: '/readyz' });
    assert.equal(ready.status, 200);
    assert.equal((JSON.parse(ready.body) as { status: string }).status, 'ready');

    const openapi = await httpRequest(url, { path: '/openapi.json' });
    assert.equal(openapi.status, 200);
    assert.match(String(openapi.headers['content-type']), /^application\/json/);
    assert.equal((JSON.parse(openapi.body) as { openapi: string }).openapi, '3.1.0');

    main.child.kill('SIGTERM');
    assert.deepEqual(await main.exited, { code: 0, signal: null });
    const messages = main.logs.map((record) => record.msg);
    assert.ok(messages.includes('shutting down'), messages.join(' | '));
    assert.equal(messages.at(-1), 'shutdown complete', messages.join(' | '));
    await assert.rejects(httpRequest(url, { path: '/livez' }), { code: 'ECONNREFUSED' });
  },
);

test(
  'an invalid configuration exits 1 and lists every problem',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const main = run(t, {
      ...baseEnv(await dataDir(t)),
      PORT: 'abc',
      HTTP_HEADERS_TIMEOUT_MS: '0',
    });
    assert.deepEqual(await main.exited, { code: 1, signal: null });
    const stderr = main.stderr();
    assert.match(stderr, /2 problems/);
    assert.match(stderr, /http\.port: .*PORT = "abc"/);
    assert.match(stderr, /http\.headersTimeoutMs: .*HTTP_HEADERS_TIMEOUT_MS = "0"/);
    assert.equal(main.stdout(), '', 'nothing was started, so nothing was logged');
  },
);

test(
  '--print-config prints the effective configuration with secrets redacted',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const main = run(t, { ...baseEnv(await dataDir(t)), DATABASE_URL: 'postgres://u:p@h/db' }, [
      '--print-config',
    ]);
    assert.deepEqual(await main.exited, { code: 0, signal: null });
    const printed = main.stdout();
    assert.doesNotMatch(printed, /p@/);
    const config = JSON.parse(printed) as {
      http: { port: number; host: string };
      database: { url: string };
    };
    assert.equal(config.database.url, '[redacted]');
    assert.equal(config.http.port, 0);
    assert.equal(config.http.host, '127.0.0.1');
  },
);

test(
  'TLS without certificate files generates a development certificate and serves h2',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const dir = await dataDir(t);
    const main = run(t, { ...baseEnv(dir), TLS_ENABLED: 'true' });
    const url = await listeningUrl(main);
    assert.match(url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const warning = await main.waitForLog((r) => r.level === 'warn' && /self-signed/.test(r.msg));
    assert.equal(warning.created, true);

    const cert = await readFile(join(dir, 'tls', DEV_CERT_FILE), 'utf8');
    const response = await h2Request(url, cert, { path: '/livez' });
    assert.equal(response.protocol, 'h2');
    assert.equal(response.status, 200);
    assert.match(String(response.headers['strict-transport-security']), /^max-age=/);

    main.child.kill('SIGTERM');
    assert.deepEqual(await main.exited, { code: 0, signal: null });
  },
);

test(
  'a start-up failure after the logger exists is logged and exits 1',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const occupied = createServer();
    await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', resolve));
    t.after(
      () =>
        new Promise<void>((resolve) =>
          occupied.close(() => {
            resolve();
          }),
        ),
    );
    const { port } = occupied.address() as AddressInfo;

    const main = run(t, { ...baseEnv(await dataDir(t)), PORT: String(port) });
    assert.deepEqual(await main.exited, { code: 1, signal: null });
    const fatal = main.logs.find((record) => record.level === 'fatal');
    assert.equal(fatal?.msg, 'start-up failed');
    assert.equal((fatal.err as { code?: string }).code, 'EADDRINUSE');
    assert.equal(main.logs.at(-1)?.msg, 'shutdown complete');
  },
);

test(
  'with a drain delay, readiness answers 503 after SIGTERM while requests are still served',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    const main = run(t, { ...baseEnv(await dataDir(t)), SHUTDOWN_DRAIN_DELAY_MS: '3000' });
    const url = await listeningUrl(main);
    main.child.kill('SIGTERM');
    await main.waitForLog((record) => record.msg === 'shutting down');
    const ready = await httpRequest(url, { path: '/readyz' });
    assert.equal(ready.status, 503);
    const report = JSON.parse(ready.body) as { checks: { lifecycle: { error: string } } };
    assert.equal(report.checks.lifecycle.error, 'stopping');
    assert.equal((await httpRequest(url, { path: '/livez' })).status, 200);
    assert.deepEqual(await main.exited, { code: 0, signal: null });
  },
);

/** What a start on a new data directory did about the template, from its log. */
function templateUse(main: MainProcess): 'saved' | 'copied' | undefined {
  const messages = main.logs.map((record) => record.msg);
  if (messages.includes('database template saved')) return 'saved';
  if (messages.includes('new database copied from template')) return 'copied';
  return undefined;
}

test(
  'a fresh data directory gets the embedded database, the schema and the demo data; the next one is copied from the template the first saved',
  { timeout: 240_000 },
  async (t) => {
    // A template directory of the test's own, so the first start finds none.
    const templates = await mkdtemp(join(tmpdir(), 'throughline-boot-templates-'));
    t.after(() => rm(templates, { recursive: true, force: true }));
    const env = (dir: string) => ({
      ...baseEnv(dir),
      NODE_ENV: 'development',
      PGLITE_TEMPLATE_DIR: templates,
    });

    for (const expected of ['saved', 'copied'] as const) {
      const main = run(t, env(await dataDir(t, true)));
      const url = await listeningUrl(main);
      assert.equal(templateUse(main), expected, main.stdout());
      const messages = main.logs.map((record) => record.msg);
      assert.ok(messages.includes('demo data loaded'), messages.join(' | '));
      assert.ok(
        messages.some((m) => m.startsWith('demo admin account (development only): admin@')),
        'the demo admin credentials are printed in development',
      );
      const product = await httpRequest(url, { path: '/api/v1/products/1' });
      assert.equal(product.status, 200, product.body);
      const body = JSON.parse(product.body) as { id: string; price: { amount: number } };
      assert.equal(body.id, '1');
      assert.equal(typeof body.price.amount, 'number');
      const ready = JSON.parse((await httpRequest(url, { path: '/readyz' })).body) as {
        checks: Record<string, { status: string }>;
      };
      assert.equal(ready.checks.database?.status, 'ok');
      main.child.kill('SIGTERM');
      assert.deepEqual(await main.exited, { code: 0, signal: null });
    }
  },
);

test(
  'with templates turned off, a fresh data directory is created in place',
  { timeout: 120_000 },
  async (t) => {
    const main = run(t, {
      ...baseEnv(await dataDir(t, true)),
      NODE_ENV: 'test',
      PGLITE_TEMPLATES: 'false',
    });
    const url = await listeningUrl(main);
    assert.equal(templateUse(main), undefined);
    assert.equal((await httpRequest(url, { path: '/readyz' })).status, 200);
    // Migrated: the product list reads a migrated table.
    assert.equal((await httpRequest(url, { path: '/api/v1/products?limit=1' })).status, 200);
    main.child.kill('SIGTERM');
    assert.deepEqual(await main.exited, { code: 0, signal: null });
  },
);
