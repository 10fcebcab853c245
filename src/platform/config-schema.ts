// The one description of every setting: its type, range, default, environment
// variable name and whether it is a secret. The loader (config.ts), the
// `--print-config` redaction and the `.env.example` check are all derived from
// this schema, so a new setting is added here (and documented in .env.example;
// a test keeps the two in step).
//
// Leaf parsers accept both typed JSON values (config file) and strings
// (environment, flags), so one schema validates every source.
import { z } from 'zod';
import { parseCron } from './cron.ts';
import { parseDuration } from './duration.ts';
import {
  DEFAULT_PASSWORD_HASH_COST,
  meetsProductionMinimum,
  MINIMUM_PRODUCTION_HASH_COSTS,
} from './password-cost.ts';

export interface SettingMeta {
  /** Environment variable name; the flag is its kebab-case (`LOG_LEVEL` → `--log-level`). */
  readonly env: string;
  /** Never printed: redacted by `redactConfig`, its value left out of error messages. */
  readonly secret?: boolean;
  /** A filesystem path, resolved against the working directory after parsing. */
  readonly fsPath?: boolean;
}

const settingRegistry = z.registry<SettingMeta>();

function setting<S extends z.ZodType>(
  env: string,
  schema: S,
  options: Omit<SettingMeta, 'env'> = {},
): S {
  settingRegistry.add(schema, { env, ...options });
  return schema;
}

/** A group of settings; absent in the input means "all defaults". */
function group<S extends z.ZodRawShape>(shape: S) {
  const object = z.strictObject(shape);
  // Every member is optional or has a default, so an empty object is valid input.
  return object.prefault({} as z.input<typeof object>);
}

// ---- Leaf parsers ----

const INTEGER_TEXT = /^[+-]?\d+$/;
const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function wordToBoolean(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

function integer(min: number, max: number) {
  const range = `must be an integer between ${min} and ${max}`;
  return z.preprocess(
    (value) =>
      typeof value === 'string' && INTEGER_TEXT.test(value.trim()) ? Number(value) : value,
    z
      .number({ error: 'expected an integer' })
      .int({ error: 'expected an integer' })
      .min(min, { error: range })
      .max(max, { error: range }),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.join(', ')}` });
}

function boolean() {
  return z.preprocess(
    (value) => (typeof value === 'string' ? (wordToBoolean(value) ?? value) : value),
    z.boolean({ error: 'expected a boolean: true/false, 1/0 or yes/no' }),
  );
}

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)$/;

function ratio() {
  const range = 'must be a number between 0 and 1';
  return z.preprocess(
    (value) =>
      typeof value === 'string' && DECIMAL_TEXT.test(value.trim()) ? Number(value) : value,
    z.number({ error: 'expected a number' }).min(0, { error: range }).max(1, { error: range }),
  );
}

function url(protocols: readonly string[]) {
  return z
    .string({ error: 'expected a URL' })
    .refine((text) => protocols.includes(URL.parse(text)?.protocol ?? ''), {
      error: `expected a URL with scheme ${protocols.join(' or ')}`,
    });
}

/** A serialized origin (RFC 6454 §6.2), normalized the way browsers send `Origin`. */
const origin = z.string().transform((text, ctx) => {
  if (text === '*') return text;
  const parsed = URL.parse(text);
  const bare =
    parsed !== null &&
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    parsed.pathname === '/' &&
    parsed.search === '' &&
    parsed.hash === '' &&
    parsed.username === '' &&
    parsed.password === '';
  if (!bare) {
    ctx.addIssue({ code: 'custom', message: `expected an origin like https://example.com` });
    return z.NEVER;
  }
  return parsed.origin;
});

function commaList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
        : value,
    z.array(item, { error: 'expected a comma-separated list' }),
  );
}

/** A comma-separated list of durations (`1m,5m,6h`), as milliseconds. */
const durationList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value.split(',').map((part) => parseDuration(part) ?? part.trim())
      : value,
  z.array(z.number({ error: 'expected durations like 50ms, 5s, 1m, 6h or 1d' }).int().min(0), {
    error: 'expected a comma-separated list of durations',
  }),
);

/** `true`/`false`, or how many reverse proxies in front of us to trust. */
const trustProxy = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    if (INTEGER_TEXT.test(value.trim())) return Number(value);
    return wordToBoolean(value) ?? value;
  },
  z
    .union([z.boolean(), z.number().int().min(0).max(64)], {
      error: 'expected true/false or a hop count between 0 and 64',
    })
    // Zero hops trusts nobody: the same as false, so consumers can test `!== false`.
    .transform((trust) => (trust === 0 ? false : trust)),
);

const publicUrl = url(['http:', 'https:'])
  .refine((text) => URL.parse(text)?.search === '' && URL.parse(text)?.hash === '', {
    error: 'must not have a query or fragment',
  })
  // Without the trailing slash so that `${publicUrl}/path` joins cleanly.
  .transform((text) => text.replace(/\/+$/, ''));

const MIN_16 = 'must be at least 16 characters';
const HOST_TEXT = /^[\w.:%-]+$/;
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'test', 'production'] as const;

/**
 * OpenID Connect providers to sign in with: a JSON array (usually read from
 * OIDC_PROVIDERS_FILE, since it holds client secrets). Each callback is
 * `${PUBLIC_URL}/api/v1/auth/oidc/<id>/callback`, registered at the provider.
 */
