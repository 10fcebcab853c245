// Which engine backs each port, decided once from config. This file and
// sql-engine.ts (the database, kept apart so that it can start opening before
// the rest of the service has loaded) are the ones that import src/adapters/:
// everything else is handed the ports (src/ports/) built here, so changing an
// engine is a change of config, and adding one is a new adapter plus a branch
// in this file.
//
//   sql             PostgreSQL with DATABASE_URL, else embedded PGlite under DATA_DIR (sql-engine.ts)
//   kv, pub/sub     Redis with REDIS_URL, else in process (the shared state)
//   sessions        Redis beside the shared state with REDIS_URL, else the database
//   locks           Redis with REDIS_URL, else the database's `locks` table
//   job queue       QUEUE_BACKEND: the database's `jobs` table, or BullMQ on Redis
//   mail transport  SMTP with SMTP_URL, else the disk outbox under DATA_DIR/mail
//   rate limiter    Redis with REDIS_URL (a connection of its own), else in process
//   search          OpenSearch with OPENSEARCH_URL (PostgreSQL answering when it cannot), else
//                   PostgreSQL full text over the catalog's tables (PGlite or a server)

import { join, resolve } from 'node:path';
import type { Transaction } from 'kysely';
import { createMemoryKeyValueStore } from '../adapters/kv/memory.ts';
import { createRedisKeyValueStore } from '../adapters/kv/redis.ts';
import { createPostgresLockManager } from '../adapters/lock/postgres.ts';
import { createRedisLockManager } from '../adapters/lock/redis.ts';
import { createDiskOutbox } from '../adapters/mail/disk-outbox.ts';
import { createSmtpMailer } from '../adapters/mail/smtp.ts';
import { createMemoryPubSub } from '../adapters/pubsub/memory.ts';
import { createRedisPubSub } from '../adapters/pubsub/redis.ts';
import { createBullmqQueue } from '../adapters/queue/bullmq.ts';
import { createPostgresQueue, enqueueFlowOn, enqueueOn } from '../adapters/queue/postgres.ts';
import { createMemoryRateLimiter } from '../adapters/rate-limiter/memory.ts';
import { createRedisRateLimiter } from '../adapters/rate-limiter/redis.ts';
import { createRedisConnection, type RedisConnection } from '../adapters/redis/client.ts';
import { createFallbackSearch } from '../adapters/search/fallback.ts';
import { Breakers } from '../platform/breakers.ts';
import { createOpenSearchSearch } from '../adapters/search/opensearch/engine.ts';
import { createPostgresSearch } from '../adapters/search/postgres.ts';
import type { Database } from './tables.ts';
import { createKvSessionStore } from '../modules/auth/kv-session-store.ts';
import { createSqlSessionStore } from '../modules/auth/session-repo.ts';
import type { SessionStore } from '../modules/auth/session-store.ts';
import type { ReadinessChecks } from '../modules/health/readiness.ts';
import { findUserById } from '../modules/users/repo.ts';
import { activeTracer } from '../platform/tracing/active.ts';
import { traceJobQueue } from '../platform/tracing/job-spans.ts';
import type { Config } from '../platform/config.ts';
import type { Lifecycle } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import type { KeyValueStore } from '../ports/kv.ts';
import type { LockManager } from '../ports/lock.ts';
import type { Mailer, MailOutbox } from '../ports/mailer.ts';
import type { PubSub } from '../ports/pubsub.ts';
import type { EnqueuedFlow, EnqueueOptions, Flow, JobQueue, JsonValue } from '../ports/queue.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { SearchEngine } from '../ports/search.ts';
import type { SqlDatabase } from '../ports/sql.ts';

// Shared state for the modules that need more than the database: a
// key-value store (cache entries, locks, counters) and pub/sub (hints between
// instances). Without REDIS_URL both are in-process: nothing to install,
// right for one instance. With it both move to Redis, so every instance sees
// the same entries and hears the same messages: two connections, one for
// commands (the key-value store and publishing) and one reserved for
// subscriptions. Either way they are closed on shutdown; on Redis, /readyz
// also reports both connections — without failing readiness over them,
// since the features on Redis degrade rather than stop.

export interface SharedRedis {
  /** Commands: the key-value store and publishing. */
  readonly commands: RedisConnection;
  /** Reserved for pub/sub subscriptions. */
  readonly subscriber: RedisConnection;
  /** What every key and channel is prefixed with (REDIS_KEY_PREFIX). */
  readonly keyPrefix: string;
}

