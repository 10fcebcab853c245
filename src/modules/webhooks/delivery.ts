// The delivery job: one POST of one delivery to its endpoint per attempt.
//
// The body is `{ id, type, timestamp, data }` (the event's id, type, time and
// data), signed Standard-Webhooks style with webhook-id = the event id, so a
// receiver that gets a retry of something it already processed can tell. The
// POST goes through the SSRF guard (safePost), which checks the addresses
// again — DNS may have changed since registration — and pins the connection
// to them.
//
// Outcomes: a 2xx completes the delivery. Anything else — another status, a
// refusal, a network failure — is recorded as an attempt and thrown, so the
// queue retries on the configured schedule (jitter 0: the schedule is what the
// delivery log promises in next_attempt_at). The last attempt marks the
// delivery `dead` before throwing, and the job becomes a dead letter too.
//
// Each receiving host has a circuit breaker (platform/circuit-breaker.ts):
// after repeated failures of a host — 5xx, 408, 429, timeouts, refused
// connections — its deliveries are not sent until the breaker's cool-down
// has passed. Such an attempt does not reach the host; it is recorded on the
// delivery (last_error says the circuit was open) and thrown, so the queue
// reschedules it on the same schedule as a failure. Once the cool-down is
// over, one delivery at a time tries the host again. A 4xx other than 408
// and 429 is the receiver answering: it counts as the host being up.
//
// At least once: the job may run twice (a worker that only looked dead).
// Attempt numbers come from the database, so the log stays consistent, and a
// succeeded delivery is never sent again by a late job. A job enqueued for an
// earlier round (before a replay) does nothing.

import type { WebhooksDatabase } from './tables.ts';
import type { BreakerFamily } from '../../platform/breakers.ts';
import type { Logger } from '../../platform/logger.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import type { EnqueueOptions, Job, JobHandler } from '../../ports/queue.ts';
import type { SqlDatabase } from '../../ports/sql.ts';
import {
  beginAttempt,
  findDelivery,
  findSigningRow,
  recordAttempt,
  setDeliveryState,
} from './repo.ts';
import { signWebhook, type SigningSecret } from './signing.ts';
import { safePost, type OutboundResult, type Resolver } from './ssrf-guard.ts';
import { traceOutbound } from '../../platform/tracing/outbound.ts';

export const WEBHOOKS_QUEUE = 'webhooks.deliver';

/** The job's payload. */
export interface DeliveryJob {
  readonly deliveryId: string;
  /** The delivery's replay round the job was enqueued for. */
  readonly round: number;
  /** Attempts used by earlier jobs of this round (a job that took over from a held-back one). */
  readonly spent?: number;
  /** When the round was first held back by an open circuit (ms since the epoch). */
  readonly heldSince?: number;
}

export interface DeliverySettings {
  /** Pauses after each failed attempt; attempts in all = its length + 1. */
  readonly retrySchedule: readonly number[];
  readonly allowHttp: boolean;
  readonly allowHosts: readonly string[];
  readonly connectTimeoutMs: number;
  readonly timeoutMs: number;
}

const MAX_SNIPPET = 1024;
const MAX_ERROR = 1000;

/** The enqueue options of a delivery job: keyed, with the webhook retry schedule. */
export function deliveryJobOptions(
  settings: Pick<DeliverySettings, 'retrySchedule'>,
  idempotencyKey: string,
): EnqueueOptions {
  return {
    idempotencyKey,
    maxAttempts: settings.retrySchedule.length + 1,
    backoff: { delaysMs: settings.retrySchedule, jitter: 0 },
  };
}

/** The box context a secret of endpoint `id` is sealed under. */
export function secretContext(endpointId: string): string {
  return `webhook-endpoint:${endpointId}`;
}

/** The exact bytes sent: the key order is fixed here, whatever jsonb did to `data`. */
export function deliveryBody(event: {
  id: string;
  type: string;
  occurredAt: Date;
  data: unknown;
}): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    timestamp: event.occurredAt.toISOString(),
    data: event.data,
  });
}

/** Delivery outcomes as counted for the metrics. */
export type DeliveryOutcome = 'succeeded' | 'failed' | 'refused' | 'error' | 'circuit_open';

