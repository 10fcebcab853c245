-- Identities from elsewhere: OpenID Connect providers and passkeys (WebAuthn).

-- One row per sign-in started at a provider. The row is keyed by the SHA-256
-- of `state` and used once; the browser also holds `state` in a short-lived
-- HttpOnly cookie, so a callback URL fed to another browser does not sign
-- that browser in (login CSRF). The PKCE verifier is sealed with the data key.
create table oidc_login_attempts (
  state_hash text primary key,
  provider text not null,
  nonce text not null,
  code_verifier_ciphertext text not null,
  response_kind text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint oidc_login_attempts_response_kind_check check (response_kind in ('session', 'tokens'))
);

create index oidc_login_attempts_expiry_idx on oidc_login_attempts (expires_at);

-- An account's identity at a provider. `subject` is the provider's stable
-- `sub`; the address is only what the provider said at link time.
create table user_identities (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  provider text not null,
  subject text not null,
  email text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  constraint user_identities_provider_subject_key unique (provider, subject)
);

create index user_identities_user_idx on user_identities (user_id);

-- A provider identity whose verified address belongs to an existing account:
-- nothing is linked until that account's owner, signed in, confirms with the
-- token (stored as its SHA-256).
create table oidc_pending_links (
  token_hash text primary key,
  user_id bigint not null references users (id) on delete cascade,
  provider text not null,
  subject text not null,
  email text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);

-- Passkeys. The public key is COSE, base64url; sign_count is the
-- authenticator's counter, which must grow with every use when it is kept.
create table webauthn_credentials (
  id bigint generated always as identity primary key,
  user_id bigint not null references users (id) on delete cascade,
  credential_id text not null,
  public_key text not null,
  sign_count bigint not null default 0,
  transports text[] not null default '{}',
  device_type text not null,
  backed_up boolean not null,
  name text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz,
  constraint webauthn_credentials_credential_id_key unique (credential_id),
  constraint webauthn_credentials_name_length check (char_length(name) between 1 and 100)
);

create index webauthn_credentials_user_idx on webauthn_credentials (user_id);

-- One pending ceremony: the challenge the client must sign, what it is for,
-- and for whom (a registration: the signed-in user; a second factor: the
-- password step's challenge, by hash; a password-less sign-in: nobody yet).
create table webauthn_ceremonies (
  id text primary key,
  purpose text not null,
  challenge text not null,
  user_id bigint references users (id) on delete cascade,
  mfa_token_hash text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz,
  constraint webauthn_ceremonies_purpose_check check (purpose in ('register', 'sign_in', 'second_factor'))
);

create index webauthn_ceremonies_expiry_idx on webauthn_ceremonies (expires_at);