export interface SharedState {
  readonly kv: KeyValueStore;
  readonly pubsub: PubSub;
  /** Present when REDIS_URL is set: the connections behind `kv` and `pubsub`. */
  readonly redis?: SharedRedis;
  /**
   * Waits (boundedly) for the Redis connections at start-up; true when they
   * are up. Redis being down is not fatal: calls fail fast until it is back,
   * and readiness says so meanwhile. Always true in process.
   */
  connected(): Promise<boolean>;
}

export interface SharedStateDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly readiness: ReadinessChecks;
}

export function createSharedState(config: Config, deps: SharedStateDeps): SharedState {
  const { logger, lifecycle } = deps;
  const url = config.redis.url;
  if (url === undefined) {
    const kv = createMemoryKeyValueStore({
      maxEntries: config.kv.memoryMaxEntries,
      maxBytes: config.kv.memoryMaxBytes,
    });
    const pubsub = createMemoryPubSub({ logger });
    lifecycle.add({
      name: 'shared state',
      async close() {
        await pubsub.close();
        await kv.close();
      },
    });
    return { kv, pubsub, connected: () => Promise.resolve(true) };
  }

  const connection = (name: string) =>
    createRedisConnection({
      url,
      logger,
      name,
      connectTimeoutMs: config.redis.connectTimeoutMs,
      commandTimeoutMs: config.redis.commandTimeoutMs,
    });
  const keyPrefix = config.redis.keyPrefix;
  const redis: SharedRedis = {
    commands: connection('commands'),
    subscriber: connection('subscriber'),
    keyPrefix,
  };
  const kv = createRedisKeyValueStore({ connection: redis.commands, keyPrefix });
  const pubsub = createRedisPubSub({
    publisher: redis.commands,
    subscriber: redis.subscriber,
    channelPrefix: keyPrefix,
    logger,
  });
  lifecycle.add({
    name: 'shared state (redis)',
    async close() {
      await pubsub.close();
      await kv.close();
      await Promise.all([redis.subscriber.close(), redis.commands.close()]);
    },
  });
  // Reported in /readyz, but not gating: the features on Redis degrade
  // without it (docs/operations.md, "When Redis is down").
  deps.readiness.add(
    'redis',
    async (signal) => {
      await redis.commands.ping(signal);
      if (!redis.subscriber.isReady) throw new Error('the pub/sub connection is down');
    },
    { gating: false },
  );
  return {
    kv,
    pubsub,
    redis,
    async connected() {
      try {
        await Promise.all([redis.commands.waitUntilReady(), redis.subscriber.waitUntilReady()]);
        return true;
      } catch {
        // The connection logged why; it keeps retrying in the background.
        return false;
      }
    },
  };
}

// Browser sessions: in the database, or beside the other shared state in
// Redis when REDIS_URL is set (every cookie request reads its session: on
// Redis that is no database round trip). With Redis down, cookie requests
// then fail with 503 REDIS_UNAVAILABLE (docs/operations.md). Used by the web
// process and, to finish sign-outs, by the workers.

export function createSessionStore(
  config: Config,
  deps: { readonly sql: SqlDatabase<Database>; readonly shared: SharedState },
): SessionStore {
  const idleSeconds = config.auth.sessionIdleSeconds;
  if (config.redis.url === undefined) return createSqlSessionStore(deps.sql, { idleSeconds });
  return createKvSessionStore({
    kv: deps.shared.kv,
    idleSeconds,
    // The primary, not a replica: a role change must be seen right after it commits.
    roleOf: async (userId) => (await findUserById(deps.sql.db, userId))?.role,
  });
}

// Locks on Redis when REDIS_URL is set (on the shared state's command
// connection, keys under REDIS_KEY_PREFIX + `lock:`), else in the database's
// `locks` table — on PGlite as on PostgreSQL. Either way every instance of
// one deployment sees the same locks. The Redis connection fails calls fast
// while Redis is down (adapters/redis/client.ts): a lock that cannot be
// acquired then rejects rather than waits, and `withLock` aborts its work
// once renewals have failed for a whole ttl.

export interface LockManagerDeps {
  readonly sql: SqlDatabase<Database>;
  readonly shared: SharedState;
  /** Closes the manager on shutdown; register it after the database and shared state. */
  readonly lifecycle: Lifecycle;
}