export interface DeliveryHandlerDeps {
  readonly sql: SqlDatabase<WebhooksDatabase>;
  readonly box: SecretBox;
  readonly logger: Logger;
  readonly settings: DeliverySettings;
  readonly clock?: () => Date;
  /** Name resolution for the guard; tests may inject answers. */
  readonly resolve?: Resolver;
  /** One breaker per receiving host (`host:port`), bounded in number. */
  readonly hosts?: BreakerFamily;
  /** Told each attempt's outcome (the metrics count them). */
  readonly outcomes?: (outcome: DeliveryOutcome) => void;
  /**
   * Enqueues the job that takes over from one held back by an open circuit;
   * without it a held-back attempt counts as a failed one.
   */
  readonly requeue?: (job: DeliveryJob, options: EnqueueOptions) => Promise<unknown>;
}

class DeliveryFailed extends Error {
  override name = 'DeliveryFailed';
}

/** Attempts the round used before this one: earlier jobs' (held back) and this job's. */
function attemptsBefore(job: Job): number {
  return ((job.payload as unknown as DeliveryJob).spent ?? 0) + job.attempt - 1;
}

/** The host answered as a working host does (2xx, or a 4xx that is about the request). */
function hostAnswered(result: OutboundResult): boolean {
  return (
    result.outcome === 'response' &&
    result.status < 500 &&
    result.status !== 408 &&
    result.status !== 429
  );
}

function outcomeOf(result: OutboundResult, ok: boolean): DeliveryOutcome {
  if (ok) return 'succeeded';
  if (result.outcome === 'response') return 'failed';
  return result.outcome === 'refused' ? 'refused' : 'error';
}

/** The breaker key of an endpoint: its host and port, as the URL says them. */
export function hostKey(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return 'invalid';
  }
}

function describe(result: OutboundResult): string {
  if (result.outcome === 'response') return `the endpoint answered ${result.status}`;
  return `${result.outcome === 'refused' ? 'refused' : 'failed'}: ${result.reason} (${result.detail})`;
}

