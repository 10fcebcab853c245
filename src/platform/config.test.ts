import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { SETTINGS } from './config-schema.ts';
import {
  ConfigError,
  isPrintConfigRequested,
  loadConfig,
  printConfig,
  redactConfig,
} from './config.ts';
import type { LoadConfigOptions } from './config.ts';

/** The secrets production refuses to start without (values are syntactically valid only). */
const PRODUCTION_SECRETS = {
  NODE_ENV: 'production',
  JWT_SIGNING_KEYS: '[{"kid":"k"}]',
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

const workDir = mkdtempSync(join(tmpdir(), 'config-test-'));
after(() => {
  rmSync(workDir, { recursive: true, force: true });
});

let fileCounter = 0;
/** Writes a file under the test directory and returns its relative name. */
function writeTemp(content: string): string {
  fileCounter += 1;
  const name = `file-${fileCounter}`;
  writeFileSync(join(workDir, name), content);
  return name;
}

function load(options: LoadConfigOptions = {}) {
  return loadConfig({ argv: [], env: {}, cwd: workDir, ...options });
}

function loadError(options: LoadConfigOptions): ConfigError {
  try {
    load(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  test('applies schema defaults', () => {
    const config = load();
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.http.port, 3000);
    assert.equal(config.http.host, '127.0.0.1');
    assert.equal(config.log.level, 'info');
    assert.equal(config.tls.enabled, false);
    assert.deepEqual(config.cors.origins, []);
    assert.equal(config.http.trustProxy, false);
    assert.equal(config.dataDir, join(workDir, 'data'));
    assert.equal(config.database.url, undefined);
  });

  test('binds all interfaces by default in production', () => {
    const production = PRODUCTION_SECRETS;
    assert.equal(load({ env: production }).http.host, '0.0.0.0');
    assert.equal(load({ env: { ...production, HOST: '::1' } }).http.host, '::1');
  });

  test('production requires its secrets and does not migrate or seed on start', () => {
    assert.throws(() => load({ env: { NODE_ENV: 'production' } }), /JWT_SIGNING_KEYS/);
    const { DATA_ENCRYPTION_KEY: _, ...withoutDataKey } = PRODUCTION_SECRETS;
    assert.throws(() => load({ env: withoutDataKey }), /DATA_ENCRYPTION_KEY is required/);
    assert.throws(
      () => load({ env: { ...PRODUCTION_SECRETS, DATA_ENCRYPTION_KEY: 'c2hvcnQ=' } }),
      /must be 32 bytes/,
    );
    const config = load({ env: PRODUCTION_SECRETS });
    assert.equal(config.database.migrateOnStart, false);
    assert.equal(config.database.seedOnStart, false);
    const development = load({ env: { NODE_ENV: 'development' } });
    assert.equal(development.database.migrateOnStart, true);
    assert.equal(development.database.seedOnStart, true);
    // Server-Timing reveals how long the database took: opt-in in production.
    assert.equal(config.http.serverTiming, false);
    assert.equal(development.http.serverTiming, true);
    assert.equal(
      load({ env: { ...PRODUCTION_SECRETS, SERVER_TIMING: 'true' } }).http.serverTiming,
      true,
    );
  });

  test('password hashing defaults to argon2id m=64 MiB, t=3; production refuses less than OWASP allows', () => {
    const defaults = load({ env: PRODUCTION_SECRETS }).security;
    assert.equal(defaults.passwordHashMemoryKib, 65_536);
    assert.equal(defaults.passwordHashTimeCost, 3);
    const cost = (memoryKib: number, timeCost: number) => ({
      ...PRODUCTION_SECRETS,
      PASSWORD_HASH_MEMORY_KIB: String(memoryKib),
      PASSWORD_HASH_TIME_COST: String(timeCost),
    });
    // OWASP's minimum and two of its equivalents (less memory, more passes).
    for (const [memoryKib, timeCost] of [
      [19_456, 2],
      [47_104, 1],
      [7_168, 5],
    ] as const) {
      assert.equal(
        load({ env: cost(memoryKib, timeCost) }).security.passwordHashTimeCost,
        timeCost,
      );
    }
    for (const [memoryKib, timeCost] of [
      [19_455, 2],
      [19_456, 1],
      [4_096, 1],
    ] as const) {
      const error = loadError({ env: cost(memoryKib, timeCost) });
      assert.match(error.message, /security\.passwordHashMemoryKib: .*below OWASP's minimum/);
      assert.match(error.message, /m ≥ 19456 KiB with t ≥ 2/);
    }
    // Outside production a small cost is allowed: the test suites run with one.
    assert.equal(
      load({ env: { PASSWORD_HASH_MEMORY_KIB: '1024' } }).security.passwordHashMemoryKib,
      1024,
    );
  });

  test('precedence is default < file < env < flag for the same key', () => {
    const file = writeTemp(JSON.stringify({ http: { port: 4000 } }));
    assert.equal(load().http.port, 3000);
    assert.equal(load({ env: { CONFIG_FILE: file } }).http.port, 4000);
    assert.equal(load({ env: { CONFIG_FILE: file, PORT: '5000' } }).http.port, 5000);
    const all = { env: { CONFIG_FILE: file, PORT: '5000' }, argv: ['--port', '6000'] };
    assert.equal(load(all).http.port, 6000);
    assert.equal(load({ ...all, argv: ['--port=7000'] }).http.port, 7000);
  });

  test('--config overrides CONFIG_FILE', () => {
    const fromEnv = writeTemp(JSON.stringify({ log: { level: 'warn' } }));
    const fromFlag = writeTemp(JSON.stringify({ log: { level: 'debug' } }));
    const config = load({ env: { CONFIG_FILE: fromEnv }, argv: ['--config', fromFlag] });
    assert.equal(config.log.level, 'debug');
  });

  test('parses booleans, lists and hop counts from strings', () => {
    const config = load({
      env: { TLS_ENABLED: 'yes', CORS_CREDENTIALS: '1', TRUST_PROXY: '2' },
      argv: ['--cors-origins', 'https://A.example.com/, http://localhost:5173'],
    });
    assert.equal(config.tls.enabled, true);
    assert.equal(config.cors.credentials, true);
    assert.equal(config.http.trustProxy, 2);
    assert.deepEqual(config.cors.origins, ['https://a.example.com', 'http://localhost:5173']);
    assert.equal(load({ argv: ['--tls-enabled'] }).tls.enabled, true);
    assert.equal(load({ env: { TLS_ENABLED: 'no' } }).tls.enabled, false);
  });

  test('treats an empty environment variable as unset', () => {
    assert.equal(load({ env: { PORT: '', PUBLIC_URL: '' } }).http.port, 3000);
  });

  test('reads X_FILE and trims the trailing newline', () => {
    const secret = writeTemp('postgres://app:s3cret@db.internal/app\n');
    const pepper = writeTemp('0123456789abcdef-pepper\r\n');
    const config = load({
      env: { DATABASE_URL_FILE: secret },
      argv: ['--secret-pepper-file', pepper],
    });
    assert.equal(config.database.url, 'postgres://app:s3cret@db.internal/app');
    assert.equal(config.security.pepper, '0123456789abcdef-pepper');
  });

  test('rejects setting both X and X_FILE', () => {
    const secret = writeTemp('postgres://a@b/c');
    const error = loadError({
      env: { DATABASE_URL: 'postgres://a@b/c', DATABASE_URL_FILE: secret },
    });
    assert.equal(error.problems.length, 1);
    assert.equal(error.problems[0]?.subject, 'database.url');
    assert.match(error.message, /DATABASE_URL and .*DATABASE_URL_FILE/);
  });

  test('reports every problem with the source of each bad value', () => {
    const error = loadError({ env: { PORT: 'abc' }, argv: ['--log-level', 'loud'] });
    assert.deepEqual(
      error.problems.map(({ subject, source }) => ({ subject, source })),
      [
        { subject: 'log.level', source: 'flag' },
        { subject: 'http.port', source: 'env' },
      ],
    );
    assert.match(error.message, /2 problems/);
    assert.match(error.message, /http\.port: .*env PORT = "abc"/);
    assert.match(error.message, /log\.level: .*flag --log-level = "loud"/);
  });

  test('reports a cross-field rule together with unrelated errors', () => {
    const error = loadError({
      env: { HTTP_HEADERS_TIMEOUT_MS: '30000', HTTP_MAX_HEADER_SIZE: '12' },
    });
    const subjects = error.problems.map((problem) => problem.subject).sort();
    assert.deepEqual(subjects, ['http.headersTimeoutMs', 'http.maxHeaderSize']);
    assert.match(error.message, /must be less than HTTP_REQUEST_TIMEOUT_MS \(30000\)/);
  });

  test('enforces the TLS and CORS cross-field rules', () => {
    const certOnly = loadError({ env: { TLS_CERT_FILE: 'cert.pem' } });
    assert.match(certOnly.message, /must be set together/);
    const prodTls = loadError({ env: { NODE_ENV: 'production', TLS_ENABLED: 'true' } });
    assert.match(prodTls.message, /tls\.certFile: required in production/);
    const redirect = loadError({ env: { HTTP_REDIRECT_PORT: '8080' } });
    assert.match(redirect.message, /requires TLS_ENABLED=true/);
    const wildcard = loadError({ env: { CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' } });
    assert.match(wildcard.message, /cors\.origins/);
  });

  test('GRPC_PORT is off by default and must differ from PORT', () => {
    assert.equal(load().grpc.port, undefined);
    assert.equal(load({ env: { GRPC_PORT: '0', PORT: '0' } }).grpc.port, 0);
    const clash = loadError({ env: { GRPC_PORT: '3000' } });
    assert.match(clash.message, /grpc\.port: must differ from PORT \(3000\)/);
  });

  test('OTLP batches are protobuf unless JSON is asked for; gRPC is refused', () => {
    assert.equal(load().tracing.protocol, 'http/protobuf');
    const json = load({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } });
    assert.equal(json.tracing.protocol, 'http/json');
    const grpc = loadError({ env: { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' } });
    assert.match(grpc.message, /tracing\.protocol: expected one of http\/protobuf, http\/json/);
  });

  test("span batches follow OpenTelemetry's OTEL_BSP_* variables and defaults", () => {
    const defaults = load().tracing;
    assert.deepEqual(
      [
        defaults.maxBatchSpans,
        defaults.batchDelayMs,
        defaults.maxQueuedSpans,
        defaults.exportTimeoutMs,
      ],
      [512, 5000, 2048, 10_000],
    );
    const set = load({
      env: {
        OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '100',
        OTEL_BSP_SCHEDULE_DELAY: '250',
        OTEL_BSP_MAX_QUEUE_SIZE: '400',
        OTEL_BSP_EXPORT_TIMEOUT: '3000',
      },
    }).tracing;
    assert.deepEqual(
      [set.maxBatchSpans, set.batchDelayMs, set.maxQueuedSpans, set.exportTimeoutMs],
      [100, 250, 400, 3000],
    );
    const zero = loadError({ env: { OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '0' } });
    assert.match(zero.message, /tracing\.maxBatchSpans/);
    const text = loadError({ env: { OTEL_BSP_SCHEDULE_DELAY: 'soon' } });
    assert.match(text.message, /tracing\.batchDelayMs/);
  });

  test('rejects unknown flags and stray arguments', () => {
    const error = loadError({ argv: ['--prot', '80', 'serve'] });
    assert.deepEqual(
      error.problems.map((problem) => problem.subject),
      ['--prot', '80', 'serve'],
    );
    assert.ok(error.problems.every((problem) => problem.source === 'flag'));
    assert.match(loadError({ argv: ['--port'] }).message, /--port: needs a value/);
  });

  test('rejects unknown keys in the config file', () => {
    const file = writeTemp(JSON.stringify({ http: { prot: 80 }, extra: true }));
    const error = loadError({ env: { CONFIG_FILE: file } });
    assert.deepEqual(
      error.problems.map(({ subject, source }) => ({ subject, source })),
      [
        { subject: 'http.prot', source: 'file' },
        { subject: 'extra', source: 'file' },
      ],
    );
  });

  test('fails on a missing or malformed config file, but skips an absent one', () => {
    assert.match(loadError({ argv: ['--config', 'nope.json'] }).message, /ENOENT/);
    const broken = writeTemp('{ "http": ');
    assert.match(loadError({ env: { CONFIG_FILE: broken } }).message, /invalid JSON/);
    const array = writeTemp('[]');
    assert.match(loadError({ env: { CONFIG_FILE: array } }).message, /JSON object/);
    assert.equal(load({ env: { CONFIG_FILE: '' } }).http.port, 3000);
  });

  test('returns a deeply frozen object', () => {
    const config = load({ env: { CORS_ORIGINS: 'https://a.example' } });
    assert.throws(() => {
      (config as { nodeEnv: string }).nodeEnv = 'production';
    }, TypeError);
    assert.throws(() => {
      (config.http as { port: number }).port = 1;
    }, TypeError);
    assert.throws(() => {
      (config.cors.origins as string[]).push('https://b.example');
    }, TypeError);
  });
});

describe('printing the configuration', () => {
  const secrets = {
    DATABASE_URL: 'postgres://app:hunter2@db/app',
    SECRET_PEPPER: 'pepper-0123456789-abcdef',
  };

  test('redactConfig hides secrets and leaves the config untouched', () => {
    const config = load({ env: secrets });
    const redacted = redactConfig(config) as {
      database: { url: unknown };
      security: { pepper: unknown };
      redis: { url?: unknown };
      http: { port: unknown };
    };
    assert.equal(redacted.database.url, '[redacted]');
    assert.equal(redacted.security.pepper, '[redacted]');
    assert.equal('url' in redacted.redis, false);
    assert.equal(redacted.http.port, 3000);
    assert.equal(config.database.url, secrets.DATABASE_URL);
  });

  test('printConfig writes redacted JSON', () => {
    const stream = new PassThrough();
    printConfig(load({ env: secrets }), stream);
    const text = String(stream.read());
    assert.equal(text.includes('hunter2'), false);
    assert.equal(text.includes(secrets.SECRET_PEPPER), false);
    assert.equal((JSON.parse(text) as { http: { port: number } }).http.port, 3000);
  });

  test('error messages never show secret values', () => {
    const error = loadError({ env: { DATABASE_URL: 'mysql://app:hunter2@db/app' } });
    assert.equal(error.problems[0]?.subject, 'database.url');
    assert.equal(error.message.includes('hunter2'), false);
  });

  test('isPrintConfigRequested detects the flag, which loadConfig accepts', () => {
    assert.equal(isPrintConfigRequested(['--port', '1', '--print-config']), true);
    assert.equal(isPrintConfigRequested(['--port', '1']), false);
    assert.equal(load({ argv: ['--print-config'] }).http.port, 3000);
  });
});

test('.env.example documents every setting', () => {
  const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
  const documented = new Set(example.match(/^[A-Z0-9_]+(?==)/gm));
  const missing = SETTINGS.map((setting) => setting.env).filter((env) => !documented.has(env));
  assert.deepEqual(missing, []);
});
