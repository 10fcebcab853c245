// The jobs dashboard for operators (seed module 13): how many jobs each
// queue holds in each state, the dead letters of a queue, and replaying one
// after the cause is fixed. Replays are audited: they repeat side effects
// (a mail, a webhook) on purpose.

import { z } from 'zod';
import type { App } from '../../http/app.ts';
import { cacheControl } from '../../http/response/cache-control.ts';
import { pgText } from '../../platform/sql/pg-values.ts';
import { DATABASE_ERRORS } from '../../platform/sql/sql-errors.ts';
import type { JobQueue } from '../../ports/queue.ts';
import { AUDIT_LABEL_MAX } from '../audit/schemas.ts';
import type { AuditSink } from '../../ports/audit.ts';
import { actorOf } from '../../http/pipeline/actor.ts';
import { opsError } from './errors.ts';
import { queryInteger } from '../../http/request/query-integer.ts';

const QUEUE_NAME = /^[a-z][a-z0-9._-]*$/;

const count = z.number().int().min(0);

const queueCounts = z
  .strictObject({
    name: z.string(),
    waiting: count.meta({ description: 'Flow parents waiting for their children' }),
    pending: count.meta({ description: 'Due or delayed, not yet claimed' }),
    running: count,
    completed: count.meta({ description: 'Kept until pruned' }),
    dead: count.meta({ description: 'Dead letters: failed every attempt' }),
  })
  .meta({ id: 'QueueCounts' });

const deadJob = z
  .strictObject({
    id: z.string(),
    queue: z.string(),
    payload: z.unknown(),
    attempts: count,
    lastError: z.string(),
    failedAt: z.iso.datetime(),
  })
  .meta({ id: 'DeadJob' });

const jobCounts = z.strictObject({ data: z.array(queueCounts) }).meta({
  example: {
    data: [
      { name: 'events.deliver', waiting: 0, pending: 3, running: 1, completed: 1840, dead: 0 },
      { name: 'webhooks.deliver', waiting: 0, pending: 12, running: 2, completed: 5211, dead: 4 },
      { name: 'orders.complete', waiting: 2, pending: 0, running: 0, completed: 312, dead: 0 },
    ],
  },
});

const deadJobs = z.strictObject({ data: z.array(deadJob) }).meta({
  example: {
    data: [
      {
        id: '90412',
        queue: 'webhooks.deliver',
        payload: { deliveryId: '812', round: 0 },
        attempts: 8,
        lastError: 'failed: timeout (no response within 10000 ms)',
        failedAt: '2026-12-06T23:41:17.000Z',
      },
    ],
  },
});

export interface JobsDashboardDeps {
  readonly queue: Pick<JobQueue, 'counts' | 'listDead' | 'replay'>;
  /** The queues the service works (src/wiring/workers.ts). */
  readonly queues: readonly string[];
  readonly audit: AuditSink;
}

export function registerJobsRoutes(app: App, deps: JobsDashboardDeps): void {
  const known = new Set(deps.queues);
  const queueName = (name: string) => {
    if (!known.has(name)) throw opsError('OPS_QUEUE_NOT_FOUND', { detail: `no queue ${name}` });
    return name;
  };

  // Counts and replays live in the database (or Redis, with BullMQ); replays are audited there.
  app.group('/api/v1/admin/jobs', { tags: ['admin'], errors: DATABASE_ERRORS }, (jobs) => {
    jobs.route({
      method: 'GET',
      path: '',
      permissions: ['ops:read'],
      operationId: 'getJobCounts',
      summary: 'Jobs per queue and state',
      description:
        'For every queue the service works: how many jobs wait, are pending, running, completed and dead.',
      schema: { responses: { 200: jobCounts } },
      handler: async (c) => {
        c.set('cache-control', cacheControl.noStore);
        const data = await Promise.all(
          deps.queues.map(async (name) => ({ name, ...(await deps.queue.counts(name)) })),
        );
        return { data };
      },
    });

    jobs.route({
      method: 'GET',
      path: '/{queue}/dead',
      permissions: ['ops:read'],
      operationId: 'listDeadJobs',
      summary: 'Dead letters of a queue',
      description:
        'Jobs that failed every attempt, the most recent first, with their payload and last error.',
      errors: ['OPS_QUEUE_NOT_FOUND'],
      schema: {
        // Queue names are dotted lower-case words (`events.deliver`); saying so
        // in the document keeps clients from sending what the path check refuses.
        params: z.strictObject({ queue: z.string().regex(QUEUE_NAME).max(100) }),
        query: z.strictObject({ limit: queryInteger(1, 100).default(50) }),
        responses: { 200: deadJobs },
      },
      handler: async (c) => {
        const queue = queueName(c.input.params.queue);
        const dead = await deps.queue.listDead(queue, { limit: c.input.query.limit });
        c.set('cache-control', cacheControl.noStore);
        return {
          data: dead.map((job) => ({
            id: job.id,
            queue: job.name,
            payload: job.payload,
            attempts: job.attempts,
            lastError: job.lastError,
            failedAt: job.failedAt.toISOString(),
          })),
        };
      },
    });

    jobs.route({
      method: 'POST',
      path: '/dead/{id}/replay',
      permissions: ['ops:write'],
      operationId: 'replayDeadJob',
      summary: 'Replay a dead letter',
      description:
        "Queues a dead job again with its attempts reset, for after the cause was fixed. It repeats the job's side effects (a mail, a webhook) on purpose. Audited, also when there is no such dead letter.",
      errors: ['OPS_DEAD_JOB_NOT_FOUND'],
      schema: {
        // The id is audited as the entry's target: no longer than the audit
        // log holds, or recording the attempt would fail the request.
        params: z.strictObject({ id: pgText().min(1).max(AUDIT_LABEL_MAX) }),
        responses: { 204: { description: 'Queued again' } },
      },
      handler: async (c) => {
        const { id } = c.input.params;
        const actor = actorOf(c);
        const replayed = await deps.queue.replay(id);
        // A failed attempt is audited too: it says someone tried.
        await deps.audit.record({
          action: 'admin.job_replayed',
          outcome: replayed ? 'success' : 'failure',
          actorId: actor.id,
          actorIp: actor.ip,
          targetType: 'job',
          targetId: id,
        });
        if (!replayed) {
          throw opsError('OPS_DEAD_JOB_NOT_FOUND', { detail: `no dead letter ${id}` });
        }
        c.noContent();
      },
    });
  });
}
