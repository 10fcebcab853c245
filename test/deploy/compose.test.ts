// compose.yaml starts what it says in the order it says: PostgreSQL and Redis
// healthy, the migrations once and successfully, then two web instances and
// a worker, nginx last. Each service's environment, with the secrets
// scripts/compose-secrets.ts writes, is a configuration the service accepts
// in production, so a renamed setting or a missing secret fails here rather
// than at `docker compose up`. nginx retries only idempotent requests, and
// its configuration passes `nginx -t` where nginx is installed.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { writeComposeSecrets } from '../../scripts/compose-secrets.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { dockerContextIncludes } from '../support/dockerfile.ts';
import {
  durationMs,
  imageEnvironment,
  readRepoFile,
  readYamlDocuments,
  unknownVariables,
} from '../support/deploy.ts';

interface Service {
  image: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
}

const compose = readYamlDocuments('compose.yaml')[0] as ComposeFile;
const services = compose.services;
const ours = Object.entries(services).filter(([, s]) => s.image.startsWith('throughline:'));

/** `${NAME:-default}` as compose reads it with NAME unset. */
const interpolate = (text: string) =>
  text.replace(/\$\{\w+(?::?-([^}]*))?\}/g, (_, fallback: string | undefined) => fallback ?? '');

describe('compose.yaml', () => {
  const secretsDir = mkdtempSync(join(tmpdir(), 'compose-secrets-'));
  after(() => {
    rmSync(secretsDir, { recursive: true, force: true });
  });

  test('has the stack: PostgreSQL, Redis, migrations, two web instances, a worker, nginx', () => {
    for (const name of ['postgres', 'redis', 'migrate', 'web', 'worker', 'nginx']) {
      assert.ok(services[name], `service ${name}`);
      assert.equal(services[name].profiles, undefined, `${name} starts by default`);
    }
    assert.ok((services.web!.deploy?.replicas ?? 1) >= 2, 'at least two web instances');
    assert.deepEqual(services.migrate!.command, ['scripts/migrate.ts']);
    assert.deepEqual(services.worker!.command, ['src/wiring/worker.ts']);
    for (const name of ['opensearch', 'minio', 'otel-collector']) {
      assert.ok(services[name]?.profiles?.length, `${name} is optional (a profile)`);
    }
  });

  test('pins every image to a version tag, ours to the release version', () => {
    const { version } = JSON.parse(readRepoFile('package.json')) as { version: string };
    for (const [name, service] of ours) {
      assert.equal(interpolate(service.image), `throughline:${version}`, name);
    }
    for (const [name, service] of Object.entries(services)) {
      const tag = /:([^:/]+)$/.exec(interpolate(service.image))?.[1];
      assert.ok(tag !== undefined && tag !== 'latest', `${name}: ${service.image}`);
    }
  });

  test('starts in order: data stores healthy, migrations done, web healthy before nginx', () => {
    const condition = (from: string, to: string) => services[from]!.depends_on?.[to]?.condition;
    assert.equal(condition('migrate', 'postgres'), 'service_healthy');
    for (const name of ['web', 'worker']) {
      assert.equal(condition(name, 'migrate'), 'service_completed_successfully', name);
      assert.equal(condition(name, 'redis'), 'service_healthy', name);
    }
    assert.equal(condition('nginx', 'web'), 'service_healthy');
    // Whatever is waited on as healthy has a health check (ours inherit the image's, on /livez).
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition: wanted }] of Object.entries(service.depends_on ?? {})) {
        assert.ok(services[target], `${name} depends on ${target}, which exists`);
        if (wanted !== 'service_healthy') continue;
        const check = services[target].healthcheck;
        const fromImage = services[target].image.startsWith('throughline:');
        assert.ok(check?.test ?? (fromImage && !check?.disable), `${target} has a health check`);
      }
    }
    for (const name of ['postgres', 'redis', 'worker', 'nginx']) {
      assert.ok(services[name]!.healthcheck?.test, `${name} has a health check`);
    }
    const workerCheck = services.worker!.healthcheck?.test?.join(' ') ?? '';
    assert.match(
      workerCheck,
      /127\.0\.0\.1:9464\/livez/,
      "the worker's /livez, on its metrics port",
    );
    assert.equal(services.worker!.environment?.WORKER_METRICS_PORT, '9464');
  });

  test("runs the service's containers read-only, without capabilities or privilege escalation", () => {
    for (const [name, service] of ours) {
      assert.equal(service.read_only, true, name);
      assert.deepEqual(service.tmpfs, ['/tmp'], name);
      assert.deepEqual(service.cap_drop, ['ALL'], name);
      assert.ok(service.security_opt?.includes('no-new-privileges:true'), name);
      for (const script of service.command ?? []) {
        assert.ok(existsSync(new URL(script, new URL('../../', import.meta.url))), script);
        assert.ok(dockerContextIncludes(readRepoFile('.dockerignore'), script), script);
      }
    }
  });

  test('writes its secrets once, readable by the container user', async () => {
    const dir = join(secretsDir, 'once');
    const written = await writeComposeSecrets(dir);
    assert.deepEqual(written.sort(), Object.keys(compose.secrets).sort());
    for (const name of written) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o644);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    writeFileSync(join(dir, 'metrics_token'), 'set-by-hand-0123456789\n');
    assert.deepEqual(await writeComposeSecrets(dir), [], 'nothing is overwritten');
    for (const [name, { file }] of Object.entries(compose.secrets)) {
      assert.equal(file, `deploy/compose/secrets/${name}`);
    }
  });

  test("gives each of the service's containers a configuration production accepts", async () => {
    await writeComposeSecrets(secretsDir);
    for (const [name, service] of ours) {
      const env: Record<string, string> = { ...imageEnvironment() };
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        const secret = /^\/run\/secrets\/(.+)$/.exec(value)?.[1];
        if (secret !== undefined) {
          assert.ok(service.secrets?.includes(secret), `${name} mounts the secret ${secret}`);
          env[key] = join(secretsDir, secret);
        } else {
          env[key] = interpolate(value);
        }
      }
      assert.deepEqual(unknownVariables(Object.keys(env)), [], `${name}: unknown variables`);
      const config = loadConfig({ argv: [], env, cwd: secretsDir });
      assert.equal(config.nodeEnv, 'production', name);
      assert.ok(config.database.url?.startsWith('postgres://'), `${name} uses PostgreSQL`);
      const { drainDelayMs, graceMs, closeTimeoutMs } = config.shutdown;
      if (service.command === undefined || service.command[0] !== 'scripts/migrate.ts') {
        const stop = durationMs(service.stop_grace_period ?? '10s');
        assert.ok(stop > drainDelayMs + graceMs + closeTimeoutMs, `${name}: stop_grace_period`);
      }
      if (name === 'web') {
        assert.equal(config.workers.mode, 'off', 'the worker container runs the jobs');
        assert.equal(config.http.port, 3000, 'the port nginx proxies to');
      }
    }
  });
});

