-- Flows on the job queue (src/adapters/queue/postgres.ts): a parent job that
-- runs only after every one of its children completed. The parent is written
-- `waiting` with pending_children set to the number of its children, in the
-- statement that writes the children; each child's completion decrements the
-- counter in the statement that completes the child, and the one that brings
-- it to 0 makes the parent `pending` (due at once). A child that becomes a
-- dead letter leaves its parent waiting until it is replayed and completes.
alter table jobs
  add column parent_id bigint references jobs (id) on delete set null,
  add column pending_children integer not null default 0;

alter table jobs drop constraint jobs_state_check;
alter table jobs
  add constraint jobs_state_check
    check (state in ('waiting', 'pending', 'running', 'completed', 'dead')),
  -- Only a waiting parent has children left to wait for.
  add constraint jobs_waiting_check check ((state = 'waiting') = (pending_children > 0));

-- A child's completion finds its parent by primary key; this one serves the
-- `on delete set null` of pruning a parent (and finding a flow's children).
create index jobs_parent_idx on jobs (parent_id) where parent_id is not null;
-- What prune deletes: the completed jobs of a queue, the oldest first.
create index jobs_completed_idx on jobs (queue, finished_at) where state = 'completed';