const oidcProvider = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, { error: 'expected a lowercase slug' }),
  issuer: url(['https:', 'http:']),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
    .default(['openid', 'email', 'profile']),
  // An id_token signed by a key we have not seen refetches the provider's
  // keys, but at most this often: unknown `kid`s must not hammer the provider.
  jwksRefreshCooldownSeconds: z.number().int().min(0).max(3600).default(30),
});

const oidcProviderList = z.preprocess(
  (value) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  },
  z
    .array(oidcProvider, { error: 'expected a JSON array of providers' })
    .max(20)
    .refine((list) => new Set(list.map((p) => p.id)).size === list.length, {
      error: 'provider ids must be unique',
    }),
);

/** A 5-field cron expression in UTC, checked by the scheduler's own parser. */
const cronExpression = z.string().superRefine((value, ctx) => {
  try {
    parseCron(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

// ---- The settings (each one documented in .env.example) ----

const configShape = {
  nodeEnv: setting('NODE_ENV', oneOf(NODE_ENVS).default('development')),
  dataDir: setting('DATA_DIR', z.string().min(1).default('./data'), { fsPath: true }),
  log: group({
    level: setting('LOG_LEVEL', oneOf(LOG_LEVELS).default('info')),
    // A request slower than this is logged at warn (`slow: true`); 0 = never.
    slowRequestMs: setting('LOG_SLOW_REQUEST_MS', integer(0, HOUR).default(SECOND)),
    // A database statement slower than this is logged at warn, its text without values; 0 = never.
    slowQueryMs: setting('LOG_SLOW_QUERY_MS', integer(0, HOUR).default(250)),
  }),
  http: group({
    // No static default: derived from NODE_ENV below.
    host: setting('HOST', z.string().regex(HOST_TEXT, { error: 'expected a host' }).optional()),
    port: setting('PORT', integer(0, 65535).default(3000)),
    publicUrl: setting('PUBLIC_URL', publicUrl.optional()),
    headersTimeoutMs: setting('HTTP_HEADERS_TIMEOUT_MS', integer(1, HOUR).default(10 * SECOND)),
    requestTimeoutMs: setting('HTTP_REQUEST_TIMEOUT_MS', integer(1, HOUR).default(30 * SECOND)),
    keepAliveTimeoutMs: setting('HTTP_KEEP_ALIVE_TIMEOUT_MS', integer(1, HOUR).default(5 * SECOND)),
    maxHeaderSize: setting('HTTP_MAX_HEADER_SIZE', integer(1024, MIB).default(16 * 1024)),
    requestDeadlineMs: setting('HTTP_REQUEST_DEADLINE_MS', integer(1, HOUR).default(15 * SECOND)),
    trustProxy: setting('TRUST_PROXY', trustProxy.default(false)),
    // No static default: on outside production (it tells anyone how long the
    // database and caches took), opt-in there.
    serverTiming: setting('SERVER_TIMING', boolean().optional()),
  }),
  grpc: group({
    // The gRPC listener (src/wiring/grpc.ts): off unless set (0: any free port).
    port: setting('GRPC_PORT', integer(0, 65535).optional()),
    // The address it binds; plaintext, like PORT without TLS: put TLS in front.
    host: setting('GRPC_HOST', z.string().min(1).default('0.0.0.0')),
  }),
  body: group({
    jsonLimitBytes: setting('HTTP_BODY_LIMIT_JSON', integer(1, GIB).default(MIB)),
    formLimitBytes: setting('HTTP_BODY_LIMIT_FORM', integer(1, GIB).default(MIB)),
    uploadMaxFileBytes: setting(
      'HTTP_UPLOAD_MAX_FILE_SIZE',
      integer(1, 16 * GIB).default(10 * MIB),
    ),
    uploadMaxFiles: setting('HTTP_UPLOAD_MAX_FILES', integer(1, 1000).default(10)),
  }),
  tls: group({
    enabled: setting('TLS_ENABLED', boolean().default(false)),
    certFile: setting('TLS_CERT_FILE', z.string().min(1).optional(), { fsPath: true }),
    keyFile: setting('TLS_KEY_FILE', z.string().min(1).optional(), { fsPath: true }),
    redirectPort: setting('HTTP_REDIRECT_PORT', integer(0, 65535).optional()),
    hstsMaxAgeSeconds: setting('HSTS_MAX_AGE', integer(0, 1_000_000_000).default(31_536_000)),
  }),
  cors: group({
    origins: setting('CORS_ORIGINS', commaList(origin).default([])),
    credentials: setting('CORS_CREDENTIALS', boolean().default(false)),
  }),
  shutdown: group({
    graceMs: setting('SHUTDOWN_GRACE_MS', integer(1, HOUR).default(10 * SECOND)),
    // Readiness reports 503 for this long before the listener closes, so a load
    // balancer polling /readyz stops routing here first (a Kubernetes preStop sleep).
    drainDelayMs: setting('SHUTDOWN_DRAIN_DELAY_MS', integer(0, HOUR).default(0)),
    // After the HTTP server has closed, how long closing everything else (the
    // workers, the queue, Redis, the database) may take in all: what is still
    // open then is logged and left behind, and the process exits 0.
    closeTimeoutMs: setting('SHUTDOWN_CLOSE_TIMEOUT_MS', integer(1, HOUR).default(10 * SECOND)),
  }),
  database: group({
    url: setting('DATABASE_URL', url(['postgres:', 'postgresql:']).optional(), { secret: true }),
    replicaUrls: setting(
      'DATABASE_REPLICA_URLS',
      commaList(url(['postgres:', 'postgresql:'])).default([]),
      { secret: true },
    ),
    poolSize: setting('DATABASE_POOL_SIZE', integer(1, 1000).default(10)),
    acquireTimeoutMs: setting('DATABASE_ACQUIRE_TIMEOUT_MS', integer(1, HOUR).default(5 * SECOND)),
    idleTimeoutMs: setting('DATABASE_IDLE_TIMEOUT_MS', integer(1, HOUR).default(30 * SECOND)),
    maxLifetimeSeconds: setting('DATABASE_MAX_LIFETIME_S', integer(1, 86_400).default(1800)),
    statementTimeoutMs: setting(
      'DATABASE_STATEMENT_TIMEOUT_MS',
      integer(0, HOUR).default(15 * SECOND),
    ),
    // Off behind a pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
    namedStatements: setting('DATABASE_NAMED_STATEMENTS', boolean().default(true)),
    // No static default: on in development and test, opt-in in production.
    migrateOnStart: setting('MIGRATE_ON_START', boolean().optional()),
    // No static default: seed an empty database in development only.
    seedOnStart: setting('SEED_ON_START', boolean().optional()),
    // New embedded databases copied from a template (adapters/sql/pglite-template.ts).
    pgliteTemplates: setting('PGLITE_TEMPLATES', boolean().default(true)),
    // No static default: under the user's cache directory (platform/cache-dir.ts).
    pgliteTemplateDir: setting('PGLITE_TEMPLATE_DIR', z.string().min(1).optional(), {
      fsPath: true,
    }),
    // The embedded engine's shared_buffers: zeroed at every open, so it costs start-up time.
    pgliteSharedBuffersMb: setting('PGLITE_SHARED_BUFFERS_MB', integer(1, 16 * 1024).default(32)),
  }),
  redis: group({
    url: setting('REDIS_URL', url(['redis:', 'rediss:']).optional(), { secret: true }),
    // Namespaces the shared-state keys and channels (src/wiring/engines.ts):
    // deployments sharing one Redis use different ones. No braces: a prefix
    // must never decide a key's cluster hash slot.
    keyPrefix: setting(
      'REDIS_KEY_PREFIX',
      z
        .string()
        .regex(/^[\w.:-]{1,64}$/, { error: 'expected up to 64 letters, digits, _ . : or -' })
        .default('throughline:'),
    ),
    connectTimeoutMs: setting('REDIS_CONNECT_TIMEOUT_MS', integer(1, HOUR).default(2 * SECOND)),
    commandTimeoutMs: setting('REDIS_COMMAND_TIMEOUT_MS', integer(1, HOUR).default(SECOND)),
  }),
  // Product search (src/wiring/engines.ts): PostgreSQL full text over the
  // catalog's tables by default; OpenSearch with OPENSEARCH_URL, PostgreSQL
  // answering whenever OpenSearch cannot (src/adapters/search/fallback.ts).
  search: group({
    opensearchUrl: setting('OPENSEARCH_URL', url(['http:', 'https:']).optional(), {
      secret: true,
    }),
    // The alias searches read; each rebuild fills `<alias>-<timestamp>` and moves it.
    opensearchIndex: setting(
      'OPENSEARCH_INDEX',
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9_.-]{0,99}$/, {
          error: 'expected a lower-case index name: letters, digits, _ . or -',
        })
        .default('products'),
    ),
    opensearchTimeoutMs: setting('OPENSEARCH_TIMEOUT_MS', integer(1, HOUR).default(SECOND)),
    opensearchWriteTimeoutMs: setting(
      'OPENSEARCH_WRITE_TIMEOUT_MS',
      integer(1, HOUR).default(30 * SECOND),
    ),
    breakerFailures: setting('OPENSEARCH_BREAKER_FAILURES', integer(1, 1000).default(5)),
    breakerCooldownMs: setting(
      'OPENSEARCH_BREAKER_COOLDOWN_MS',
      integer(0, HOUR).default(30 * SECOND),
    ),
  }),
  // The in-process key-value store used without REDIS_URL (src/adapters/kv/memory.ts).
  kv: group({
    memoryMaxEntries: setting('KV_MEMORY_MAX_ENTRIES', integer(1, 100_000_000).default(10_000)),
    memoryMaxBytes: setting('KV_MEMORY_MAX_BYTES', integer(1024, 16 * GIB).default(64 * MIB)),
  }),
  // The job queue (src/wiring/engines.ts): the jobs table in the database by
  // default; BullMQ on Redis when asked for (it needs REDIS_URL).
  queue: group({
    backend: setting('QUEUE_BACKEND', oneOf(['postgres', 'bullmq'] as const).default('postgres')),
    leaseMs: setting('QUEUE_LEASE_MS', integer(SECOND, HOUR).default(30 * SECOND)),
    pollIntervalMs: setting('QUEUE_POLL_INTERVAL_MS', integer(10, 60 * SECOND).default(SECOND)),
    // Completed jobs and relayed outbox events are kept this long, then pruned
    // (hourly): long enough to look into, and to keep idempotency keys and
    // cron fires deduplicated well past any retry.
    retentionMs: setting(
      'JOBS_RETENTION_MS',
      integer(HOUR, 365 * 24 * HOUR).default(7 * 24 * HOUR),
    ),
  }),
  // Cron schedules over the job queue (src/platform/scheduler.ts), ticking
  // under the `scheduler` lock (src/wiring/engines.ts) on one instance at a time.
  scheduler: group({
    tickMs: setting('SCHEDULER_TICK_MS', integer(10, 60 * SECOND).default(SECOND)),
    misfireGraceMs: setting(
      'SCHEDULER_MISFIRE_GRACE_MS',
      integer(0, 24 * HOUR).default(5 * 60 * SECOND),
    ),
  }),
  // Scheduled backups of the embedded database (src/platform/scheduled-backups.ts).
  // On PostgreSQL, back up with the server's own tools (docs/operations.md).
  backup: group({
    schedule: setting('BACKUP_SCHEDULE', cronExpression.optional()),
    keep: setting('BACKUP_KEEP', integer(1, 10_000).default(7)),
    // No static default: DATA_DIR/backups.
    dir: setting('BACKUP_DIR', z.string().min(1).optional(), { fsPath: true }),
  }),
  // Where the job workers and the outbox relay run (src/wiring/workers.ts): inside
  // the web process (inline), or only in `npm run worker` processes (off).
  workers: group({
    mode: setting('WORKERS', oneOf(['inline', 'off'] as const).default('inline')),
    outboxPollIntervalMs: setting(
      'OUTBOX_POLL_INTERVAL_MS',
      integer(10, 60 * SECOND).default(SECOND),
    ),
  }),
  // Server-Sent Events and WebSocket clients (src/modules/realtime/): how
  // often an idle connection is probed, how much may wait unsent for one
  // client before it is dropped, and what one socket may send us.
  realtime: group({
    heartbeatMs: setting(
      'REALTIME_HEARTBEAT_MS',
      integer(100, 5 * 60 * SECOND).default(15 * SECOND),
    ),
    retryMs: setting('REALTIME_RETRY_MS', integer(100, 5 * 60 * SECOND).default(2 * SECOND)),
    sendBufferBytes: setting('REALTIME_SEND_BUFFER_BYTES', integer(1024, GIB).default(MIB)),
    maxMessageBytes: setting('REALTIME_MAX_MESSAGE_BYTES', integer(64, MIB).default(4096)),
    messagesPerSecond: setting('REALTIME_MESSAGES_PER_SECOND', integer(1, 10_000).default(10)),
    maxSubscriptions: setting('REALTIME_MAX_SUBSCRIPTIONS', integer(1, 10_000).default(50)),
  }),
  // Outbound webhooks (src/modules/webhooks/): the retry schedule (the pauses
  // after each failed attempt; attempts in all = its length + 1), how long a
  // rotated-out secret keeps signing, and the SSRF guard's exceptions.
  webhooks: group({
    retrySchedule: setting(
      'WEBHOOK_RETRY_SCHEDULE',
      durationList
        .refine((delays) => delays.length >= 1 && delays.length <= 20, {
          error: 'expected 1 to 20 durations',
        })
        .default([60 * SECOND, 5 * 60 * SECOND, 30 * 60 * SECOND, 6 * HOUR, 24 * HOUR]),
    ),
    secretOverlapSeconds: setting(
      'WEBHOOK_SECRET_OVERLAP_SECONDS',
      integer(0, 30 * 86_400).default(86_400),
    ),
    allowHttp: setting('WEBHOOK_ALLOW_HTTP', boolean().default(false)),
    allowHosts: setting('WEBHOOK_ALLOW_HOSTS', commaList(z.string().min(1)).default([])),
    concurrency: setting('WEBHOOK_CONCURRENCY', integer(1, 100).default(4)),
    connectTimeoutMs: setting('WEBHOOK_CONNECT_TIMEOUT_MS', integer(100, HOUR).default(5 * SECOND)),
    timeoutMs: setting('WEBHOOK_TIMEOUT_MS', integer(100, HOUR).default(15 * SECOND)),
    // A circuit breaker per receiving host (src/modules/webhooks/delivery.ts):
    // failures in a row that open it, how long it stays open, and how many
    // hosts' breakers are kept (the least recently used are forgotten).
    breakerFailures: setting('WEBHOOK_BREAKER_FAILURES', integer(1, 1000).default(5)),
    breakerCooldownMs: setting(
      'WEBHOOK_BREAKER_COOLDOWN_MS',
      integer(0, 24 * HOUR).default(60 * SECOND),
    ),
    breakerMaxHosts: setting('WEBHOOK_BREAKER_MAX_HOSTS', integer(1, 10_000).default(100)),
  }),
  // Cache-aside for product reads (src/platform/cache/cache-aside.ts).
  cache: group({
    enabled: setting('CACHE_ENABLED', boolean().default(true)),
    productTtlMs: setting('CACHE_PRODUCT_TTL_MS', integer(100, 24 * HOUR).default(60 * SECOND)),
    staleMs: setting('CACHE_STALE_MS', integer(0, 24 * HOUR).default(30 * SECOND)),
    localTtlMs: setting('CACHE_LOCAL_TTL_MS', integer(0, HOUR).default(5 * SECOND)),
  }),
  // Feature flags (src/modules/flags/): changes arrive over pub/sub at once;
  // this periodic reload bounds how long a lost announcement goes unseen.
  flags: group({
    refreshMs: setting('FLAGS_REFRESH_MS', integer(SECOND, HOUR).default(30 * SECOND)),
  }),
  // Request rate limits (src/wiring/rate-limits.ts): in process without REDIS_URL,
  // shared by every instance through Redis with it.
  rateLimit: group({
    enabled: setting('RATE_LIMIT_ENABLED', boolean().default(true)),
    ipLimit: setting('RATE_LIMIT_IP_LIMIT', integer(1, 1_000_000).default(1200)),
    ipWindowMs: setting('RATE_LIMIT_IP_WINDOW_MS', integer(SECOND, 24 * HOUR).default(60 * SECOND)),
    userLimit: setting('RATE_LIMIT_USER_LIMIT', integer(1, 1_000_000).default(600)),
    userWindowMs: setting(
      'RATE_LIMIT_USER_WINDOW_MS',
      integer(SECOND, 24 * HOUR).default(60 * SECOND),
    ),
    signInIpLimit: setting('RATE_LIMIT_SIGNIN_IP_LIMIT', integer(1, 1_000_000).default(50)),
    signInIpWindowMs: setting(
      'RATE_LIMIT_SIGNIN_IP_WINDOW_MS',
      integer(SECOND, 24 * HOUR).default(15 * 60 * SECOND),
    ),
    signInAccountLimit: setting('RATE_LIMIT_SIGNIN_ACCOUNT_LIMIT', integer(1, 10_000).default(10)),
    signInAccountWindowMs: setting(
      'RATE_LIMIT_SIGNIN_ACCOUNT_WINDOW_MS',
      integer(SECOND, 24 * HOUR).default(15 * 60 * SECOND),
    ),
    memoryMaxKeys: setting('RATE_LIMIT_MEMORY_MAX_KEYS', integer(100, 10_000_000).default(100_000)),
  }),
  mail: group({
    // Unset: messages are written to DATA_DIR/mail instead (wiring/engines.ts, openMailTransport).
    smtpUrl: setting('SMTP_URL', url(['smtp:', 'smtps:']).optional(), { secret: true }),
    // The SMTP server's circuit breaker (src/wiring/mail.ts): failures in a
    // row that open it, and how long sends fail fast before one tries again.
    smtpBreakerFailures: setting('SMTP_BREAKER_FAILURES', integer(1, 1000).default(5)),
    smtpBreakerCooldownMs: setting(
      'SMTP_BREAKER_COOLDOWN_MS',
      integer(0, HOUR).default(30 * SECOND),
    ),
    from: setting(
      'MAIL_FROM',
      z
        .string()
        .regex(/^([^\r\n<>]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, {
          error: 'expected an address like "Name <no-reply@example.com>"',
        })
        .default('Throughline <no-reply@localhost>'),
    ),
    // The footer of every mail (platform/mail-templates.ts); one line. Unset:
    // the footer names the sender only.
    postalAddress: setting(
      'MAIL_POSTAL_ADDRESS',
      z
        .string()
        .trim()
        .min(1)
        .max(300)
        .regex(/^[^\p{Cc}]*$/u, { error: 'must be one line' })
        .optional(),
    ),
    // Verifies the provider's bounce and complaint events (POST
    // /api/v1/mail/events, Standard Webhooks). Unset: that route answers 404.
    eventsSecret: setting(
      'MAIL_EVENTS_SECRET',
      z
        .string()
        .refine(
          (text) =>
            /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(text) &&
            Buffer.from(text.slice(6), 'base64').length >= 24 &&
            Buffer.from(text.slice(6), 'base64').length <= 64,
          { error: 'expected whsec_ followed by base64 of 24 to 64 bytes' },
        )
        .optional(),
      { secret: true },
    ),
  }),
  blobs: group({
    // Unset: objects live under DATA_DIR/blobs and the service serves their
    // presigned URLs itself (adapters/blobs/local-disk.ts). Set: an S3 endpoint,
    // the access key and secret as user-info (https://KEY:SECRET@host).
    s3Url: setting('S3_URL', url(['http:', 'https:']).optional(), { secret: true }),
    s3Bucket: setting(
      'S3_BUCKET',
      z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { error: 'expected an S3 bucket name' })
        .default('throughline'),
    ),
    s3Region: setting('S3_REGION', z.string().min(1).default('us-east-1')),
    // The largest upload a presigned URL is issued for; larger ones are 413 at once.
    maxUploadBytes: setting('BLOB_MAX_UPLOAD_BYTES', integer(1, 5 * GIB).default(10 * MIB)),
    // How long a presigned upload or download URL stays valid.
    presignTtlSeconds: setting('BLOB_PRESIGN_TTL_S', integer(10, 7 * 86_400).default(900)),
    // An upload nobody completed is swept after this long (the orphan sweep).
    orphanGraceMs: setting(
      'BLOB_ORPHAN_GRACE_MS',
      integer(60 * SECOND, 30 * 24 * HOUR).default(24 * HOUR),
    ),
  }),
  metrics: group({
    // GET /metrics and the request metrics behind it (src/modules/metrics).
    enabled: setting('METRICS_ENABLED', boolean().default(true)),
    // The scrape's bearer token. Production serves /metrics only with one.
    token: setting('METRICS_TOKEN', z.string().min(16, { error: MIN_16 }).optional(), {
      secret: true,
    }),
    // `npm run worker` serves GET /metrics (the same token) on this port (0:
    // any free one); unset: it serves nothing (src/wiring/worker-metrics.ts).
    workerPort: setting('WORKER_METRICS_PORT', integer(0, 65535).optional()),
    // The address the worker's metrics listener binds.
    workerHost: setting('WORKER_METRICS_HOST', z.string().min(1).default('0.0.0.0')),
  }),
  // Traces over OTLP/HTTP (src/platform/tracing): on when an endpoint is set,
  // and then only — without one nothing is installed and nothing costs.
  tracing: group({
    // The collector's base URL; spans are posted to `<endpoint>/v1/traces`.
    endpoint: setting('OTEL_EXPORTER_OTLP_ENDPOINT', url(['http:', 'https:']).optional()),
    serviceName: setting('OTEL_SERVICE_NAME', z.string().min(1).default('throughline')),
    // How the batches are encoded: OTLP's binary protobuf (the standard's
    // default; 40 % of JSON's bytes and less work per span end to end) or its JSON.
    protocol: setting(
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      oneOf(['http/protobuf', 'http/json'] as const).default('http/protobuf'),
    ),
    // The share of new traces kept; a request that arrives inside a trace
    // follows its caller's decision (parent-based sampling).
    sampleRatio: setting('OTEL_TRACES_SAMPLER_ARG', ratio().default(1)),
    // The batches spans are posted in, by OpenTelemetry's own variables and
    // defaults: a batch goes when it is full or this long after its first
    // span; past the queue's size, spans are dropped (and counted).
    batchDelayMs: setting('OTEL_BSP_SCHEDULE_DELAY', integer(1, HOUR).default(5 * SECOND)),
    maxBatchSpans: setting('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', integer(1, 100_000).default(512)),
    maxQueuedSpans: setting('OTEL_BSP_MAX_QUEUE_SIZE', integer(1, 1_000_000).default(2048)),
    // How long one export may take, its retries included.
    exportTimeoutMs: setting(
      'OTEL_BSP_EXPORT_TIMEOUT',
      integer(1, 10 * 60 * SECOND).default(10 * SECOND),
    ),
  }),
  auth: group({
    issuer: setting('JWT_ISSUER', z.string().min(1).default('throughline')),
    audience: setting('JWT_AUDIENCE', z.string().min(1).default('throughline-api')),
    accessTokenTtlSeconds: setting('ACCESS_TOKEN_TTL_S', integer(60, 3600).default(900)),
    refreshTokenTtlSeconds: setting(
      'REFRESH_TOKEN_TTL_S',
      integer(300, 400 * 86_400).default(30 * 86_400),
    ),
    // Private signing keys (a JSON array of Ed25519 JWKs, first = current).
    // Required in production; development generates and keeps one in DATA_DIR/keys.
    signingKeys: setting('JWT_SIGNING_KEYS', z.string().min(2).optional(), { secret: true }),
    // `__Host-` makes browsers insist on Secure, Path=/ and no Domain.
    sessionCookieName: setting(
      'SESSION_COOKIE_NAME',
      z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be a cookie token' })
        .default('__Host-session'),
    ),
    sessionTtlSeconds: setting('SESSION_TTL_S', integer(300, 90 * 86_400).default(7 * 86_400)),
    sessionIdleSeconds: setting('SESSION_IDLE_S', integer(60, 30 * 86_400).default(86_400)),
    loginFreeFailures: setting('LOGIN_MAX_FAILURES', integer(1, 100).default(5)),
    loginLockBaseMs: setting('LOGIN_LOCK_BASE_MS', integer(1000, HOUR).default(30 * SECOND)),
    loginLockMaxMs: setting(
      'LOGIN_LOCK_MAX_MS',
      integer(1000, 24 * HOUR).default(15 * 60 * SECOND),
    ),
    oidcProviders: setting('OIDC_PROVIDERS', oidcProviderList.default([]), { secret: true }),
    // The domain passkeys are bound to (default: PUBLIC_URL's host, else localhost)
    // and the page origins allowed to run the ceremonies (default: PUBLIC_URL's).
    webauthnRpId: setting('WEBAUTHN_RP_ID', z.string().regex(HOST_TEXT).optional()),
    webauthnOrigins: setting('WEBAUTHN_ORIGINS', commaList(origin).optional()),
  }),
  security: group({
    pepper: setting('SECRET_PEPPER', z.string().min(16, { error: MIN_16 }).optional(), {
      secret: true,
    }),
    // argon2id's cost per password hash (src/modules/users/passwords.ts):
    // memory in KiB and passes. Production refuses less than OWASP's minimum
    // (a rule below); test suites lower it, since they hash thousands.
    passwordHashMemoryKib: setting(
      'PASSWORD_HASH_MEMORY_KIB',
      integer(8, 4 * 1024 * 1024).default(DEFAULT_PASSWORD_HASH_COST.memoryKib),
    ),
    passwordHashTimeCost: setting(
      'PASSWORD_HASH_TIME_COST',
      integer(1, 100).default(DEFAULT_PASSWORD_HASH_COST.timeCost),
    ),
    // Encrypts secrets the service must read back (TOTP seeds, webhook
    // secrets), and keys derived from it sign paging cursors: 32 bytes,
    // base64. Required in production; development keeps one in DATA_DIR/keys.
    dataKey: setting(
      'DATA_ENCRYPTION_KEY',
      z
        .string()
        .refine((text) => Buffer.from(text, 'base64').length === 32, {
          error: 'must be 32 bytes, base64-encoded',
        })
        .optional(),
      { secret: true },
    ),
  }),
};

// ---- Rules that span settings ----

const baseSchema = z.strictObject(configShape);
type ParsedSettings = z.output<typeof baseSchema>;

interface CrossFieldRule {
  /** Dotted keys the rule reads; it runs only when all of them parsed cleanly. */
  readonly reads: readonly string[];
  /** The key a violation is reported on. */
  readonly reports: string;
  /** Why the settings are inconsistent, or undefined when the rule holds. */
  readonly violation: (settings: ParsedSettings) => string | undefined;
}

const CROSS_FIELD_RULES: readonly CrossFieldRule[] = [
  {
    // The callback URL registered at each provider is built from PUBLIC_URL;
    // the request's own Host header must not decide where codes are sent.
    reads: ['auth.oidcProviders', 'http.publicUrl'],
    reports: 'auth.oidcProviders',
    violation: ({ auth, http }) =>
      auth.oidcProviders.length > 0 && http.publicUrl === undefined
        ? 'OIDC_PROVIDERS needs PUBLIC_URL (the callback URLs are built from it)'
        : undefined,
  },
  {
    reads: ['nodeEnv', 'auth.oidcProviders'],
    reports: 'auth.oidcProviders',
    violation: ({ nodeEnv, auth }) =>
      nodeEnv === 'production' && auth.oidcProviders.some((p) => !p.issuer.startsWith('https:'))
        ? 'OIDC provider issuers must be https URLs in production'
        : undefined,
  },
  {
    // Generated signing keys live on one machine's disk: fine for development,
    // wrong for a fleet, where every instance must verify every other's tokens.
    reads: ['nodeEnv', 'auth.signingKeys'],
    reports: 'auth.signingKeys',
    violation: ({ nodeEnv, auth }) =>
      nodeEnv === 'production' && auth.signingKeys === undefined
        ? 'JWT_SIGNING_KEYS is required in production (a JSON array of Ed25519 private JWKs)'
        : undefined,
  },
  {
    // Like the signing keys: a generated key on one disk cannot serve a fleet,
    // and losing it would lock every enrolled user out of their second factor.
    reads: ['nodeEnv', 'security.dataKey'],
    reports: 'security.dataKey',
    violation: ({ nodeEnv, security }) =>
      nodeEnv === 'production' && security.dataKey === undefined
        ? 'DATA_ENCRYPTION_KEY is required in production (32 random bytes, base64)'
        : undefined,
  },
  {
    // A cheap hash is a test-suite and laptop convenience: in production a
    // stolen database must cost an attacker at least OWASP's minimum per guess.
    reads: ['nodeEnv', 'security.passwordHashMemoryKib', 'security.passwordHashTimeCost'],
    reports: 'security.passwordHashMemoryKib',
    violation: ({ nodeEnv, security }) =>
      nodeEnv === 'production' &&
      !meetsProductionMinimum({
        memoryKib: security.passwordHashMemoryKib,
        timeCost: security.passwordHashTimeCost,
      })
        ? `PASSWORD_HASH_MEMORY_KIB=${security.passwordHashMemoryKib} with ` +
          `PASSWORD_HASH_TIME_COST=${security.passwordHashTimeCost} is below OWASP's minimum ` +
          `for argon2id in production (${describeMinimums()})`
        : undefined,
  },
  {
    // Node refuses headersTimeout > requestTimeout; equal would make the
    // headers limit meaningless.
    reads: ['http.headersTimeoutMs', 'http.requestTimeoutMs'],
    reports: 'http.headersTimeoutMs',
    violation: ({ http }) =>
      http.headersTimeoutMs < http.requestTimeoutMs
        ? undefined
        : `must be less than HTTP_REQUEST_TIMEOUT_MS (${http.requestTimeoutMs})`,
  },
  {
    reads: ['tls.certFile', 'tls.keyFile'],
    reports: 'tls.certFile',
    violation: ({ tls }) =>
      (tls.certFile === undefined) === (tls.keyFile === undefined)
        ? undefined
        : 'TLS_CERT_FILE and TLS_KEY_FILE must be set together',
  },
  {
    // A generated self-signed certificate is a development convenience only.
    reads: ['nodeEnv', 'tls.enabled', 'tls.certFile'],
    reports: 'tls.certFile',
    violation: ({ nodeEnv, tls }) =>
      nodeEnv === 'production' && tls.enabled && tls.certFile === undefined
        ? 'required in production when TLS_ENABLED is true'
        : undefined,
  },
  {
    reads: ['tls.enabled', 'tls.redirectPort'],
    reports: 'tls.redirectPort',
    violation: ({ tls }) =>
      tls.redirectPort !== undefined && !tls.enabled ? 'requires TLS_ENABLED=true' : undefined,
  },
  {
    reads: ['tls.redirectPort', 'http.port'],
    reports: 'tls.redirectPort',
    violation: ({ tls, http }) =>
      tls.redirectPort !== 0 && tls.redirectPort === http.port
        ? `must differ from PORT (${http.port})`
        : undefined,
  },
  {
    reads: ['grpc.port', 'http.port'],
    reports: 'grpc.port',
    violation: ({ grpc, http }) =>
      grpc.port !== undefined && grpc.port !== 0 && grpc.port === http.port
        ? `must differ from PORT (${http.port})`
        : undefined,
  },
  {
    // Fetch standard, CORS protocol: a wildcard never matches a credentialed
    // request, and next to explicit origins it would be ambiguous.
    reads: ['cors.origins', 'cors.credentials'],
    reports: 'cors.origins',
    violation: ({ cors }) =>
      cors.origins.includes('*') && (cors.credentials || cors.origins.length > 1)
        ? '"*" must stand alone and cannot be combined with CORS_CREDENTIALS=true'
        : undefined,
  },
  {
    // No silent fallback to the database: jobs enqueued in one backend are
    // invisible to workers of the other.
    reads: ['queue.backend', 'redis.url'],
    reports: 'queue.backend',
    violation: ({ queue, redis }) =>
      queue.backend === 'bullmq' && redis.url === undefined
        ? 'bullmq requires REDIS_URL'
        : undefined,
  },
  {
    // Plain http would send signed order data readable (and the signatures
    // replayable) by anyone on the path: a development convenience only.
    reads: ['nodeEnv', 'webhooks.allowHttp'],
    reports: 'webhooks.allowHttp',
    violation: ({ nodeEnv, webhooks }) =>
      nodeEnv === 'production' && webhooks.allowHttp
        ? 'WEBHOOK_ALLOW_HTTP must not be true in production'
        : undefined,
  },
];

/** "m ≥ 19456 KiB with t ≥ 2, or …": the costs production accepts. */
function describeMinimums(): string {
  return MINIMUM_PRODUCTION_HASH_COSTS.map(
    ({ memoryKib, timeCost }) => `m ≥ ${memoryKib} KiB with t ≥ ${timeCost}`,
  ).join(', or ');
}

function overlaps(issuePath: readonly PropertyKey[], key: string): boolean {
  const keyPath = key.split('.');
  const shared = Math.min(issuePath.length, keyPath.length);
  return issuePath.slice(0, shared).every((segment, index) => segment === keyPath[index]);
}

function withCrossFieldRules(schema: typeof baseSchema): typeof baseSchema {
  return CROSS_FIELD_RULES.reduce(
    (current, rule) =>
      current.superRefine(
        (settings, ctx) => {
          const message = rule.violation(settings);
          if (message !== undefined) {
            ctx.addIssue({ code: 'custom', path: rule.reports.split('.'), message });
          }
        },
        {
          // Zod skips refinements once any field failed; we still want these
          // reported alongside unrelated field errors, so only skip a rule when
          // a field it reads is itself broken.
          when: (payload) =>
            payload.issues.every(
              (issue) =>
                issue.code === 'unrecognized_keys' ||
                !rule.reads.some((key) => overlaps(issue.path ?? [], key)),
            ),
        },
      ),
    schema,
  );
}

/** Defaults that depend on other settings. */
function applyDerivedDefaults(settings: ParsedSettings) {
  // Containers must bind every interface to be reachable; a laptop should not
  // expose a development server to the local network.
  const production = settings.nodeEnv === 'production';
  const host = settings.http.host ?? (production ? '0.0.0.0' : '127.0.0.1');
  // Production migrations are a release step (`npm run migrate`), not a side
  // effect of every instance starting; development just wants a working schema.
  const migrateOnStart = settings.database.migrateOnStart ?? !production;
  const seedOnStart = settings.database.seedOnStart ?? settings.nodeEnv === 'development';
  const serverTiming = settings.http.serverTiming ?? !production;
  return {
    ...settings,
    http: { ...settings.http, host, serverTiming },
    database: { ...settings.database, migrateOnStart, seedOnStart },
  };
}

export const configSchema = withCrossFieldRules(baseSchema).transform(applyDerivedDefaults);

type DeepReadonly<T> = T extends readonly (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Config = DeepReadonly<z.output<typeof configSchema>>;

// ---- The settings as a flat list ----

export interface SettingInfo extends SettingMeta {
  /** Dotted key in the config object, e.g. `http.port`. */
  readonly key: string;
  readonly path: readonly string[];
  /** Command-line flag, e.g. `--log-level`. */
  readonly flag: string;
  /** Whether a bare `--flag` means true (the setting parses the word "true" to true). */
  readonly bareFlagMeansTrue: boolean;
}

function collectSettings(shape: z.ZodRawShape, parent: readonly string[]): SettingInfo[] {
  return Object.entries(shape).flatMap(([name, schema]) => {
    const path = [...parent, name];
    const meta = settingRegistry.get(schema);
    if (meta !== undefined) {
      const flag = `--${meta.env.toLowerCase().replaceAll('_', '-')}`;
      const bareFlagMeansTrue = z.safeParse(schema, 'true').data === true;
      return [{ ...meta, key: path.join('.'), path, flag, bareFlagMeansTrue }];
    }
    if (schema instanceof z.ZodPrefault && schema.unwrap() instanceof z.ZodObject) {
      return collectSettings((schema.unwrap() as z.ZodObject).shape, path);
    }
    throw new Error(`config schema: ${path.join('.')} is neither a setting nor a group`);
  });
}

export const SETTINGS: readonly SettingInfo[] = Object.freeze(collectSettings(configShape, []));
