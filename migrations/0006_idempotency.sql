-- Idempotency keys for unsafe requests a client may retry (orders,
-- transfers). A row is written in the same transaction as the effect it
-- guards, together with the response to replay, so "effect happened" and
-- "key recorded" commit or roll back together. The primary key serialises
-- concurrent requests with one key: the second insert waits for the first
-- transaction and then finds its row.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  status_code integer not null,
  headers jsonb not null default '{}',
  body jsonb,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (scope, key),
  constraint idempotency_keys_key_length check (char_length(key) between 1 and 255)
);

create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);
