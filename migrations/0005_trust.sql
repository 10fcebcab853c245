-- The rest of the trust model: browser sessions, API keys, TOTP second
-- factor, and single-use account tokens (email verification, password
-- reset). Every secret a client holds is stored as its SHA-256 only: these
-- are long random strings, so a fast hash is enough and lookup stays an
-- index hit; a leaked table gives an attacker nothing to present.

-- Cookie sessions: the cookie holds an opaque random token; this row is the
-- server-side state it points at. Expiry is absolute (expires_at) and idle
-- (last_seen_at + the idle timeout, checked by the code).
create table sessions (
  id uuid primary key,
  user_id bigint not null references users (id) on delete cascade,
  token_hash text not null,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz,
  ip text,
  user_agent text,
  constraint sessions_token_hash_key unique (token_hash),
  constraint sessions_expiry_after_creation check (expires_at > created_at)
);

create index sessions_user_idx on sessions (user_id);

-- API keys: `tl_<prefix>_<secret>`. The prefix is public (it identifies the
-- key in lists and logs), the secret is shown once and stored hashed.
create table api_keys (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  name text not null,
  prefix text not null,
  secret_hash text not null,
  scopes text[] not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint api_keys_prefix_key unique (prefix),
  constraint api_keys_name_length check (char_length(name) between 1 and 100),
  constraint api_keys_scopes_not_empty check (cardinality(scopes) > 0)
);

create index api_keys_user_idx on api_keys (user_id);

-- TOTP enrolment: the shared secret is encrypted (AES-256-GCM with the data
-- key), because verifying a code needs the secret itself, not a hash.
-- last_used_step makes every code single-use (RFC 6238 §5.2).
create table user_mfa (
  user_id bigint primary key references users (id) on delete cascade,
  secret_ciphertext text not null,
  created_at timestamptz not null default now(),
  confirmed_at timestamptz,
  last_used_step bigint
);

create table mfa_recovery_codes (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  code_hash text not null,
  used_at timestamptz
);

create index mfa_recovery_codes_user_idx on mfa_recovery_codes (user_id);

-- The half-finished login between the password and the second factor:
-- single-use, short-lived, a bounded number of attempts.
create table mfa_challenges (
  token_hash text primary key,
  user_id bigint not null references users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  attempts integer not null default 0,
  used_at timestamptz
);

-- Email verification and password reset tokens.
create table user_tokens (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  purpose text not null,
  token_hash text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint user_tokens_hash_key unique (token_hash),
  constraint user_tokens_purpose_check check (purpose in ('verify_email', 'reset_password'))
);

create index user_tokens_user_idx on user_tokens (user_id, purpose);