export function createLockManager(deps: LockManagerDeps): LockManager {
  const redis = deps.shared.redis;
  const locks =
    redis === undefined
      ? createPostgresLockManager({ sql: deps.sql })
      : createRedisLockManager({ connection: redis.commands, keyPrefix: redis.keyPrefix });
  deps.lifecycle.add({
    name: `locks (${redis === undefined ? 'database' : 'redis'})`,
    close: () => locks.close(),
  });
  return locks;
}

// The job queue. Request paths never enqueue directly: they record events in
// the outbox, and the relay enqueues them (`enqueueWithin`).
// QUEUE_BACKEND=postgres (the default) keeps jobs in the `jobs` table of the
// service's own database, on PGlite as on PostgreSQL — and on PostgreSQL the
// workers also LISTEN for enqueues on a connection of their own, so an idle
// worker starts a new job at once instead of at its next poll.
// QUEUE_BACKEND=bullmq moves them to Redis (REDIS_URL, keys under
// REDIS_KEY_PREFIX + `jobs`). Switching backends does not move jobs: drain
// the old one first (docs/operations.md, "Jobs"). The queue is stopped on
// shutdown: register it after the database, so its workers finish (or give
// their jobs back) before the database closes.

export interface JobQueueDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly sql: SqlDatabase<Database>;
}

export interface ServiceJobQueue extends JobQueue {
  /**
   * Enqueues as part of `trx`. On the postgres backend the job row is written
   * in that transaction, so it commits or rolls back with it; on bullmq it
   * goes to Redis at once, and a retry after a rollback is made harmless by
   * the idempotency key (pass one).
   */
  enqueueWithin(
    trx: Transaction<Database>,
    name: string,
    payload: JsonValue,
    options?: EnqueueOptions,
  ): Promise<string>;
  /** Adds a flow as part of `trx`, like enqueueWithin (key the parent on bullmq). */
  enqueueFlowWithin(trx: Transaction<Database>, flow: Flow): Promise<EnqueuedFlow>;
}

export function createJobQueue(config: Config, deps: JobQueueDeps): ServiceJobQueue {
  const logger = deps.logger.child({ component: 'jobs' });
  const common = {
    logger,
    leaseMs: config.queue.leaseMs,
    // Within the shutdown grace, leaving the rest of it to what closes after.
    stopGraceMs: Math.ceil(config.shutdown.graceMs / 2),
  };
  let queue: ServiceJobQueue;
  if (config.queue.backend === 'bullmq') {
    // The config schema refuses bullmq without REDIS_URL.
    const url = config.redis.url!;
    const bullmq = createBullmqQueue({ ...common, url, prefix: `${config.redis.keyPrefix}jobs` });
    queue = Object.assign(bullmq, {
      enqueueWithin: (
        _trx: Transaction<Database>,
        name: string,
        payload: JsonValue,
        options?: EnqueueOptions,
      ) => bullmq.enqueue(name, payload, options),
      enqueueFlowWithin: (_trx: Transaction<Database>, flow: Flow) => bullmq.enqueueFlow(flow),
    });
  } else {
    const postgres = createPostgresQueue({
      ...common,
      sql: deps.sql,
      pollIntervalMs: config.queue.pollIntervalMs,
      listenUrl: deps.sql.engine === 'postgres' ? config.database.url : undefined,
    });
    queue = Object.assign(postgres, {
      enqueueWithin: enqueueOn,
      enqueueFlowWithin: enqueueFlowOn,
    });
  }
  deps.lifecycle.add({ name: `job queue (${config.queue.backend})`, close: () => queue.stop() });
  // Trace context into the payloads and spans around the handlers (job-spans.ts).
  const tracer = activeTracer();
  return tracer === undefined ? queue : traceJobQueue(queue, tracer, config.queue.backend);
}

// Mail goes out over SMTP when SMTP_URL is set; otherwise it is written to the
// disk outbox in DATA_DIR/mail. Production without SMTP_URL starts, with a
// warning, instead of refusing: a deployment may legitimately send no mail
// yet (an internal or staging instance, where operators read the outbox),
// and production configurations that predate mail keep starting. Until it
// is set, no user receives a verification or reset email.

