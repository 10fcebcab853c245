-- The job queue on PostgreSQL (src/adapters/queue/postgres.ts): one row per
-- job, whatever its queue. A job is `pending` until a worker claims it, then
-- `running` under a lease (lease_token names the claim, lease_until is when
-- it runs out unless renewed); it ends `completed`, or `dead` once its last
-- attempt failed — the dead letters are rows in that state, kept until
-- someone replays them. A `running` row whose lease ran out is claimable
-- again: that is how the job of a worker that died is delivered again.
create table jobs (
  id bigint generated always as identity primary key,
  queue text not null,
  payload jsonb not null,
  state text not null default 'pending',
  run_at timestamptz not null default now(),
  attempts integer not null default 0,
  max_attempts integer not null,
  -- { baseMs, maxMs, jitter }: the pauses between attempts (ports/queue.ts).
  backoff jsonb not null,
  idempotency_key text,
  lease_token uuid,
  lease_until timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  -- Null keys never collide: only keyed enqueues are deduplicated.
  constraint jobs_idempotency_key unique (queue, idempotency_key),
  constraint jobs_state_check check (state in ('pending', 'running', 'completed', 'dead')),
  constraint jobs_attempts_check check (attempts >= 0 and max_attempts >= 1),
  constraint jobs_lease_check check ((state = 'running') = (lease_token is not null)),
  constraint jobs_key_length check (char_length(idempotency_key) between 1 and 255)
);

-- What the workers poll: due jobs of one queue, and running jobs whose lease
-- may have run out. Partial, so completed rows cost the polls nothing.
create index jobs_due_idx on jobs (queue, run_at) where state = 'pending';
create index jobs_lease_idx on jobs (queue, lease_until) where state = 'running';
-- The dead letters of a queue, the most recent first.
create index jobs_dead_idx on jobs (queue, finished_at desc) where state = 'dead';