describe('nginx in front', () => {
  const conf = readRepoFile('deploy/nginx/nginx.conf');
  const directives = conf.replace(/#.*$/gm, '');

  test('retries on another instance only what is safe to send twice', () => {
    const retry = /^\s*proxy_next_upstream\s+([^;]+);/m.exec(directives)?.[1]?.split(/\s+/);
    assert.deepEqual(retry, ['error', 'timeout', 'http_502', 'http_503']);
    assert.doesNotMatch(directives, /non_idempotent/);
    assert.match(conf, /server web:3000 /, 'the upstream is the web service on its port');
    assert.match(conf, /proxy_set_header Upgrade \$http_upgrade;/, 'WebSockets pass');
    assert.match(conf, /location = \/metrics \{\s*return 404;/, 'no public metrics');
  });

  test('passes nginx -t', (t) => {
    const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
    if (version.error !== undefined) {
      t.skip('nginx is not installed');
      return;
    }
    // Here there is no Docker DNS and maybe an nginx older than 1.27.3's `resolve`:
    // the service's address becomes a local one, the rest is checked as written.
    const dir = mkdtempSync(join(tmpdir(), 'nginx-conf-'));
    try {
      const local = conf
        .replace(/^\s*resolver .*$/m, '')
        .replace('server web:3000 resolve', 'server 127.0.0.1:3000')
        .replaceAll('/tmp/', `${dir}/`)
        // The test runner's stdout is a socket, which cannot be opened by path.
        .replace('access_log /dev/stdout', `access_log ${dir}/access.log`);
      writeFileSync(join(dir, 'nginx.conf'), local);
      const check = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], {
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