export interface MailTransport {
  readonly transport: Mailer;
  /** The disk outbox behind the transport (the admin listing reads it); undefined with SMTP. */
  readonly outbox: MailOutbox | undefined;
}

export function openMailTransport(config: Config, logger: Logger): MailTransport {
  const from = config.mail.from;
  if (config.mail.smtpUrl !== undefined) {
    return { transport: createSmtpMailer({ url: config.mail.smtpUrl, from }), outbox: undefined };
  }
  const dir = join(resolve(config.dataDir), 'mail');
  if (config.nodeEnv === 'production') {
    logger.warn({ dir }, 'SMTP_URL is not set: emails are written to the disk outbox, not sent');
  }
  const outbox = createDiskOutbox({ dir, from });
  return { transport: outbox, outbox };
}

// One limiter serves every rate-limit policy (rate-limits.ts): in
// process without REDIS_URL (each instance counts on its own), on Redis with
// it (every instance shares the counts).

export interface RateLimiterDeps {
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly readiness: ReadinessChecks;
}

export function openRateLimiter(config: Config, deps: RateLimiterDeps): RateLimiter {
  const url = config.redis.url;
  if (url === undefined) {
    return createMemoryRateLimiter({ maxKeys: config.rateLimit.memoryMaxKeys });
  }
  // Its own connection: a slow cache call never queues a rate-limit decision
  // behind it, and CLIENT LIST shows which is which.
  const connection = createRedisConnection({
    url,
    logger: deps.logger,
    name: 'rate-limit',
    connectTimeoutMs: config.redis.connectTimeoutMs,
    commandTimeoutMs: config.redis.commandTimeoutMs,
  });
  deps.lifecycle.add({ name: 'rate-limit redis', close: () => connection.close() });
  // Reported in /readyz, never gating: taking every instance out of rotation
  // because the limiter is down would turn failing open into failing everything.
  deps.readiness.add('rate-limit', (signal) => connection.ping(signal), { gating: false });
  // Under the deployment's prefix, so one setting keeps deployments apart.
  return createRedisRateLimiter({ connection, keyPrefix: `${config.redis.keyPrefix}rl:` });
}

// Product search runs on the service's own database, PGlite or PostgreSQL:
// the catalog's tables are the index (migrations/0018_search.sql), so there
// is nothing to keep in step and nothing else to run. Reads go to a replica
// when DATABASE_REPLICA_URLS names one.
//
// With OPENSEARCH_URL, searches go to OpenSearch (the alias OPENSEARCH_INDEX,
// kept by the outbox and rebuilt by the reindex), and PostgreSQL answers
// whenever OpenSearch cannot — down, slow past OPENSEARCH_TIMEOUT_MS,
// overloaded, or not yet built — marking the answer degraded; a circuit
// breaker skips OpenSearch for a while after repeated failures. /readyz
// reports OpenSearch without gating readiness: searches are still answered.

export interface SearchEngineDeps {
  readonly sql: SqlDatabase<Database>;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  readonly readiness: ReadinessChecks;
  /** Where the OpenSearch breaker is kept (`search`), for the metrics and /readyz. */
  readonly breakers?: Breakers;
}

export function openSearchEngine(config: Config, deps: SearchEngineDeps): SearchEngine {
  const postgres = createPostgresSearch(deps.sql);
  const url = config.search.opensearchUrl;
  if (url === undefined) return postgres;
  const opensearch = createOpenSearchSearch({
    url,
    alias: config.search.opensearchIndex,
    timeoutMs: config.search.opensearchTimeoutMs,
    writeTimeoutMs: config.search.opensearchWriteTimeoutMs,
  });
  deps.lifecycle.add({ name: 'search (opensearch)', close: () => opensearch.close() });
  const search = createFallbackSearch({
    primary: opensearch,
    standIn: postgres,
    breaker: (deps.breakers ?? new Breakers()).single('search', {
      failures: config.search.breakerFailures,
      cooldownMs: config.search.breakerCooldownMs,
    }),
    logger: deps.logger,
  });
  deps.readiness.add(
    'search',
    async (signal) => {
      try {
        await opensearch.ping(signal);
      } catch (error) {
        const reason = error instanceof Error ? error.message : 'no answer';
        throw new Error(
          `${reason}; searches are answered by PostgreSQL (breaker ${search.breaker.state()})`,
          { cause: error },
        );
      }
    },
    { gating: false },
  );
  return search;
}
