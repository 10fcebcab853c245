-- Authentication state: soft-deleted users, refresh-token families with
-- rotation, and login throttling counters.

alter table users add column deleted_at timestamptz;

-- Refresh tokens are opaque random strings; only their SHA-256 is stored.
-- Each login starts a family; every refresh rotates to a new token in the
-- same family and marks the old one used. Presenting a used token again
-- means it was stolen (or replayed): the whole family is revoked.
create table refresh_tokens (
  id bigint generated always as identity primary key,
  family_id uuid not null,
  user_id bigint not null references users (id) on delete cascade,
  token_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  constraint refresh_tokens_hash_key unique (token_hash),
  constraint refresh_tokens_expiry_after_creation check (expires_at > created_at)
);

create index refresh_tokens_family_idx on refresh_tokens (family_id);
create index refresh_tokens_user_idx on refresh_tokens (user_id);

-- Failed-login counters per key (an account's email, a client IP). A row
-- exists only while there are recent failures.
create table login_throttle (
  key text primary key,
  failures integer not null,
  last_failure_at timestamptz not null,
  locked_until timestamptz,
  constraint login_throttle_failures_positive check (failures > 0)
);