export function createDeliveryHandler(deps: DeliveryHandlerDeps): JobHandler {
  const { sql, box, settings } = deps;
  const now = deps.clock ?? (() => new Date());

  /** The retry schedule's whole length: how long a host's outage may pause it. */
  const holdWindowMs = settings.retrySchedule.reduce((sum, pause) => sum + pause, 0);

  /**
   * An attempt the open circuit kept from being sent. The host's outage is
   * known already, so the attempt should not use up one of the receiver's
   * retries: a new job takes over when the circuit lets a trial through,
   * carrying the attempts used so far, and this one completes (true). That
   * pause is bounded by the schedule's own length; after it a held-back
   * attempt counts as a failed one (false: the caller throws and the queue
   * retries as before), so a host that never recovers still ends dead.
   */
  const holdBack = async (job: Job, host: string, retryInMs: number): Promise<boolean> => {
    const payload = job.payload as unknown as DeliveryJob;
    const at = now();
    const heldSince = payload.heldSince ?? at.getTime();
    const spent = attemptsBefore(job);
    const free = deps.requeue !== undefined && at.getTime() - heldSince < holdWindowMs;
    const last = !free && job.attempt >= job.maxAttempts;
    const pause = free ? Math.max(retryInMs, 1) : pauseAfter(spent + 1);
    const nextAttemptAt = last || pause === undefined ? null : new Date(at.getTime() + pause);
    await setDeliveryState(
      sql.db,
      payload.deliveryId,
      {
        status: last ? 'dead' : 'failed',
        lastError: `not sent: the circuit for ${host} is open after repeated failures`,
        nextAttemptAt,
      },
      at,
    );
    deps.outcomes?.('circuit_open');
    deps.logger
      .child({ deliveryId: payload.deliveryId, attempt: spent + 1 })
      .info({ host, counted: !free }, 'webhook delivery deferred: circuit open');
    if (!free || nextAttemptAt === null) return false;
    const options = deliveryJobOptions(
      { retrySchedule: settings.retrySchedule.slice(spent) },
      `${payload.deliveryId}:${payload.round}:held:${at.getTime()}`,
    );
    await deps.requeue(
      { deliveryId: payload.deliveryId, round: payload.round, spent, heldSince },
      { ...options, runAt: nextAttemptAt },
    );
    return true;
  };

  /** The pause after the delivery's `attempt`-th attempt (counted over every job of the round). */
  const pauseAfter = (attempt: number): number | undefined =>
    settings.retrySchedule[Math.min(attempt, settings.retrySchedule.length) - 1];

  return async (job: Job) => {
    const { deliveryId, round } = job.payload as unknown as DeliveryJob;
    const log = deps.logger.child({ deliveryId, attempt: attemptsBefore(job) + 1 });
    const delivery = await findDelivery(sql.db, deliveryId);
    // Gone with its endpoint, superseded by a replay, or already through.
    if (delivery === undefined || delivery.replays !== round) return;
    if (delivery.status === 'succeeded') return;

    const endpoint = await findSigningRow(sql.db, delivery.endpoint_id);
    if (endpoint === undefined) return;
    if (!endpoint.enabled) {
      // Not an error of the receiver: no retries, but a trace in the log.
      await setDeliveryState(
        sql.db,
        deliveryId,
        { status: 'failed', lastError: 'the endpoint is disabled', nextAttemptAt: null },
        now(),
      );
      return;
    }

    const context = secretContext(endpoint.id);
    const secrets: SigningSecret[] = [box.open(endpoint.secret_sealed, context)];
    if (endpoint.previous_secret_sealed !== null) {
      secrets.push({
        secret: box.open(endpoint.previous_secret_sealed, context),
        expiresAt: endpoint.previous_secret_expires_at,
      });
    }
    const body = deliveryBody({
      id: delivery.event_id,
      type: delivery.event_type,
      occurredAt: delivery.event_occurred_at,
      data: delivery.payload,
    });

    const host = hostKey(endpoint.url);
    const breaker = deps.hosts?.get(host);
    if (breaker !== undefined && !breaker.tryAcquire()) {
      if (await holdBack(job, host, breaker.retryInMs())) return;
      throw new DeliveryFailed(`not sent: the circuit for ${host} is open after repeated failures`);
    }
    const startedAt = now();
    const attempt = await beginAttempt(sql.db, deliveryId, startedAt);
    if (attempt === undefined) return;
    const headers = signWebhook({ id: delivery.event_id, at: startedAt, body, secrets });
    const target = URL.parse(endpoint.url);
    const post = (traceHeaders: Readonly<Record<string, string>>) =>
      safePost(endpoint.url, body, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Throughline-Webhooks/1',
          ...traceHeaders,
          ...headers,
        },
        allowHttp: settings.allowHttp,
        allowHosts: settings.allowHosts,
        connectTimeoutMs: settings.connectTimeoutMs,
        totalTimeoutMs: settings.timeoutMs,
        maxResponseBytes: MAX_SNIPPET,
        ...(deps.resolve === undefined ? {} : { resolve: deps.resolve }),
      });
    // A client span, and `traceparent` on the request: the receiver can continue the trace.
    const result = await traceOutbound(
      {
        name: 'POST',
        attributes: {
          'http.request.method': 'POST',
          'server.address': target?.hostname ?? '',
          'url.scheme': target?.protocol.slice(0, -1) ?? '',
          'throughline.webhook.endpoint_id': endpoint.id,
          'throughline.webhook.delivery_id': deliveryId,
        },
      },
      post,
      (outcome) => (outcome.outcome === 'response' ? outcome.status : undefined),
    );

    const ok = result.outcome === 'response' && result.status >= 200 && result.status < 300;
    if (hostAnswered(result)) breaker?.succeeded();
    else breaker?.failed();
    deps.outcomes?.(outcomeOf(result, ok));
    const last = job.attempt >= job.maxAttempts;
    const error = ok ? null : describe(result).slice(0, MAX_ERROR);
    const statusCode = result.outcome === 'response' ? result.status : null;
    const finished = now();
    const pause = pauseAfter(attemptsBefore(job) + 1);
    const nextAttemptAt =
      ok || last || pause === undefined ? null : new Date(finished.getTime() + pause);

    await sql.withTransaction(async (trx) => {
      await recordAttempt(trx, {
        deliveryId,
        attempt,
        startedAt,
        durationMs: result.durationMs,
        statusCode,
        outcome: result.outcome,
        error,
        responseSnippet:
          result.outcome === 'response' ? result.bodySnippet.slice(0, MAX_SNIPPET) : null,
      });
      await setDeliveryState(
        trx,
        deliveryId,
        {
          status: ok ? 'succeeded' : last ? 'dead' : 'failed',
          lastStatusCode: statusCode,
          lastError: error,
          nextAttemptAt,
        },
        finished,
      );
    });

    if (ok) return;
    log[last ? 'warn' : 'info'](
      { endpointId: endpoint.id, outcome: result.outcome, statusCode },
      last ? 'webhook delivery dead' : 'webhook delivery failed; will retry',
    );
    throw new DeliveryFailed(error ?? 'delivery failed');
  };
}
