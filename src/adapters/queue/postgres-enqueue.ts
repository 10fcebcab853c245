// Adding jobs to the Postgres queue (postgres.ts) through any handle: the
// queue's own pool, or a caller's transaction, where the rows then commit
// (and their wake-up hints are sent) with everything else the transaction
// wrote, or not at all — how the outbox relay hands events over exactly once.
// Each add is one statement, so it needs no transaction of its own and works
// the same inside one.

import { sql as raw, type Kysely, type Transaction } from 'kysely';
import type { QueueTables } from './tables.ts';
import {
  checkQueueName,
  resolveEnqueueOptions,
  type EnqueuedFlow,
  type EnqueueOptions,
  type Flow,
  type FlowJob,
  type JsonValue,
} from '../../ports/queue.ts';

type Handle = Kysely<QueueTables>;

/**
 * A caller's handle on the service's database, typed with the jobs table: its
 * own type names the caller's tables (an outbox relay's, a module's), but the
 * jobs table is in the same database (migrations/0010_jobs.sql).
 */
function jobsOn<DB>(caller: Kysely<DB> | Transaction<DB>): Handle {
  return caller as unknown as Handle;
}

export const NOTIFY_CHANNEL = 'throughline_jobs';

// float8, not int: an int of milliseconds ends at 24 days (a prune's age, a long backoff).
export const millis = (ms: number) =>
  raw<string>`(${Math.round(ms)}::float8 * interval '1 millisecond')`;

const payloadJson = (payload: JsonValue): string => {
  const json = JSON.stringify(payload) as string | undefined;
  if (json === undefined) throw new TypeError('the payload must be JSON');
  return json;
};

/**
 * Adds a job through `handle`. Resolves with the job's id, the first job's
 * when the idempotency key was used before.
 */
export async function enqueueOn<DB>(
  caller: Kysely<DB> | Transaction<DB>,
  name: string,
  payload: JsonValue,
  enqueueOptions?: EnqueueOptions,
): Promise<string> {
  const handle = jobsOn(caller);
  checkQueueName(name);
  const resolved = resolveEnqueueOptions(enqueueOptions);
  const json = payloadJson(payload);
  const runAt =
    enqueueOptions?.runAt === undefined
      ? raw<Date>`now() + ${millis(Math.max(0, enqueueOptions?.delayMs ?? 0))}`
      : raw<Date>`${resolved.runAt}::timestamptz`;
  // One statement: the row and the wake-up hint (sent on commit).
  const inserted = await raw<{ id: string }>`
    with inserted as (
      insert into jobs (queue, payload, run_at, max_attempts, backoff, idempotency_key)
      values (${name}, ${json}::jsonb, ${runAt}, ${resolved.maxAttempts},
              ${JSON.stringify(resolved.backoff)}::jsonb, ${resolved.idempotencyKey ?? null})
      on conflict (queue, idempotency_key) do nothing
      returning id
    )
    select id, pg_notify(${NOTIFY_CHANNEL}, ${name}) from inserted`.execute(handle);
  const id = inserted.rows[0]?.id;
  if (id !== undefined) return id;
  // The key was taken: the first job's id (the conflicting insert has committed).
  return existingJob(handle, name, resolved.idempotencyKey!);
}

/**
 * Adds a flow through `handle`: the parent `waiting` with a count of its
 * children, and the children due at once, in one statement. With the
 * parent's idempotency key used before, resolves with the first flow's ids
 * (its children still kept) and adds nothing.
 */
export async function enqueueFlowOn<DB>(
  caller: Kysely<DB> | Transaction<DB>,
  flow: Flow,
): Promise<EnqueuedFlow> {
  const handle = jobsOn(caller);
  const parent = resolveFlowJob(flow);
  if (flow.children.length === 0) throw new TypeError('a flow needs at least one child');
  const children = flow.children.map((child) => {
    if (child.options?.idempotencyKey !== undefined) {
      throw new TypeError("a flow's children take no idempotencyKey: the parent's keys the flow");
    }
    const resolved = resolveFlowJob(child);
    return {
      queue: resolved.name,
      payload: child.payload,
      maxAttempts: resolved.maxAttempts,
      backoff: resolved.backoff,
    };
  });
  // Ids come from the identity sequence in the order the rows are inserted,
  // which `order by position` fixes: sorted, they are the children in order.
  // No parent row (its key was taken) means no children either.
  const inserted = await raw<{ id: string; parent_id: string }>`
    with parent as (
      insert into jobs (queue, payload, state, max_attempts, backoff, idempotency_key,
                        pending_children)
      values (${parent.name}, ${parent.json}::jsonb, 'waiting', ${parent.maxAttempts},
              ${JSON.stringify(parent.backoff)}::jsonb, ${parent.idempotencyKey ?? null},
              ${children.length})
      on conflict (queue, idempotency_key) do nothing
      returning id
    ),
    children as (
      insert into jobs (queue, payload, max_attempts, backoff, parent_id)
      select given.child ->> 'queue', given.child -> 'payload',
             (given.child ->> 'maxAttempts')::int, given.child -> 'backoff', parent.id
      from parent,
           jsonb_array_elements(${JSON.stringify(children)}::jsonb)
             with ordinality as given (child, position)
      order by given.position
      returning id, parent_id, queue
    )
    select id::text as id, parent_id::text as parent_id, pg_notify(${NOTIFY_CHANNEL}, queue)
    from children`.execute(handle);
  const first = inserted.rows[0];
  if (first !== undefined) {
    return { id: first.parent_id, childIds: sortIds(inserted.rows.map((row) => row.id)) };
  }
  const id = await existingJob(handle, parent.name, parent.idempotencyKey!);
  const kept = await handle
    .selectFrom('jobs')
    .select('id')
    .where('parent_id', '=', id)
    .orderBy('id')
    .execute();
  return { id, childIds: kept.map((row) => row.id) };
}

function resolveFlowJob(job: FlowJob) {
  checkQueueName(job.name);
  return { ...resolveEnqueueOptions(job.options), name: job.name, json: payloadJson(job.payload) };
}

const sortIds = (ids: string[]) =>
  ids.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0));

async function existingJob(handle: Handle, name: string, key: string) {
  const existing = await handle
    .selectFrom('jobs')
    .select('id')
    .where('queue', '=', name)
    .where('idempotency_key', '=', key)
    .executeTakeFirstOrThrow();
  return existing.id;
}
