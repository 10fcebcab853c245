-- The transactional outbox (src/modules/events/): a domain event is a row
-- written in the same transaction as the change it reports, so it exists if
-- and only if the change committed. The relay (src/modules/events/relay.ts)
-- claims unrelayed rows with FOR UPDATE SKIP LOCKED, enqueues each as a job
-- keyed by the event's id, and sets relayed_at in that same transaction.
create table outbox (
  id uuid primary key default gen_random_uuid(),
  type text not null,
  -- What the event is about (a user's or an order's id), as text.
  aggregate_id text not null,
  payload jsonb not null,
  occurred_at timestamptz not null default now(),
  relayed_at timestamptz,
  constraint outbox_type_check check (type ~ '^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$')
);

-- What the relay polls: the unrelayed events, oldest first. Partial, so the
-- relayed history costs the polls nothing.
create index outbox_unrelayed_idx on outbox (occurred_at, id) where relayed_at is null;
